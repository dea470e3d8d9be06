/** What a partition offers, as far as placing a job is concerned. */
export interface PartitionInfo {
  name: string;
  isDefault: boolean;
  up: boolean;
  /** The largest node's CPUs and memory (MiB): a job fits if it fits one node. */
  cpusPerNode: number;
  memoryMbPerNode: number;
  nodes: number;
  /** null for no limit. */
  maxTimeSeconds: number | null;
  /** GRES as "gpu:a100:4" (type and count per node), from every node group. */
  gres: string[];
  /** One-CPU jobs that can run at once: total CPUs × the OverSubscribe factor. */
  jobSlots: number;
}

/**
 * Job slots per partition from `scontrol show partition -o`: TotalCPUs times k for
 * OverSubscribe=FORCE:k or YES:k (1 for NO or EXCLUSIVE).
 */
export function parsePartitionSlots(stdout: string): Map<string, number> {
  const slots = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const name = /(?:^|\s)PartitionName=(\S+)/.exec(line)?.[1];
    const cpus = /(?:^|\s)TotalCPUs=(\d+)/.exec(line)?.[1];
    if (!name || !cpus) continue;
    const factor = /(?:^|\s)OverSubscribe=(?:FORCE|YES):(\d+)/.exec(line)?.[1];
    slots.set(name, Number(cpus) * (factor ? Number(factor) : 1));
  }
  return slots;
}

const SEP = '|';
/** %P partition (default marked *), %c CPUs/node, %m memory/node (MB), %l time limit, %G GRES, %D nodes, %a state. */
export const SINFO_ARGS = ['--noheader', `--format=%P${SEP}%c${SEP}%m${SEP}%l${SEP}%G${SEP}%D${SEP}%a`];

/** Slurm's time formats (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, infinite) as seconds. */
export function parseSlurmDuration(text: string): number | null {
  const t = text.trim();
  if (t === 'infinite' || t === 'UNLIMITED') return null;
  const dayMatch = /^(\d+)-(\d+)(?::(\d+))?(?::(\d+))?$/.exec(t);
  if (dayMatch) {
    return Number(dayMatch[1]) * 86_400 + Number(dayMatch[2]) * 3600 + Number(dayMatch[3] ?? 0) * 60 + Number(dayMatch[4] ?? 0);
  }
  const parts = t.split(':').map(Number);
  if (parts.some((p) => !Number.isInteger(p) || p < 0) || parts.length === 0 || parts.length > 3) {
    throw new Error(`unexpected Slurm duration ${JSON.stringify(text)}`);
  }
  if (parts.length === 1) return (parts[0] ?? 0) * 60;
  if (parts.length === 2) return (parts[0] ?? 0) * 60 + (parts[1] ?? 0);
  return (parts[0] ?? 0) * 3600 + (parts[1] ?? 0) * 60 + (parts[2] ?? 0);
}

export function parseSinfo(stdout: string): PartitionInfo[] {
  const byName = new Map<string, PartitionInfo>();
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const [rawName, cpus, memory, limit, gres, nodes, avail] = line.split(SEP);
    if (!rawName || !cpus || !memory || !limit || nodes === undefined) throw new Error(`unexpected sinfo line ${JSON.stringify(line)}`);
    const name = rawName.replace(/\*$/, '');
    const current = byName.get(name);
    const gresList = gres && gres !== '(null)' ? gres.split(',').map((g) => g.replace(/\(.*\)$/, '')) : [];
    const info: PartitionInfo = {
      name,
      isDefault: rawName.endsWith('*'),
      up: avail === 'up',
      cpusPerNode: Number(cpus.replace(/\+$/, '')),
      memoryMbPerNode: Number(memory.replace(/\+$/, '')),
      nodes: Number(nodes),
      maxTimeSeconds: parseSlurmDuration(limit),
      gres: gresList,
      jobSlots: 0,
    };
    if (!current) {
      byName.set(name, info);
    } else {
      current.cpusPerNode = Math.max(current.cpusPerNode, info.cpusPerNode);
      current.memoryMbPerNode = Math.max(current.memoryMbPerNode, info.memoryMbPerNode);
      current.nodes += info.nodes;
      current.gres = [...new Set([...current.gres, ...info.gres])];
    }
  }
  return [...byName.values()];
}
