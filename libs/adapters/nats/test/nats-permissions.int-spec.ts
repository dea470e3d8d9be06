import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats, encodeJson, JetStreamRepository, NatsRequester } from '../src';
import { type NatsUser, startNats, type TestNats, waitFor, WORKSPACE } from '@cairn/testing';
import { NATS_SERVICES, streams, subjects } from '@cairn/contracts';
import { connect, ErrorCode as NatsErrorCode, type NatsConnection, NatsError, type Status } from 'nats';
import { z } from 'zod';

const id = () => randomBytes(4).toString('hex');

/** A connection as `user` that records every status it reports. */
interface Watched {
  nc: NatsConnection;
  statuses: Status[];
}

/** Whether a status reports a permissions violation of `operation` on `subject`. */
const violation = (operation: 'publish' | 'subscription', subject: string) => (s: Status) =>
  s.data === NatsErrorCode.PermissionsViolation && s.permissionContext?.operation === operation && s.permissionContext.subject === subject;

describe('NATS users of Cairn, each held to its grant (libs/contracts nats-permissions) [real: nats-server 2.9 with TLS]', () => {
  let nats: TestNats;
  // Hears every site subject, says nothing: only to see what gets through.
  const observer: NatsUser = {
    user: 'observer',
    password: randomBytes(24).toString('base64url'),
    permissions: { publish: { allow: [], deny: [] }, subscribe: { allow: ['cairn.site.>', '_INBOX.observer.>'], deny: [] }, allowResponses: false },
  };
  const open: Watched[] = [];

  async function as(user: NatsUser, name: string): Promise<Watched> {
    const nc = await connectNats({ ...nats.clientFor(user), name });
    const statuses: Status[] = [];
    void (async () => {
      for await (const s of nc.status()) statuses.push(s);
    })();
    const watched = { nc, statuses };
    open.push(watched);
    return watched;
  }

  /** Subjects `observer` saw while `act` ran (after a flush of both ends). */
  async function seenBy(subject: string, act: () => Promise<void>): Promise<string[]> {
    const obs = await as(observer, `observer-${id()}`);
    const seen: string[] = [];
    const sub = obs.nc.subscribe(subject, { callback: (_e, m) => seen.push(m.subject) });
    await obs.nc.flush();
    await act();
    await obs.nc.flush();
    sub.unsubscribe();
    return seen;
  }

  beforeAll(async () => {
    nats = await startNats({ sites: ['a', 'b'], users: [observer], tls: true });
    // The streams as the scheduler makes them at start.
    const scheduler = await as(nats.users.scheduler, 'scheduler-setup');
    const js = new JetStreamRepository(scheduler.nc);
    for (const stream of Object.values(streams)) await js.ensureStream(stream);
  });

  afterAll(async () => {
    for (const w of open) await w.nc.close();
    await nats?.stop();
  });

  it("refuses agent a a subscription to site b's commands: PERMISSIONS_VIOLATION on the iterator and on status()", async () => {
    const agent = await as(nats.agent('a'), 'agent-a');
    const sub = agent.nc.subscribe(subjects.site('b').submit);
    const error: unknown = await (async () => {
      for await (const msg of sub) void msg;
    })().then(
      () => new Error('the iterator ended without an error'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NatsError);
    expect((error as NatsError).code).toBe(NatsErrorCode.PermissionsViolation);
    await waitFor('the violation on status()', async () => agent.statuses.find(violation('subscription', subjects.site('b').submit)));
  });

  it("drops agent a's publish of site b's events (status() only); its own site's event reaches the stream", async () => {
    const agent = await as(nats.agent('a'), 'agent-a-events');
    const seen = await seenBy('cairn.site.*.events.>', async () => {
      agent.nc.publish(subjects.site('b').attemptEvents, encodeJson({ forged: true }));
      await agent.nc.flush();
      await waitFor('the violation on status()', async () => agent.statuses.find(violation('publish', subjects.site('b').attemptEvents)));
      await new JetStreamRepository(agent.nc).publish(subjects.site('a').attemptEvents, { mine: true }, `a-${id()}`);
    });
    expect(seen).toEqual([subjects.site('a').attemptEvents]);
    expect(agent.nc.isClosed()).toBe(false);
  });

  it('lets no service publish agent events: the scheduler, gateway, images, staging, provenance and the monitor are all refused', async () => {
    for (const who of [...NATS_SERVICES, 'monitor'] as const) {
      const w = await as(nats.users[who], `${who}-forger`);
      const subject = `cairn.site.x${id()}.events.attempt`;
      const seen = await seenBy(subject, async () => {
        w.nc.publish(subject, encodeJson({ forged: who }));
        await w.nc.flush();
        await waitFor(`${who}'s violation on status()`, async () => w.statuses.find(violation('publish', subject)));
      });
      expect({ who, seen }).toEqual({ who, seen: [] });
    }
  });

  it("keeps each user out of others' inboxes and out of subjects it does not serve", async () => {
    const agent = await as(nats.agent('a'), 'agent-a-inboxes');
    const gateway = await as(nats.users.gateway, 'gateway-inboxes');
    const attempts: Array<[Watched, string]> = [
      [agent, '_INBOX.>'],
      [agent, '_INBOX.cairn-scheduler.>'],
      [agent, '_INBOX.agent-b.>'],
      [agent, 'cairn.site.a.events.>'],
      [gateway, subjects.scheduler.submitJob],
      [gateway, '_INBOX.cairn-scheduler.>'],
    ];
    for (const [w, subject] of attempts) {
      w.nc.subscribe(subject);
      await w.nc.flush();
      await waitFor(`the refusal of ${subject}`, async () => w.statuses.find(violation('subscription', subject)));
    }
  });

  it("serves request and reply along the grants: the scheduler asks agent a on a's subject, the gateway asks the scheduler", async () => {
    const agent = await as(nats.agent('a'), 'agent-a-serves');
    const scheduler = await as(nats.users.scheduler, 'scheduler-serves');
    const gateway = await as(nats.users.gateway, 'gateway-asks');
    agent.nc.subscribe(subjects.site('a').describe, { callback: (_e, m) => m.respond(encodeJson({ ok: true, data: { site: 'a' } })) });
    scheduler.nc.subscribe(subjects.scheduler.getJob, { callback: (_e, m) => m.respond(encodeJson({ ok: true, data: { job: 'j' } })) });
    await agent.nc.flush();
    await scheduler.nc.flush();
    expect(await new NatsRequester(scheduler.nc).request(subjects.site('a').describe, {}, z.object({ site: z.string() }))).toEqual({ site: 'a' });
    expect(await new NatsRequester(gateway.nc).request(subjects.scheduler.getJob, {}, z.object({ job: z.string() }))).toEqual({ job: 'j' });
    // Nobody but the scheduler may command an agent.
    const images = await as(nats.users.images, 'images-commands');
    images.nc.publish(subjects.site('a').submit, encodeJson({}));
    await images.nc.flush();
    await waitFor('the refusal', async () => images.statuses.find(violation('publish', subjects.site('a').submit)));
  });

  it('deploy/nats/users.conf is what the one renderer makes of grants.json for site hpc1', () => {
    const rendered = execFileSync('bash', [join(WORKSPACE, 'tools', 'nats-users', 'render-users.sh'), join(WORKSPACE, 'deploy', 'nats', 'grants.json'), 'hpc1'], { encoding: 'utf8' });
    const file = readFileSync(join(WORKSPACE, 'deploy', 'nats', 'users.conf'), 'utf8');
    expect(file.split('\n').filter((line) => !line.startsWith('#')).join('\n')).toBe(rendered);
  });

  it('takes TLS clients that trust its CA only: no CA, or plaintext, is refused', async () => {
    const user = nats.users.monitor;
    const port = new URL(nats.url).port;
    const attempt = async (options: object) =>
      connect({ servers: `127.0.0.1:${port}`, user: user.user, pass: user.password, reconnect: false, timeout: 5_000, ...options }).then(
        async (nc) => (await nc.close(), 'connected'),
        (e: unknown) => String(e),
      );
    expect(await attempt({ tls: { ca: readFileSync(nats.ca?.file ?? '', 'utf8') } })).toBe('connected');
    // A client that only knows the public roots cannot verify the server.
    expect(await attempt({})).toMatch(/certificate|self.signed|unable to verify/i);
    // A client that will not speak TLS gets nothing.
    expect(await attempt({ tls: null })).not.toBe('connected');
  });
});
