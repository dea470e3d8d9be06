import { stripVTControlCharacters } from 'node:util';
import type { pb } from '@cairn/contracts';
import { memory, sitesCommand, timeLimit } from './sites.commands';

const AT = new Date('2026-12-01T20:00:00Z');
const partition = (over: Partial<pb.SitePartition> = {}): pb.SitePartition => ({ name: 'debug', isDefault: true, up: true, nodes: 1, cpusPerNode: 4, memoryMbPerNode: 7900, maxTimeSeconds: 3600, gres: [], ...over });
const dev: pb.Site = { name: 'dev', agentConnected: true, checkedAt: AT, error: '', pendingJobs: 2, runningJobs: 5, partitions: [partition(), partition({ name: 'gpu', isDefault: false, up: false, gres: ['gpu:a100:4'], maxTimeSeconds: 0, memoryMbPerNode: 512 })], defaultPartition: 'debug', maxArraySize: 1001 };
const far: pb.Site = { name: 'far', agentConnected: false, checkedAt: AT, error: 'no agent is connected for site far', pendingJobs: 0, runningJobs: 0, partitions: [], defaultPartition: '', maxArraySize: 0 };

async function run(args: string[], sites: pb.Site[]) {
  const output: string[] = [];
  const command = sitesCommand({ out: { write: (s) => void output.push(s), isTTY: false }, client: () => ({ list: async () => ({ sites }) }) });
  command.exitOverride();
  await command.parseAsync(args, { from: 'user' });
  return stripVTControlCharacters(output.join(''));
}

describe('cairn sites', () => {
  it('prints one row per site: the agent in words, the queue, the partitions (default *, down said), the error', async () => {
    const lines = (await run([], [dev, far])).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SITE +AGENT +PENDING +RUNNING +PARTITIONS +MAX ARRAY +ERROR$/);
    expect(lines[1]).toMatch(/^dev +connected +2 +5 +debug\*, gpu \(down\) +1001$/);
    expect(lines[2]).toMatch(/^far +not connected +- +- +- +- +no agent is connected for site far$/);
    expect(lines).toHaveLength(3);
  });

  it('with --partitions, lists every partition; --json prints one object per site', async () => {
    const text = await run(['--partitions'], [dev, far]);
    expect(text).toMatch(/SITE +PARTITION +STATE +NODES +CPUS\/NODE +MEMORY\/NODE +TIME LIMIT +GRES\n/);
    expect(text).toMatch(/dev +debug\* +up +1 +4 +7\.7 GiB +1h +-\n/);
    expect(text).toMatch(/dev +gpu +down +1 +4 +512 MiB +none +gpu:a100:4\n/);
    const json = (await run(['--json'], [dev, far])).trimEnd().split('\n').map((line) => JSON.parse(line) as { name: string; checkedAt: string });
    expect(json.map((s) => [s.name, s.checkedAt])).toEqual([['dev', AT.toISOString()], ['far', AT.toISOString()]]);
  });

  it('never shows the control characters an agent or a partition name could carry', async () => {
    const text = await run(['--partitions'], [{ ...far, error: 'sinfo: \u001b[2J\u0007boom' }, { ...dev, partitions: [partition({ gres: ['gpu\u001b]0;x\u0007'] })] }]);
    const controls = Array.from(text).filter((c) => c !== '\n' && (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f));
    expect(controls).toEqual([]);
  });

  it('says the time limits and memory in a readable way', () => {
    expect([timeLimit(0), timeLimit(59), timeLimit(3600), timeLimit(90_061), timeLimit(7 * 86_400)]).toEqual(['none', '59s', '1h', '1d 1h', '7d']);
    expect([memory(512), memory(1024), memory(515_000)]).toEqual(['512 MiB', '1.0 GiB', '502.9 GiB']);
  });
});
