import { parsePartitionSlots, parseSinfo, parseSlurmDuration } from './sinfo';

describe('parseSlurmDuration', () => {
  it.each([
    ['infinite', null],
    ['30', 1800],
    ['30:15', 1815],
    ['2:00:00', 7200],
    ['1-00:00:00', 86_400],
    ['2-12', 216_000],
    ['1-02:03', 93_780],
  ])('%s is %s s', (text, seconds) => expect(parseSlurmDuration(text)).toBe(seconds));
  it('refuses other text', () => expect(() => parseSlurmDuration('soon')).toThrow(/unexpected Slurm duration/));
});

describe('parseSinfo', () => {
  it('reads partitions, merging node groups and keeping the largest node', () => {
    const out = ['debug*|2|24105|infinite|(null)|1|up', 'gpu|64|512000|2-00:00:00|gpu:a100:4(S:0-1)|8|up', 'gpu|32|256000|2-00:00:00|gpu:v100:2|4|up', ''].join('\n');
    expect(parseSinfo(out)).toEqual([
      { name: 'debug', isDefault: true, up: true, cpusPerNode: 2, memoryMbPerNode: 24105, nodes: 1, maxTimeSeconds: null, gres: [], jobSlots: 0 },
      { name: 'gpu', isDefault: false, up: true, cpusPerNode: 64, memoryMbPerNode: 512000, nodes: 12, maxTimeSeconds: 172_800, gres: ['gpu:a100:4', 'gpu:v100:2'], jobSlots: 0 },
    ]);
  });
});

describe('parsePartitionSlots', () => {
  it('multiplies CPUs by the OverSubscribe factor', () => {
    const out = [
      'PartitionName=debug AllowGroups=ALL Default=YES OverSubscribe=FORCE:4 State=UP TotalCPUs=2 TotalNodes=1',
      'PartitionName=gpu OverSubscribe=NO TotalCPUs=256 TotalNodes=8',
      'PartitionName=shared OverSubscribe=YES:2 TotalCPUs=64',
      '',
    ].join('\n');
    expect([...parsePartitionSlots(out)]).toEqual([
      ['debug', 8],
      ['gpu', 256],
      ['shared', 128],
    ]);
  });
});
