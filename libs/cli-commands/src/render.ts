import { stripVTControlCharacters } from 'node:util';
import pc from 'picocolors';
import { isFinal, JOB_STATES, pb, replaceControls } from '@cairn/contracts';

/** How jobs look in a terminal: colored states, a timeline, tables. */

/**
 * Text from the server that a terminal shows as is (reasons come from Slurm, the agent and
 * what jobs wrote): each control character becomes U+FFFD, so none can move the cursor or
 * recolor the screen.
 */
export const shown = (text: string): string => replaceControls(text);

export function stateName(state: pb.JobState): string {
  return pb.JobState[state]?.replace('JOB_STATE_', '') ?? String(state);
}

const COLOR: Record<string, (s: string) => string> = {
  ACCEPTED: pc.cyan,
  PENDING: pc.yellow,
  RUNNING: pc.blue,
  COMPLETED: pc.green,
  FAILED: pc.red,
  CANCELLED: pc.magenta,
  TIMEOUT: pc.red,
};

export function coloredState(state: pb.JobState): string {
  const name = stateName(state);
  return (COLOR[name] ?? ((s: string) => s))(name);
}

/** The states a job ends in (contracts' FINAL_STATES, as the API's enum). */
export const FINAL: ReadonlySet<pb.JobState> = new Set(JOB_STATES.filter(isFinal).map((state) => pb.JobState[`JOB_STATE_${state}`]));

/** ● ACCEPTED ─ ● PENDING ─ ◌ RUNNING ─ ◌ done: reached steps filled, the rest dim. */
export function timeline(reached: readonly pb.JobState[]): string {
  const steps = ['ACCEPTED', 'PENDING', 'RUNNING'];
  const names = reached.map(stateName);
  const final = names.find((n) => !steps.includes(n));
  const parts = steps.map((step) => (names.includes(step) ? (COLOR[step] ?? pc.white)(`● ${step}`) : pc.dim(`○ ${step}`)));
  parts.push(final ? (COLOR[final] ?? pc.white)(`${final === 'COMPLETED' ? '✔' : '✖'} ${final}`) : pc.dim('○ done'));
  return parts.join(pc.dim(' ─ '));
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function table(headers: string[], rows: string[][]): string {
  const visible = (s: string) => stripVTControlCharacters(s).length;
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (cells: string[]) => {
    // Cells that show nothing at the end of a row (possibly only colour codes) add no padding.
    let last = cells.length;
    while (last > 0 && visible(cells[last - 1] ?? '') === 0) last -= 1;
    const shown = cells.slice(0, last);
    return shown.map((c, i) => (i === shown.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - visible(c)))).join('  ').trimEnd();
  };
  return [pc.bold(line(headers)), ...rows.map(line)].join('\n');
}

export function describeJob(job: pb.Job): string {
  const rows: [string, string][] = [
    ['job', job.jobId],
    ['name', job.spec?.name ?? ''],
    ['state', coloredState(job.state) + (job.reason ? pc.dim(` (${shown(job.reason)})`) : '')],
    ['exit code', job.exitCode === undefined ? '-' : String(job.exitCode)],
    ['site', job.spec?.site ?? ''],
    ['slurm job', job.slurmJobId || '-'],
    ['image', job.imageDigest],
    ['command', JSON.stringify(job.spec?.command ?? [])],
    ['resources', resources(job)],
    ...(job.spec?.array
      ? ([
          [
            'array',
            `${job.spec.array.items.length} items, ${job.spec.array.itemsPerElement} per element${job.spec.array.throttle ? `, at most ${job.spec.array.throttle} elements at once` : ''}`,
          ],
        ] as [string, string][])
      : []),
    ['created', job.createTime?.toISOString() ?? ''],
    ['updated', job.updateTime?.toISOString() ?? ''],
  ];
  return rows.map(([k, v]) => `${pc.dim(k.padEnd(10))} ${v}`).join('\n');
}

function resources(job: pb.Job): string {
  const r = job.spec?.resources;
  if (!r) return '';
  return `${r.cpus} cpu, ${r.memoryMb} MiB, ${formatDuration(r.timeLimitSeconds * 1000)}${r.partition ? `, partition ${r.partition}` : ''}`;
}

/** A metric value in at most 4 significant digits (integers below a million whole): 0.9123, 12.5, 1234, 1235000. */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
  return String(Number(value.toPrecision(4)));
}
