/**
 * What Cairn's job wrapper costs a job, without Slurm: the batch script the agent renders for
 * a single job (cairn-wrap.sh, its records and the container start) against the script
 * `sbatch --wrap` makes for the plain loop of jobs-throughput.ts, run back to back on this
 * machine in alternating rounds. Each job's command is `/bin/true` by default: what is
 * measured is what a job pays besides its own work (the 500-job record's gap, ADR 0016's
 * notes on process starts). Columns:
 *   - plain: `#!/bin/sh` running the command, as `sbatch --wrap` writes it;
 *   - wrapper, no container: Cairn's batch script with the command as the argument vector;
 *   - Cairn: Cairn's batch script with CharliecloudRuntime's launch vector (one `ch-run`);
 *   - with --compare-rev REV, Cairn's batch script as it was at commit REV (same launch).
 *
 *   node -r ./tools/register.js tools/benchmarks/job-wrapper.ts --image <converted image> [--jobs 200] [--rounds 5] [--compare-rev ee0edb5]
 *
 * (A converted image: any `<hex>.v2.dir` or `.v2.sqfs` an agent made, in its
 * `<workDir>/images` (docs/configuration.md), or a test stack's `agent/images` while it runs.)
 * Prints a markdown report to stdout (medians over the rounds of the wall and CPU time a job
 * took, and each column's extra time over the plain script), progress to stderr; asserts
 * nothing, but fails when a job's exit record is missing or not exit code 0.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WRAPPER_SCRIPT } from '@cairn/site-agent';
import { fmt, median, now, positiveOption, processes, progressLog, runMain, treeCommit, usageOnHelp, writeReport } from './bench-kit';
import { wrapperAt, writeCairnAttempt, writePlainScript } from './wrapper-scripts';

const USAGE = 'node -r ./tools/register.js tools/benchmarks/job-wrapper.ts --image <converted image> [--jobs 200] [--rounds 5] [--command /bin/true] [--compare-rev REV]';
const { values } = parseArgs({
  options: {
    image: { type: 'string' },
    jobs: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '5' },
    command: { type: 'string', default: '/bin/true' },
    'compare-rev': { type: 'string' },
    help: { type: 'boolean' },
  },
});
usageOnHelp(values.help, USAGE);
if (!values.image) throw new Error(`--image is required: ${USAGE}`);
const jobs = positiveOption('jobs', values.jobs);
const rounds = positiveOption('rounds', values.rounds);
const command = values.command.split(' ').filter(Boolean);
const log = progressLog('job-wrapper');

interface Measure {
  wallMs: number;
  cpuMs: number;
}

interface Variant {
  name: string;
  /** Writes the batch script (and its attempt's files) under `root`; returns the script's path and argument. */
  prepare(root: string): { script: string; attempt?: string };
}

function cairnVariant(name: string, wrapper: string, inContainer: boolean): Variant {
  return {
    name,
    prepare(root) {
      const attempt = join(root, 'attempt');
      return { script: writeCairnAttempt(attempt, wrapper, command, inContainer ? values.image : undefined), attempt };
    },
  };
}

const plain: Variant = {
  name: 'plain `#!/bin/sh` (sbatch --wrap)',
  prepare(root) {
    const script = join(root, 'batch');
    writePlainScript(script, command);
    return { script };
  },
};

/** `jobs` runs of the variant's script one after another (one bash loop); wall and CPU of everything it started. */
async function runRound(variant: Variant): Promise<Measure> {
  const root = mkdtempSync(join(tmpdir(), 'bench-wrapper-'));
  try {
    const { script, attempt } = variant.prepare(root);
    const started = now();
    const result = await processes.run('/bin/bash', ['-c', 'for ((i = 0; i < $1; i++)); do "$0" >/dev/null 2>&1; done; times', script, String(jobs)], {
      timeoutMs: 1_800_000,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', USER: userInfo().username, SLURM_JOB_ID: '77' },
    });
    const wallMs = now() - started;
    if (attempt) {
      const exit = JSON.parse(readFileSync(join(attempt, 'out', 'exit.json'), 'utf8')) as { exitCode?: number };
      if (exit.exitCode !== 0) throw new Error(`${variant.name}: the last job's exit record says ${JSON.stringify(exit)}`);
    }
    const children = result.stdout.trim().split('\n').at(-1) ?? '';
    const cpuMs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + (Number(m[1]) * 60 + Number(m[2])) * 1000, 0);
    return { wallMs: wallMs / jobs, cpuMs: cpuMs / jobs };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rev = values['compare-rev'];
  const variants: Variant[] = [
    plain,
    cairnVariant('wrapper, no container', WRAPPER_SCRIPT, false),
    cairnVariant('Cairn (wrapper + ch-run)', WRAPPER_SCRIPT, true),
    ...(rev ? [cairnVariant(`Cairn at ${rev}`, await wrapperAt(rev), true)] : []),
  ];
  const got = variants.map(() => [] as Measure[]);
  for (let round = 1; round <= rounds; round += 1) {
    // Alternating order: a variant is not always the one that runs first on a warm or cold machine.
    const order = variants.map((_, i) => i);
    if (round % 2 === 0) order.reverse();
    for (const i of order) {
      const variant = variants[i] as Variant;
      const m = await runRound(variant);
      got[i]?.push(m);
      log(`round ${round}, ${variant.name}: ${fmt(m.wallMs, 2)} ms a job wall, ${fmt(m.cpuMs, 2)} ms CPU`);
    }
  }
  const med = (i: number, key: keyof Measure) => median((got[i] ?? []).map((m) => m[key]));
  const base = { wall: med(0, 'wallMs'), cpu: med(0, 'cpuMs') };
  const rows = variants.map((variant, i) => {
    const wall = med(i, 'wallMs');
    const cpu = med(i, 'cpuMs');
    const range = (got[i] ?? []).map((m) => m.wallMs);
    return `| ${variant.name} | ${fmt(wall, 2)} (${fmt(Math.min(...range), 2)}–${fmt(Math.max(...range), 2)}) | ${fmt(cpu, 2)} | ${i === 0 ? '–' : `+${fmt(wall - base.wall, 2)}`} | ${fmt(wall / base.wall, 2)}× |`;
  });
  writeReport(
    `Job wrapper cost: ${jobs} jobs of \`${command.join(' ')}\` a round, ${rounds} rounds in alternating order (medians), commit ${await treeCommit()}, ${new Date().toISOString().slice(0, 16)}Z`,
    ['batch script', 'wall ms a job (range of rounds)', 'CPU ms a job', 'wall over plain (ms)', 'wall ÷ plain'],
    rows,
  );
}

runMain(main);
