import { Command } from 'commander';
import pc from 'picocolors';
import type { pb } from '@cairn/contracts';
import type { SitesClient } from '@cairn/client';
import { shown, table } from './render';
import type { Output } from './watch-view';

export interface SitesCliIo {
  out: Output;
  client: () => Pick<SitesClient, 'list'>;
}

/** "1h", "2d 4h", "30m 10s", "none": a partition's time limit. */
export function timeLimit(seconds: number): string {
  if (seconds === 0) return 'none';
  const parts: string[] = [];
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  let rest = seconds;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.slice(0, 2).join(' ');
}

/** "7.7 GiB", "512 MiB": memory given in MiB. */
export function memory(mib: number): string {
  return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${mib} MiB`;
}

/** The partitions of a site in one cell: the default marked *, a partition that is down says so. */
function partitionsCell(site: pb.Site): string {
  return site.partitions.map((p) => `${shown(p.name)}${p.name === site.defaultPartition ? '*' : ''}${p.up ? '' : ' (down)'}`).join(', ') || '-';
}

/** `cairn sites`: every site, whether its agent answered, Cairn's queue there and its partitions. */
export function sitesCommand(io: SitesCliIo): Command {
  return new Command('sites')
    .description("list the sites: whether each agent answered, Cairn's pending and running jobs there, its partitions")
    .option('--partitions', 'also list every partition: nodes, CPUs and memory per node, time limit, GRES')
    .option('--json', 'one JSON object per site and line instead of a table')
    .action(async (opts: { partitions?: boolean; json?: boolean }) => {
      const { sites } = await io.client().list();
      if (opts.json) {
        for (const site of sites) io.out.write(`${JSON.stringify({ ...site, checkedAt: site.checkedAt?.toISOString() })}\n`);
        return;
      }
      if (sites.length === 0) {
        io.out.write(pc.dim('no sites\n'));
        return;
      }
      const rows = sites.map((s) => [
        shown(s.name),
        // Said in words, not only in colour.
        s.agentConnected ? pc.green('connected') : pc.red('not connected'),
        s.error ? '-' : String(s.pendingJobs),
        s.error ? '-' : String(s.runningJobs),
        partitionsCell(s),
        s.maxArraySize ? String(s.maxArraySize) : '-',
        shown(s.error),
      ]);
      io.out.write(`${table(['SITE', 'AGENT', 'PENDING', 'RUNNING', 'PARTITIONS', 'MAX ARRAY', 'ERROR'], rows)}\n`);
      if (!opts.partitions) return;
      const partitions = sites.flatMap((s) =>
        s.partitions.map((p) => [
          shown(s.name),
          `${shown(p.name)}${p.name === s.defaultPartition ? '*' : ''}`,
          p.up ? 'up' : pc.red('down'),
          String(p.nodes),
          String(p.cpusPerNode),
          memory(p.memoryMbPerNode),
          timeLimit(p.maxTimeSeconds),
          shown(p.gres.join(',')) || '-',
        ]),
      );
      if (partitions.length === 0) return;
      io.out.write(`\n${table(['SITE', 'PARTITION', 'STATE', 'NODES', 'CPUS/NODE', 'MEMORY/NODE', 'TIME LIMIT', 'GRES'], partitions)}\n`);
    });
}
