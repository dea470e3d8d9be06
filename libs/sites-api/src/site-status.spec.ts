import fc from 'fast-check';
import { CairnError, MAX_PARTITION_GRES, MAX_SITE_PARTITIONS, pb, type SiteStatus, subjects } from '@cairn/contracts';
import { NoRespondersError } from '@cairn/adapters/nats';
import { askSite, boundedSite, listSites, readSiteStatus, type StatusRequester, toPbSite } from './site-status';
import { MAX_SITE_STATUS_BYTES, MAX_SITES } from './sites-settings';

const debug = { name: 'debug', isDefault: true, up: true, nodes: 2, cpusPerNode: 4, memoryMbPerNode: 7900, maxTimeSeconds: 3600, gres: [] };
const gpu = { name: 'gpu', isDefault: false, up: false, nodes: 1, cpusPerNode: 64, memoryMbPerNode: 515_000, maxTimeSeconds: null, gres: ['gpu:a100:4'] };
const status = (site: string, over: Partial<SiteStatus> = {}): SiteStatus => ({ site, maxArraySize: 1001, partitions: [debug, gpu], queue: { pending: 3, running: 1 }, ...over });
const AT = new Date('2026-12-01T20:00:00Z');

/** A requester that answers each subject as `answers` says (a value, or a thrown error). */
function requester(answers: Record<string, () => unknown>): StatusRequester & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    request: async (subject: string) => {
      asked.push(subject);
      const answer = answers[subject];
      if (!answer) throw new NoRespondersError(subject);
      return answer() as never;
    },
  };
}

describe('toPbSite (an agent status to SiteService.ListSites)', () => {
  it('maps partitions, the queue and the limits; no time limit is 0; the default partition is the agent’s, else Slurm’s', () => {
    const site = toPbSite('dev', AT, { ok: true, status: status('dev') });
    expect(site).toEqual({
      name: 'dev',
      agentConnected: true,
      checkedAt: AT,
      error: '',
      pendingJobs: 3,
      runningJobs: 1,
      partitions: [debug, { ...gpu, maxTimeSeconds: 0 }],
      defaultPartition: 'debug',
      maxArraySize: 1001,
    });
    expect(toPbSite('dev', AT, { ok: true, status: status('dev', { defaultPartition: 'gpu' }) }).defaultPartition).toBe('gpu');
    expect(toPbSite('dev', AT, { ok: true, status: status('dev', { partitions: [] }) }).defaultPartition).toBe('');
  });

  it('lists a site without an answer with its error, nothing else', () => {
    expect(toPbSite('far', AT, { ok: false, agentConnected: false, error: 'no agent is connected for site far' })).toEqual({
      name: 'far',
      agentConnected: false,
      checkedAt: AT,
      error: 'no agent is connected for site far',
      pendingJobs: 0,
      runningJobs: 0,
      partitions: [],
      defaultPartition: '',
      maxArraySize: 0,
    });
  });

  it('keeps every accepted value through the wire format (uint32 and uint64 fields at their largest)', () => {
    const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
    const whole = fc.maxSafeInteger().map(Math.abs);
    const partition = fc.record({
      name: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      isDefault: fc.boolean(),
      up: fc.boolean(),
      nodes: u32,
      cpusPerNode: u32,
      memoryMbPerNode: whole,
      maxTimeSeconds: fc.option(whole, { nil: null }),
      gres: fc.array(fc.stringMatching(/^[\x21-\x7e]{1,64}$/), { maxLength: MAX_PARTITION_GRES }),
    });
    fc.assert(
      fc.property(fc.array(partition, { maxLength: 20 }), u32, u32, u32, (partitions, maxArraySize, pending, running) => {
        const raw = status('dev', { partitions, maxArraySize, queue: { pending, running } });
        const answer = readSiteStatus('dev', raw);
        expect(answer.ok).toBe(true);
        const site = toPbSite('dev', AT, answer);
        expect(pb.Site.decode(pb.Site.encode(site).finish())).toEqual(site);
      }),
      { numRuns: 100 },
    );
  });
});

describe('readSiteStatus [property-based hostile replies]', () => {
  const controlFree = (text: string) => Array.from(text).every((c) => { const code = c.charCodeAt(0); return code >= 0x20 && (code < 0x7f || code > 0x9f); });

  it('takes any reply at all: a valid status, or a bounded error for that site that names no raw control character', () => {
    const mutated = fc.record({
      site: fc.oneof(fc.constant('dev'), fc.string({ maxLength: 40 }), fc.anything()),
      maxArraySize: fc.oneof(fc.integer(), fc.double(), fc.anything()),
      partitions: fc.oneof(fc.array(fc.oneof(fc.constant(debug), fc.anything(), fc.string({ unit: 'binary', maxLength: 80 }).map((name) => ({ ...debug, name })))), fc.anything()),
      queue: fc.oneof(fc.record({ pending: fc.integer(), running: fc.double() }), fc.anything()),
      defaultPartition: fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.anything()),
    }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue(), mutated), (raw) => {
        const answer = readSiteStatus('dev', raw);
        if (answer.ok) {
          expect(answer.status.site).toBe('dev');
          expect(() => pb.Site.encode(toPbSite('dev', AT, answer))).not.toThrow();
          return;
        }
        expect(answer.agentConnected).toBe(true);
        expect(answer.error).toMatch(/^the agent of site dev (sent a malformed status|answered for another site)/);
        expect(answer.error.length).toBeLessThanOrEqual(300);
        expect(controlFree(answer.error)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a reply beyond the limits: too many partitions or GRES, numbers past uint32, another site', () => {
    const over = [
      status('dev', { partitions: Array.from({ length: MAX_SITE_PARTITIONS + 1 }, (_, i) => ({ ...debug, name: `p${i}` })) }),
      status('dev', { partitions: [{ ...gpu, gres: Array.from({ length: MAX_PARTITION_GRES + 1 }, (_, i) => `gpu:${i}`) }] }),
      status('dev', { queue: { pending: 2 ** 32, running: 0 } }),
      status('dev', { partitions: [{ ...debug, cpusPerNode: 2 ** 32 }] }),
      status('dev', { partitions: [{ ...debug, name: 'a b' }] }),
      status('dev', { partitions: [{ ...gpu, gres: ['gpu:\u001b[31m'] }] }),
    ];
    for (const raw of over) expect(readSiteStatus('dev', raw)).toMatchObject({ ok: false, agentConnected: true, error: expect.stringMatching(/^the agent of site dev sent a malformed status: /) });
    expect(readSiteStatus('dev', status('other'))).toEqual({ ok: false, agentConnected: true, error: 'the agent of site dev answered for another site ("other")' });
    // At the limits exactly: accepted.
    const most = status('dev', { partitions: Array.from({ length: MAX_SITE_PARTITIONS }, (_, i) => ({ ...gpu, name: `p${i}`, gres: Array.from({ length: MAX_PARTITION_GRES }, (_, g) => `gpu:${g}`) })) });
    expect(readSiteStatus('dev', most).ok).toBe(true);
  });
});

describe('boundedSite (ListSitesResponse within the gateway’s 2 MiB)', () => {
  it('lists a site whose status is over MAX_SITE_STATUS_BYTES with that error; MAX_SITES sites at the most fit 2 MiB', () => {
    const long = (i: number, c: string, max: number) => `${c}${i}`.padEnd(max, c);
    const partitions = Array.from({ length: MAX_SITE_PARTITIONS }, (_, i) => ({ ...gpu, name: long(i, 'p', 64), gres: Array.from({ length: MAX_PARTITION_GRES }, (_, g) => long(g, 'g', 64)) }));
    const name = long(0, 's', 32);
    const huge = readSiteStatus(name, status(name, { partitions }));
    expect(huge.ok).toBe(true);
    expect(boundedSite(toPbSite(name, AT, huge))).toMatchObject({
      name,
      agentConnected: true,
      partitions: [],
      error: expect.stringMatching(new RegExp(`^the agent of site ${name} sent a status of \\d+ bytes, over the ${MAX_SITE_STATUS_BYTES} bytes one site may take$`)),
    });
    // The most that fits: as many of those partitions as one site's bytes hold.
    const withFirst = (n: number) => toPbSite(name, AT, { ok: true, status: status(name, { partitions: partitions.slice(0, n), defaultPartition: partitions[0]?.name }) });
    let n = MAX_SITE_PARTITIONS;
    while (pb.Site.encode(withFirst(n)).finish().length > MAX_SITE_STATUS_BYTES) n -= 1;
    const fitting = withFirst(n);
    expect(boundedSite(fitting)).toBe(fitting);
    const response = pb.ListSitesResponse.encode({ sites: Array.from({ length: MAX_SITES }, (_, i) => ({ ...fitting, name: long(i, 's', 32) })) }).finish();
    expect(response.length).toBeLessThan(2 * 1024 * 1024);
  });
});

describe('askSite and listSites (all sites at once, each on its own)', () => {
  it('asks each site’s status subject once, with the time-out, and sorts the sites by name', async () => {
    const timeouts: number[] = [];
    const answers = requester({ [subjects.site('b').status]: () => status('b'), [subjects.site('a').status]: () => status('a') });
    const spy: StatusRequester = { request: (subject, payload, reply, timeoutMs) => (timeouts.push(timeoutMs ?? -1), answers.request(subject, payload, reply, timeoutMs)) };
    const list = await listSites(spy, ['b', 'a'], 3000, () => AT);
    expect(list.sites.map((s) => [s.name, s.agentConnected, s.checkedAt])).toEqual([['a', true, AT], ['b', true, AT]]);
    expect([answers.asked.sort(), timeouts]).toEqual([[subjects.site('a').status, subjects.site('b').status], [3000, 3000]]);
  });

  it('asks every site before any answers (in parallel, not one after another)', async () => {
    const pending: (() => void)[] = [];
    const sites = ['a', 'b', 'c'];
    const gated: StatusRequester = {
      request: (subject) =>
        new Promise((resolve) => {
          pending.push(() => resolve(status(subject.split('.')[2] ?? '') as never));
          // Only once every site was asked does any answer.
          if (pending.length === sites.length) for (const release of pending) release();
        }),
    };
    expect((await listSites(gated, sites, 3000)).sites.every((s) => s.agentConnected)).toBe(true);
  });

  it('a site past its time-out, one without an agent, one answering an error, one answering garbage: each is that site’s error alone', async () => {
    const answers = requester({
      [subjects.site('ok').status]: () => status('ok'),
      [subjects.site('slow').status]: () => {
        throw new CairnError('DEADLINE_EXCEEDED', `no reply on ${subjects.site('slow').status} within 3000 ms`);
      },
      [subjects.site('sick').status]: () => {
        throw new CairnError('INTERNAL', 'sinfo failed: \u001b[31mslurmctld down\n');
      },
      [subjects.site('evil').status]: () => ({ site: 'evil', partitions: 'all of them' }),
    });
    const list = await listSites(answers, ['slow', 'ok', 'gone', 'sick', 'evil'], 3000, () => AT);
    expect(list.sites.map((s) => [s.name, s.agentConnected, s.error])).toEqual([
      ['evil', true, expect.stringMatching(/^the agent of site evil sent a malformed status: maxArraySize: .*partitions: /)],
      ['gone', false, 'no agent is connected for site gone'],
      ['ok', true, ''],
      ['sick', true, 'the agent of site sick answered with an error: "sinfo failed: \\u001b[31mslurmctld down\\n"'],
      ['slow', false, 'the agent of site slow did not answer within 3000 ms'],
    ]);
    expect(list.sites.find((s) => s.name === 'ok')?.partitions.map((p) => p.name)).toEqual(['debug', 'gpu']);
  });

  it('cuts an agent’s long error message', async () => {
    const answers = requester({ [subjects.site('x').status]: () => { throw new CairnError('INTERNAL', 'e'.repeat(100_000)); } });
    const answer = await askSite(answers, 'x', 3000);
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.error.length).toBeLessThan(300);
  });
});
