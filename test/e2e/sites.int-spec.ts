import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectNats, encodeJson, type NatsConnection, okEnvelope } from '@cairn/adapters/nats';
import { GatewayError, SitesClient } from '@cairn/client';
import { pb, subjects } from '@cairn/contracts';
import { type CairnStack, siteAgentUser, startCairnStack, testEnv, waitFor, WORKSPACE } from '@cairn/testing';
import { spec, submit, waitForState } from './job-helpers';

/** A configured site no agent serves; one whose agent hears the question and never answers; one whose agent answers garbage. */
const GONE = 'gone';
const SILENT = 'silent';
const HOSTILE = 'hostile';

describe('SiteService.ListSites [real: gateway, scheduler, images, agent, nats-server with per-site users, PostgreSQL, slurmctld, slurmd]', () => {
  const silent = siteAgentUser(SILENT);
  const hostile = siteAgentUser(HOSTILE);
  let stack: CairnStack;
  let agents: NatsConnection[] = [];
  let sites: SitesClient;
  const bySite = async (client: SitesClient = sites) => new Map((await client.list()).sites.map((s) => [s.name, s]));

  beforeAll(async () => {
    stack = await startCairnStack({ natsUsers: [silent, hostile], gatewayEnv: { CAIRN_SITES: `${HOSTILE},${GONE},${SILENT}` } });
    const silentNc = await connectNats({ ...stack.nats.clientFor(silent), name: 'silent-agent' });
    silentNc.subscribe(subjects.site(SILENT).status, { callback: () => undefined });
    const hostileNc = await connectNats({ ...stack.nats.clientFor(hostile), name: 'hostile-agent' });
    hostileNc.subscribe(subjects.site(HOSTILE).status, {
      callback: (_error, msg) => {
        // Partitions that would wrap uint32 and a name that is no partition name, in a well-formed envelope.
        const garbage = { site: HOSTILE, maxArraySize: 1001, partitions: [{ name: '../../x', isDefault: true, up: true, nodes: 2 ** 40, cpusPerNode: -1, memoryMbPerNode: 1, maxTimeSeconds: null, gres: [] }], queue: { pending: 1, running: 'many' } };
        msg.respond(encodeJson(okEnvelope(garbage)));
      },
    });
    await Promise.all([silentNc.flush(), hostileNc.flush()]);
    agents = [silentNc, hostileNc];
    sites = new SitesClient(stack.grpcAddress, stack.clientOptions('alice'));
  });

  afterAll(async () => {
    sites?.close();
    for (const nc of agents) await nc.close();
    await stack?.stop();
  });

  it("lists every configured site sorted by name: the stack's with its agent connected and its real Slurm partitions", async () => {
    const list = await sites.list();
    expect(list.sites.map((s) => s.name)).toEqual([GONE, HOSTILE, SILENT, stack.site].sort());
    const own = list.sites.find((s) => s.name === stack.site);
    const partition = testEnv().partition;
    expect(own).toMatchObject({ agentConnected: true, error: '', defaultPartition: partition });
    expect(own?.checkedAt).toBeInstanceOf(Date);
    expect(own?.maxArraySize).toBeGreaterThanOrEqual(1);
    const slurm = own?.partitions.find((p) => p.name === partition);
    expect(slurm).toMatchObject({ up: true });
    expect(slurm?.nodes).toBeGreaterThanOrEqual(1);
    expect(slurm?.cpusPerNode).toBeGreaterThanOrEqual(1);
    expect(slurm?.memoryMbPerNode).toBeGreaterThanOrEqual(1);
  });

  it('lists a site without an agent, one whose agent does not answer and one answering garbage, each with its error, the others unaffected', async () => {
    const listed = await bySite();
    expect(listed.get(GONE)).toMatchObject({ agentConnected: false, error: `no agent is connected for site ${GONE}`, partitions: [], pendingJobs: 0, runningJobs: 0 });
    expect(listed.get(SILENT)).toMatchObject({ agentConnected: false, error: `the agent of site ${SILENT} did not answer within 3000 ms`, partitions: [] });
    expect(listed.get(HOSTILE)).toMatchObject({ agentConnected: true, partitions: [], maxArraySize: 0, runningJobs: 0 });
    expect(listed.get(HOSTILE)?.error).toMatch(/^the agent of site hostile sent a malformed status: partitions\[0\]\.name: .*partitions\[0\]\.nodes: .*queue\.running: /);
    expect(listed.get(stack.site)).toMatchObject({ agentConnected: true, error: '' });
  });

  it("counts Cairn's running jobs at the site: a sleeping job shows, and is gone from the count once cancelled", async () => {
    const jobId = await submit(stack.client, spec({ name: 'sites-sleeper', command: ['/bin/sh', '-c', 'sleep 120'] }));
    await waitForState(stack.client, jobId, pb.JobState.JOB_STATE_RUNNING);
    // The agent counts from its own squeue poll: the count follows within a poll.
    const running = await waitFor('the site to count the running job', async () => {
      const own = (await bySite()).get(stack.site);
      return own && own.runningJobs >= 1 ? own : undefined;
    });
    expect(running.pendingJobs + running.runningJobs).toBeGreaterThanOrEqual(1);
    await stack.client.cancelJob(jobId);
    await waitForState(stack.client, jobId, pb.JobState.JOB_STATE_CANCELLED);
    // Only this agent's jobs count (other stacks share the cluster): none is left.
    await waitFor('the count to drop to zero', async () => {
      const own = (await bySite()).get(stack.site);
      return own && own.runningJobs === 0 && own.pendingJobs === 0 ? own : undefined;
    });
  });

  it('cairn sites prints the same: a table with each site and its error, every partition, and --json', async () => {
    const caFile = join(stack.dir, 'sites-cli-ca.pem');
    writeFileSync(caFile, stack.ca);
    const cairn = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['-r', join(WORKSPACE, 'tools', 'register.js'), join(WORKSPACE, 'apps', 'cli', 'src', 'main.ts'), ...args], {
        cwd: WORKSPACE,
        env: { PATH: process.env['PATH'] ?? '', CAIRN_GATEWAY: stack.grpcAddress, CAIRN_GRPC_CA: caFile, CAIRN_TOKEN: stack.tokens.alice, NO_COLOR: '1' },
        timeout: 120_000,
      });
    const table = await cairn('sites', '--partitions');
    expect(table.stderr).toBe('');
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^SITE +AGENT +PENDING +RUNNING +PARTITIONS +MAX ARRAY +ERROR$/);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${GONE} +not connected +- +- +- +- +no agent is connected for site ${GONE}$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${stack.site} +connected +\\d+ +\\d+ +.*${testEnv().partition}\\*`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${stack.site} +${testEnv().partition}\\* +up +\\d+ +\\d+ `)));
    const json = (await cairn('sites', '--json')).stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { name: string; agentConnected: boolean });
    expect(json.map((s) => [s.name, s.agentConnected])).toEqual([[GONE, false], [HOSTILE, true], [SILENT, false], [stack.site, true]]);
  });

  it('answers everyone signed in the same, and nobody without a token (UNAUTHENTICATED)', async () => {
    const bob = new SitesClient(stack.grpcAddress, stack.clientOptions('bob'));
    const anonymous = new SitesClient(stack.grpcAddress, { ca: stack.ca });
    try {
      expect([...(await bySite(bob)).keys()]).toEqual([GONE, HOSTILE, SILENT, stack.site].sort());
      await expect(anonymous.list()).rejects.toThrow(GatewayError);
      await expect(anonymous.list()).rejects.toMatchObject({ codeName: 'UNAUTHENTICATED' });
    } finally {
      bob.close();
      anonymous.close();
    }
  });
});
