import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  agentGrant,
  agentNatsUser,
  monitorGrant,
  NATS_SERVICES,
  natsGrants,
  natsGrantsDocument,
  natsInboxPrefix,
  natsPasswordVariable,
  type NatsPermissions,
  serviceGrant,
} from './nats-permissions';
import { consumers, streams, subjects } from './subjects';

/** Whether NATS subject pattern `pattern` (with * and >) covers the concrete subject `subject`. */
function covers(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/** What nats-server decides for one concrete subject (deny wins; allow_responses adds only replies). */
const may = (side: NatsPermissions['publish'], subject: string) => side.allow.some((a) => covers(a, subject)) && !side.deny.some((d) => covers(d, subject));

const site = fc.stringMatching(/^[a-z][a-z0-9-]{0,31}$/);
const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const every = natsGrants(['a']);

describe('NATS grants (one user per service and per site)', () => {
  it('deploy/nats/grants.json is what the grants render to (node -r ./tools/register.js tools/nats-users/nats-users.ts)', () => {
    const file = join(__dirname, '..', '..', '..', 'deploy', 'nats', 'grants.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(natsGrantsDocument());
  });

  it('gives no user every subject, and each user only its own inbox', () => {
    for (const { user, permissions } of every) {
      for (const side of [permissions.publish, permissions.subscribe]) expect([user, side.allow.filter((s) => s === '>' || s === '*.>' || s === 'cairn.>')]).toEqual([user, []]);
      expect([user, permissions.subscribe.allow.filter((s) => s.startsWith('_INBOX.'))]).toEqual([user, [`${natsInboxPrefix(user)}.>`]]);
      expect([user, permissions.publish.allow.filter((s) => s.startsWith('_INBOX'))]).toEqual([user, []]);
    }
  });

  it("keeps every site's agent to its own site: it hears only its commands and says only its events", () => {
    fc.assert(
      fc.property(site, site, token, token, (a, b, kind, name) => {
        fc.pre(a !== b);
        const { permissions } = agentGrant(a);
        for (const subject of [`cairn.site.${b}.agent.${name}`, `cairn.site.${b}.events.${kind}`, `cairn.site.${b}.${kind}.${name}`]) {
          expect(may(permissions.subscribe, subject)).toBe(false);
          expect(may(permissions.publish, subject)).toBe(false);
        }
        expect(may(permissions.subscribe, subjects.site(a).submit)).toBe(true);
        expect(may(permissions.publish, subjects.site(a).attemptEvents)).toBe(true);
        expect(may(permissions.publish, `cairn.site.${a}.agent.${name}`)).toBe(false);
        expect(may(permissions.subscribe, `cairn.site.${a}.events.${kind}`)).toBe(false);
        expect(may(permissions.publish, `cairn.jobs.events.${name}`)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("lets no service (nor the monitor) publish any site's agent events", () => {
    const others = [...NATS_SERVICES.map(serviceGrant), monitorGrant()];
    fc.assert(
      fc.property(site, token, fc.array(token, { maxLength: 3 }), (s, kind, rest) => {
        const subject = [`cairn.site.${s}.events.${kind}`, ...rest].join('.');
        for (const { user, permissions } of others) expect([user, may(permissions.publish, subject)]).toEqual([user, false]);
      }),
      { numRuns: 300 },
    );
  });

  it('grants each service what its code uses, and the subjects it serves to it alone', () => {
    const scheduler = serviceGrant('scheduler').permissions;
    const gateway = serviceGrant('gateway').permissions;
    const images = serviceGrant('images').permissions;
    fc.assert(
      fc.property(site, fc.uuid(), (s, id) => {
        for (const subject of Object.values(subjects.site(s)).filter((x) => x.includes('.agent.'))) expect(may(scheduler.publish, subject)).toBe(true);
        expect(may(scheduler.publish, subjects.jobEvents(id))).toBe(true);
        expect(may(scheduler.publish, subjects.workflowEvents(id))).toBe(true);
      }),
      { numRuns: 50 },
    );
    for (const subject of Object.values(subjects.scheduler)) {
      expect([subject, may(scheduler.subscribe, subject), may(gateway.publish, subject)]).toEqual([subject, true, true]);
      for (const other of ['gateway', 'images', 'staging', 'provenance'] as const) expect([other, may(serviceGrant(other).permissions.subscribe, subject)]).toEqual([other, false]);
    }
    expect(may(scheduler.publish, subjects.images.resolve)).toBe(true);
    expect(may(scheduler.subscribe, 'cairn.jobs.events.>')).toBe(true); // the engine's wake-up hint
    expect(may(images.subscribe, subjects.images.resolve)).toBe(true);
    for (const stream of Object.values(streams)) expect(may(scheduler.publish, `$JS.API.STREAM.CREATE.${stream.name}`)).toBe(true);
    expect(may(scheduler.publish, `$JS.API.CONSUMER.MSG.NEXT.${streams.siteEvents.name}.${consumers.schedulerSiteEvents}`)).toBe(true);
    for (const stream of [streams.jobEvents.name, streams.workflowEvents.name]) {
      expect(may(gateway.publish, `$JS.API.STREAM.MSG.GET.${stream}`)).toBe(true);
      expect(may(gateway.publish, `$JS.API.STREAM.CREATE.${stream}`)).toBe(false);
    }
    expect(may(gateway.publish, `$JS.API.CONSUMER.CREATE.${streams.siteEvents.name}.x`)).toBe(false);
    for (const service of NATS_SERVICES) expect(may(serviceGrant(service).permissions.subscribe, subjects.health(service))).toBe(true);
    expect(may(monitorGrant().permissions.publish, subjects.site('a').health)).toBe(true);
    expect(may(monitorGrant().permissions.publish, subjects.site('a').submit)).toBe(false);
  });

  it("lets the gateway ask every site's agent for its status and nothing else of an agent's; the agent hears its own", () => {
    const gateway = serviceGrant('gateway').permissions;
    fc.assert(
      fc.property(site, site, (s, other) => {
        expect(may(gateway.publish, subjects.site(s).status)).toBe(true);
        for (const [key, subject] of Object.entries(subjects.site(s)).filter(([k, x]) => k !== 'status' && x.includes('.agent.'))) expect([key, may(gateway.publish, subject)]).toEqual([key, false]);
        expect(may(agentGrant(s).permissions.subscribe, subjects.site(s).status)).toBe(true);
        if (s !== other) expect(may(agentGrant(other).permissions.subscribe, subjects.site(s).status)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('lets only the gateway and the scheduler publish a workflow submission (so rerunOf comes from ProvenanceService.Rerun only)', () => {
    const submitters = natsGrants(['a', 'b'])
      .filter((g) => may(g.permissions.publish, subjects.scheduler.submitWorkflow))
      .map((g) => g.user);
    expect(submitters.sort()).toEqual(['cairn-gateway', 'cairn-scheduler']);
  });

  it('refuses site and user names that are not subject tokens, and names each password variable', () => {
    for (const bad of ['', 'A', 'a.b', 'a*', 'a>', 'a b', '-a', 'x'.repeat(33)]) expect(() => agentNatsUser(bad)).toThrow(/is not a site name/);
    for (const bad of ['', 'a.b', 'a b', '*', '>', 'x'.repeat(65)]) {
      expect(() => natsInboxPrefix(bad)).toThrow(/is not a subject token/);
      expect(() => natsPasswordVariable(bad)).toThrow(/bad NATS user name/);
    }
    expect(natsPasswordVariable('agent-hpc1')).toBe('CAIRN_NATS_PASSWORD_AGENT_HPC1');
    expect(natsGrants(['a', 'a', 'b']).map((g) => g.user)).toEqual([...NATS_SERVICES.map((s) => `cairn-${s}`), 'cairn-monitor', 'agent-a', 'agent-b']);
  });
});
