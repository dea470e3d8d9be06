import { type AgentMaterializeCommand, CairnError, type RunInfo, type SiteImageRecord } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { ADMIN, ALICE, AMD64, catalogueOf, CAROL, digestOf, imageOf, runIdOf, runOf } from './images-spec-kit';
import { parseRegistryAllowList } from './registry-allow-list';
import { SiteCatalogue } from './site-catalogue';
import type { SiteAgents } from './site-agents';

const RESOLVED = { reference: 'lab/img9:1', pinned: `127.0.0.1:5000/lab/img9@${digestOf(9)}`, digest: digestOf(9) };

class FakeAgents implements SiteAgents {
  images: SiteImageRecord[] = [];
  runs: RunInfo[] = [];
  readonly materialized: AgentMaterializeCommand[] = [];
  readonly evicted: string[] = [];
  refuseEvict = new Set<string>();
  async list() {
    return catalogueOf(this.images);
  }
  async materialize(_site: string, command: AgentMaterializeCommand) {
    this.materialized.push(command);
    const image = imageOf(9, 100, { size: 1000 });
    if (!command.wait) return { state: 'converting' as const };
    if (!this.images.some((i) => i.digest === image.digest)) this.images.push(image);
    return { state: 'ready' as const, image };
  }
  async evict(_site: string, digest: string) {
    if (this.refuseEvict.has(digest)) throw new CairnError('FAILED_PRECONDITION', 'an attempt runs it');
    const image = this.images.find((i) => i.digest === digest);
    this.images = this.images.filter((i) => i.digest !== digest);
    this.evicted.push(digest);
    return image?.size ?? 0;
  }
  async runsInfo(ids: readonly string[]) {
    return this.runs.filter((run) => ids.includes(run.runId));
  }
}

function setup(quota = 10_000, allow = '') {
  const agents = new FakeAgents();
  const logged: { msg: string; digest?: string }[] = [];
  const logger = createLogger('test', 'info', { write: (line: string) => logged.push(JSON.parse(line) as { msg: string; digest?: string }) });
  const remembered: string[] = [];
  const catalogue = new SiteCatalogue({ agents, platforms: { remember: (site) => remembered.push(site) }, allow: parseRegistryAllowList(allow), quotaOf: () => quota, logger });
  return { agents, catalogue, logged, remembered };
}

describe('SiteCatalogue', () => {
  it('materialize waits for the agent, evicts least recently used over quota (never the new one), then answers the record', async () => {
    const { agents, catalogue, logged } = setup(2500);
    agents.images = [imageOf(1, 10), imageOf(2, 5), imageOf(3, 20)];
    const reply = await catalogue.materialize({ site: 'dev', image: RESOLVED, runId: runIdOf(7) });
    expect(reply).toEqual({ site: 'dev', image: imageOf(9, 100, { size: 1000 }) });
    expect(agents.materialized).toEqual([{ pinned: RESOLVED.pinned, digest: RESOLVED.digest, runId: runIdOf(7), wait: true }]);
    // Evicted before the reply.
    expect(agents.evicted).toEqual([digestOf(2), digestOf(1)]);
    expect(logged.filter((l) => l.msg === 'image evicted to keep the site within its quota').map((l) => l.digest)).toEqual([digestOf(2), digestOf(1)]);
  });

  it('refuses an image that is not pinned, or from a registry the site may not use, before asking the agent', async () => {
    const { agents, catalogue } = setup(10_000, 'dev=ghcr.io');
    await expect(catalogue.materialize({ site: 'dev', image: { ...RESOLVED, pinned: '127.0.0.1:5000/lab/img9:1' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(catalogue.materialize({ site: 'dev', image: RESOLVED })).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: 'registry 127.0.0.1:5000 is not allowed at site dev (CAIRN_REGISTRY_ALLOW)' });
    expect(agents.materialized).toEqual([]);
  });

  it('prewarm starts without waiting, then waits for the end in the background, then enforces the quota; failures are only logged', async () => {
    const { agents, catalogue, logged } = setup(1500);
    agents.images = [imageOf(1, 1)];
    catalogue.prewarm({ site: 'dev', image: RESOLVED, runId: runIdOf(7) });
    await catalogue.settled();
    expect(agents.materialized.map((c) => c.wait)).toEqual([false, true]);
    expect(agents.evicted).toEqual([digestOf(1)]);
    agents.materialize = async () => Promise.reject(new CairnError('UNAVAILABLE', 'the agent of site dev did not answer'));
    catalogue.prewarm({ site: 'dev', image: RESOLVED, runId: runIdOf(7) });
    catalogue.prewarm({ site: 'dev', image: { reference: 'x' }, runId: 'nope' });
    await catalogue.settled();
    expect(logged.map((l) => l.msg)).toEqual(expect.arrayContaining(["prewarm failed; the run's jobs will materialise the image themselves", 'malformed prewarm message ignored']));
  });

  it('quota enforcement never evicts an image in use or a live run\'s, and tries the next when the agent refuses one', async () => {
    const { agents, catalogue } = setup(0);
    agents.images = [imageOf(1, 1, { inUse: true }), imageOf(2, 2, { runIds: [runIdOf(1)] }), imageOf(3, 3, { runIds: [runIdOf(2)] }), imageOf(4, 4), imageOf(5, 5)];
    agents.runs = [runOf(1, ALICE, true), runOf(2, ALICE, false)];
    agents.refuseEvict.add(digestOf(4));
    expect(await catalogue.enforceQuota('dev')).toEqual([digestOf(3), digestOf(5)]);
  });

  it('list: most recently used first, the quota, in use from live runs, run ids the caller may see; the platform is remembered', async () => {
    const { agents, catalogue, remembered } = setup(4242);
    agents.images = [imageOf(1, 1, { runIds: [runIdOf(1), runIdOf(2)] }), imageOf(2, 2)];
    agents.runs = [runOf(1, ALICE, false), runOf(2, CAROL, true)];
    const reply = await catalogue.list('dev', ALICE);
    expect(reply).toEqual({ site: 'dev', quotaBytes: 4242, usedBytes: 2000, runtime: 'charliecloud', platform: AMD64, images: [imageOf(2, 2), imageOf(1, 1, { runIds: [runIdOf(1)], inUse: true })] });
    expect(remembered).toEqual(['dev']);
  });

  it('evict: admins only, NOT_FOUND for an image the site lacks, FAILED_PRECONDITION while a live run needs it', async () => {
    const { agents, catalogue } = setup();
    agents.images = [imageOf(1, 1, { runIds: [runIdOf(1)] }), imageOf(2, 2)];
    agents.runs = [runOf(1, ALICE, true)];
    await expect(catalogue.evict({ site: 'dev', digest: digestOf(2), caller: ALICE })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(catalogue.evict({ site: 'dev', digest: digestOf(3), caller: ADMIN })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(catalogue.evict({ site: 'dev', digest: digestOf(1), caller: ADMIN })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: `image ${digestOf(1)} at site dev is not evicted: live run ${runIdOf(1)} needs it` });
    expect(agents.evicted).toEqual([]);
    expect(await catalogue.evict({ site: 'dev', digest: digestOf(2), caller: ADMIN })).toEqual({ freedBytes: 1000 });
    expect(agents.evicted).toEqual([digestOf(2)]);
  });
});
