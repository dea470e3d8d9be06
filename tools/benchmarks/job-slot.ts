/**
 * How long a job holds its Slurm slot, by batch script, with none of Cairn's services running:
 * N jobs of each script submitted interleaved (alternating order) to the same partition with
 * the same request as jobs-throughput.ts, and the time from slurmd launching the script to the
 * batch step's end taken from Slurm's own logs (job-launch-times.ts). Rows:
 *   - plain, root: `sbatch --wrap`, as the 500-job record's baseline submits it;
 *   - plain, job user: the same script run as the job user, with the agent's sbatch arguments
 *     and environment (buildSbatchArgs, sbatchEnvironment);
 *   - Cairn: an attempt directory as the agent lays it out, Cairn's batch script (cairn-wrap.sh)
 *     and one `ch-run` of the image, as the job user;
 *   - with --compare-rev REV, Cairn's batch script as it was at commit REV.
 * What job-wrapper.ts measures back to back on an idle machine, here inside Slurm with the
 * jobs sharing the node, so the 500-job record's gap can be split into what the script costs
 * and what the services running beside it cost.
 *
 *   node -r ./tools/register.js tools/benchmarks/job-slot.ts --image <converted image> [--jobs 60] [--command 'sleep 1'] [--compare-rev REV]
 *
 * Needs root, the dev cluster (tools/dev-cluster) and the job user. Prints a markdown report
 * to stdout, progress to stderr; asserts nothing, but fails when a Cairn job's exit record is
 * missing or not exit code 0, or a job does not end COMPLETED.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSbatchArgs, type BatchJob, sbatchEnvironment } from '@cairn/adapters/slurm';
import { WRAPPER_SCRIPT } from '@cairn/site-agent';
import { testEnv } from '@cairn/testing';
import { findBins, fmt, positiveOption, processes, progressLog, run, runMain, sleep, treeCommit, usageOnHelp, writeReport } from './bench-kit';
import { launchTimesFromLogs } from './job-launch-times';
import { BENCH_ATTEMPT_ID, wrapperAt, writeCairnAttempt, writePlainScript } from './wrapper-scripts';

const USAGE = "node -r ./tools/register.js tools/benchmarks/job-slot.ts --image <converted image> [--jobs 60] [--command 'sleep 1'] [--compare-rev REV]";
const { values } = parseArgs({
  options: {
    image: { type: 'string' },
    jobs: { type: 'string', default: '60' },
    command: { type: 'string', default: 'sleep 1' },
    'compare-rev': { type: 'string' },
    help: { type: 'boolean' },
  },
});
usageOnHelp(values.help, USAGE);
if (!values.image) throw new Error(`--image is required: ${USAGE}`);
const image = values.image;
const jobs = positiveOption('jobs', values.jobs);
const command = values.command.split(' ').filter(Boolean);
const log = progressLog('job-slot');
const env = testEnv();
/** The request of every job, as jobs-throughput.ts makes it for both its approaches. */
const REQUEST = { cpus: 1, memoryMb: 64, timeLimitSeconds: 120, partition: env.partition };

interface Variant {
  name: string;
  /** Writes job `i`'s files under `root` and submits it; its Slurm job id and, for Cairn's, its attempt dir. */
  submit(root: string, i: number): Promise<{ id: string; attempt?: string }>;
}

const signed = (n: number, digits: number) => `${n >= 0 ? '+' : '−'}${fmt(Math.abs(n), digits)}`;

const jobIdOf = (out: string) => {
  const id = out.trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new Error(`unexpected sbatch output ${JSON.stringify(out)}`);
  return id;
};

/** sbatch as the agent runs it for a job of the job user (runAs): its arguments and its cut-down environment. */
async function sbatchAsAgent(sbatch: string, job: BatchJob): Promise<string> {
  const result = await processes.run(sbatch, buildSbatchArgs(job), { envFrom: (parent) => sbatchEnvironment(job, parent) ?? {}, timeoutMs: 60_000 });
  if (result.exitCode !== 0) throw new Error(`sbatch exited ${result.exitCode}: ${result.stderr.trim()}`);
  return jobIdOf(result.stdout);
}

function variants(sbatch: string, uid: number, gid: number, compare?: { rev: string; wrapper: string }): Variant[] {
  const runAs = { user: env.jobUser, group: String(gid) };
  const jobOf = (dir: string, script: string, i: number): BatchJob => ({
    name: `bench-slot-${i}`,
    comment: BENCH_ATTEMPT_ID,
    scriptPath: script,
    workDir: dir,
    stdoutPath: join(dir, 'out', 'stdout'),
    stderrPath: join(dir, 'out', 'stdout'),
    runAs,
    ...REQUEST,
  });
  const cairn = (name: string, wrapper: string, tag: string): Variant => ({
    name,
    async submit(root, i) {
      const attempt = join(root, `${tag}-${i}`);
      const script = writeCairnAttempt(attempt, wrapper, command, image);
      for (const dir of ['out', 'work']) chownSync(join(attempt, dir), uid, gid);
      return { id: await sbatchAsAgent(sbatch, jobOf(attempt, script, i)), attempt };
    },
  });
  return [
    {
      name: 'plain `sbatch --wrap`, root',
      async submit(root) {
        const args = ['--parsable', '--wrap', command.join(' '), `--chdir=${root}`, '-o', '/dev/null', `--partition=${REQUEST.partition}`, '--ntasks=1', '--cpus-per-task=1', '--mem=64M', '--time=0-00:02:00'];
        return { id: jobIdOf(await run(sbatch, args)) };
      },
    },
    {
      name: 'plain `#!/bin/sh`, job user (the agent\'s sbatch arguments)',
      async submit(root, i) {
        const dir = join(root, `plain-${i}`);
        for (const sub of ['out', 'work']) {
          mkdirSync(join(dir, sub), { recursive: true });
          chownSync(join(dir, sub), uid, gid);
        }
        const script = join(dir, 'plain');
        writePlainScript(script, command);
        return { id: await sbatchAsAgent(sbatch, jobOf(dir, script, i)) };
      },
    },
    cairn('Cairn (cairn-wrap.sh + ch-run), job user', WRAPPER_SCRIPT, 'cairn'),
    ...(compare ? [cairn(`Cairn at ${compare.rev}`, compare.wrapper, 'compare')] : []),
  ];
}

async function main(): Promise<void> {
  const bins = await findBins();
  const uid = Number((await run('id', ['-u', env.jobUser])).trim());
  const gid = Number((await run('id', ['-g', env.jobUser])).trim());
  const rev = values['compare-rev'];
  const list = variants(bins.sbatch, uid, gid, rev ? { rev, wrapper: await wrapperAt(rev) } : undefined);
  const root = mkdtempSync('/var/tmp/bench-slot-');
  chmodSync(root, 0o755);
  const ids = list.map(() => [] as string[]);
  const attempts: string[] = [];
  try {
    log(`submitting ${jobs} jobs of \`${command.join(' ')}\` for each of ${list.length} scripts, interleaved; work dir ${root}`);
    for (let i = 0; i < jobs; i += 1) {
      const order = list.map((_, k) => k);
      if (i % 2 === 1) order.reverse();
      for (const k of order) {
        const { id, attempt } = await (list[k] as Variant).submit(root, i);
        ids[k]?.push(id);
        if (attempt) attempts.push(attempt);
      }
    }
    const all = ids.flat();
    for (;;) {
      const open = (await run(bins.squeue, ['-h', `--jobs=${all.join(',')}`, '-o', '%i'])).trim();
      if (!open) break;
      log(`${open.split('\n').length} of ${all.length} jobs open`);
      await sleep(2000);
    }
    await sleep(2000); // slurmd's last lines
    const states = await run('sacct', ['-n', '-X', '-P', '-o', 'State', `--jobs=${all.join(',')}`]);
    const bad = states.split('\n').filter((s) => s.trim() && s.trim() !== 'COMPLETED');
    if (bad.length > 0) throw new Error(`${bad.length} jobs did not end COMPLETED: ${[...new Set(bad)].join(', ')}`);
    for (const attempt of attempts) {
      const exit = JSON.parse(readFileSync(join(attempt, 'out', 'exit.json'), 'utf8')) as { exitCode?: number };
      if (exit.exitCode !== 0) throw new Error(`${attempt}: exit record ${JSON.stringify(exit)}`);
    }
    const config = await run(bins.scontrol, ['show', 'config']);
    const logFile = (key: string) => new RegExp(`^${key}\\s*=\\s*(\\S+)`, 'm').exec(config)?.[1];
    const times = ids.map((list) => launchTimesFromLogs(logFile('SlurmctldLogFile'), logFile('SlurmdLogFile'), list));
    const base = times[0]?.launchToDoneMs;
    const rows = list.map((variant, k) => {
      const t = times[k];
      if (!t || !base) return `| ${variant.name} | – | – | – | – | – |`;
      const d = t.launchToDoneMs;
      return `| ${variant.name} | ${t.jobs} | ${fmt(t.allocToLaunchMs.mean, 1)} | ${fmt(d.median, 0)} (${fmt(d.mean, 1)}) | ${k === 0 ? '–' : `${signed(d.median - base.median, 0)} (${signed(d.mean - base.mean, 1)})`} | ${fmt(d.mean / base.mean, 3)}× |`;
    });
    writeReport(
      `Job slot time: ${jobs} jobs of \`${command.join(' ')}\` per script, interleaved, partition ${env.partition}, commit ${await treeCommit()}, ${new Date().toISOString().slice(0, 16)}Z`,
      ['batch script', 'jobs found in the logs', 'allocation → launch, mean (ms)', 'launch → batch step done, median (mean) ms', 'over plain root, median (mean) ms', 'mean ÷ plain root'],
      rows,
      'right',
    );
  } finally {
    const open = ids.flat();
    if (open.length > 0) await processes.run(bins.scancel, open, { timeoutMs: 60_000 });
    rmSync(root, { recursive: true, force: true });
  }
}

runMain(main);
