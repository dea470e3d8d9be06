/**
 * The agent's cost on the Slurm controller and its submission rate (docs/benchmarks.md,
 * "The agent and Slurm: poll cost and sbatch rate").
 *
 * 1. Poll cost: one agent listing as it was (every job the controller remembers,
 *    `squeue --states=all`) and as it is (`squeue --user=<job user> --states=<live>`),
 *    alternating, `--rounds` times each, with `--own` held jobs of the job user (the
 *    agent's open jobs) and: no foreign jobs; `--foreign` held jobs of bob; the same jobs
 *    cancelled (history the controller remembers for MinJobAge). Per listing: wall time,
 *    controller RPCs and controller time (sdiag deltas), lines printed.
 * 2. sbatch rate: `--burst` held jobs (as root: the job user's history stays as it was) submitted through the agent's Slurm
 *    adapter (SlurmRepository.submit: the same argument vector), one at a time (as the
 *    agent did) and `--concurrency` at a time (as it does now): sbatch per second. The
 *    agent's own rate, files and status writes included, is in the jobs-throughput record.
 *
 * 3. With `--users-only`, instead: the listing for attempts that run as TWO users (the job
 *    user and alice, `--own` held jobs each, with `--foreign` held jobs of bob), three ways:
 *    one `squeue --user=a,b` (what the agent does), one `squeue --user=` per user, one
 *    `squeue --jobs=<id>` per open job. Per way, per round: the sums over its squeue calls.
 *
 * Usage: node -r ./tools/register.js tools/benchmarks/agent-slurm.ts [--foreign 2000]
 *   [--own 20] [--rounds 15] [--burst 200] [--concurrency 4] [--users-only] [--json out.json]
 * Run as root on the dev cluster (sbatch --uid, runuser). Nothing else should use Slurm.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BatchJob, buildSqueueArgs, SlurmRepository } from '@cairn/adapters/slurm';
import { testEnv } from '@cairn/testing';
import { fmt, median, now, positiveOption, processes, progressLog, run, runMain, sdiag, sdiagDelta, sleep, treeCommit, usageOnHelp, which } from './bench-kit';

const log = progressLog('agent-slurm');

interface Listing {
  wallMs: number;
  rpcs: number;
  controllerMs: number;
  lines: number;
  types: string;
}

async function measureListing(sdiagBin: string, squeueBin: string, args: string[]): Promise<Listing> {
  const before = await sdiag(sdiagBin);
  const start = now();
  const out = await run(squeueBin, args);
  const wallMs = now() - start;
  const delta = sdiagDelta(before, await sdiag(sdiagBin));
  return {
    wallMs,
    rpcs: delta.total,
    controllerMs: delta.totalMs,
    lines: out.split('\n').filter(Boolean).length,
    types: Object.keys(delta.rpcs).sort().join('+'),
  };
}

/** Several squeue calls made one after another, as one way of listing: their sums. */
async function measureListings(sdiagBin: string, squeueBin: string, calls: string[][]): Promise<Listing> {
  const before = await sdiag(sdiagBin);
  const start = now();
  let lines = 0;
  for (const args of calls) lines += (await run(squeueBin, args)).split('\n').filter(Boolean).length;
  const wallMs = now() - start;
  const delta = sdiagDelta(before, await sdiag(sdiagBin));
  return { wallMs, rpcs: delta.total, controllerMs: delta.totalMs, lines, types: Object.keys(delta.rpcs).sort().join('+') };
}

/** Runs `n` commands with at most `width` at once. */
async function pool<T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      foreign: { type: 'string', default: '2000' },
      own: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '15' },
      burst: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '4' },
      'users-only': { type: 'boolean' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  usageOnHelp(values.help, 'node -r ./tools/register.js tools/benchmarks/agent-slurm.ts [--foreign 2000] [--own 20] [--rounds 15] [--burst 200] [--concurrency 4] [--users-only] [--json out.json]');
  const foreignN = positiveOption('foreign', values.foreign);
  const ownN = positiveOption('own', values.own);
  const rounds = positiveOption('rounds', values.rounds);
  const burst = positiveOption('burst', values.burst);
  const concurrency = positiveOption('concurrency', values.concurrency);
  const env = testEnv();
  const bins = { sbatch: await which('sbatch'), squeue: await which('squeue'), scancel: await which('scancel'), sdiag: await which('sdiag') };
  const tag = `bench-${randomUUID().slice(0, 8)}`;
  const commit = await treeCommit();
  const startedAt = new Date().toISOString();
  const remembered = async (user?: string) =>
    (await run(bins.squeue, ['--noheader', '--states=all', '--format=%i', ...(user ? [`--user=${user}`] : [])])).split('\n').filter(Boolean).length;
  log(`commit ${commit}; the controller remembers ${await remembered()} jobs`);

  if (values['users-only']) return usersOnly({ bins, env, tag, commit, startedAt, foreignN, ownN, rounds, json: values.json });
  const oldArgs = buildSqueueArgs();
  const newArgs = buildSqueueArgs({ users: [env.jobUser] });
  const created: string[] = [];
  const report: Record<string, { old: Listing[]; new: Listing[]; remembered: number; jobUserRemembered: number }> = {};
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'agent-slurm-')));
  chmodSync(dir, 0o755);
  const script = join(dir, 'job.sh');
  writeFileSync(script, '#!/bin/sh\ntrue\n', { mode: 0o755 });
  try {
    // The agent's open jobs: held jobs of the job user.
    for (const id of await pool(ownN, 4, () => run(bins.sbatch, ['--hold', '--parsable', `--uid=${env.jobUser}`, `--gid=${env.jobUser}`, `--job-name=${tag}-own`, `--partition=${env.partition}`, '--output=/dev/null', `--chdir=${dir}`, '--wrap=true'])))
      created.push(id.trim());
    const measure = async (condition: string) => {
      const entry = { old: [] as Listing[], new: [] as Listing[], remembered: await remembered(), jobUserRemembered: await remembered(env.jobUser) };
      for (let r = 0; r < rounds; r += 1) {
        entry.old.push(await measureListing(bins.sdiag, bins.squeue, oldArgs));
        entry.new.push(await measureListing(bins.sdiag, bins.squeue, newArgs));
      }
      report[condition] = entry;
      log(`${condition}: wall ${fmt(median(entry.old.map((l) => l.wallMs)), 1)} → ${fmt(median(entry.new.map((l) => l.wallMs)), 1)} ms, controller ${fmt(median(entry.old.map((l) => l.controllerMs)), 2)} → ${fmt(median(entry.new.map((l) => l.controllerMs)), 2)} ms`);
    };
    await measure('no foreign jobs');
    log(`submitting ${foreignN} held jobs as bob`);
    const foreign = await pool(foreignN, 8, () => run('runuser', ['-u', 'bob', '--', bins.sbatch, '--hold', '--parsable', `--job-name=${tag}-foreign`, `--partition=${env.partition}`, '--output=/dev/null', '--chdir=/tmp', '--wrap=true']));
    created.push(...foreign.map((id) => id.trim()));
    await measure(`${foreignN} foreign jobs held`);
    await run(bins.scancel, foreign.map((id) => id.trim()));
    await sleep(2000);
    await measure(`${foreignN} foreign jobs cancelled (history)`);
    await run(bins.scancel, created);

    // The sbatch rate: held jobs of the job user through the agent's adapter.
    const rates: Record<string, { seconds: number; perSecond: number }> = {};
    const slurm = new SlurmRepository(processes);
    const job = (i: number): BatchJob => ({
      name: `${tag}-burst-${i}`,
      comment: `${tag}-burst-${i}`,
      scriptPath: script,
      workDir: dir,
      stdoutPath: '/dev/null',
      stderrPath: '/dev/null',
      cpus: 1,
      memoryMb: 32,
      timeLimitSeconds: 60,
      partition: env.partition,
    });
    for (const width of [1, concurrency]) {
      const start = now();
      const ids = await pool(burst, width, (i) => slurm.submit(job(i)));
      const seconds = (now() - start) / 1000;
      created.push(...ids);
      await run(bins.scancel, ids);
      rates[`${width} at a time`] = { seconds, perSecond: burst / seconds };
      log(`burst of ${burst}, ${width} sbatch at a time: ${fmt(seconds, 1)} s, ${fmt(burst / seconds, 1)}/s`);
    }
    const out = { startedAt, commit, foreign: foreignN, own: ownN, rounds, burst, oldArgs, newArgs, listings: report, rates };
    if (values.json) writeFileSync(values.json, `${JSON.stringify(out, null, 2)}\n`);
    printReport(out);
  } finally {
    await processes.run(bins.scancel, created, { timeoutMs: 60_000 }).catch(() => undefined);
  }
}

/** Two job users' open jobs listed three ways (see the header, 3.). */
async function usersOnly(o: {
  bins: Record<'sbatch' | 'squeue' | 'scancel' | 'sdiag', string>;
  env: ReturnType<typeof testEnv>;
  tag: string;
  commit: string;
  startedAt: string;
  foreignN: number;
  ownN: number;
  rounds: number;
  json?: string | undefined;
}): Promise<void> {
  const { bins, env, tag } = o;
  const users = [env.jobUser, 'alice'];
  const created: string[] = [];
  const held = (user: string, name: string) =>
    run('runuser', ['-u', user, '--', bins.sbatch, '--hold', '--parsable', `--job-name=${name}`, `--partition=${env.partition}`, '--output=/dev/null', '--chdir=/tmp', '--wrap=true']).then((id) => id.trim());
  try {
    const own: string[] = [];
    for (const user of users) own.push(...(await pool(o.ownN, 4, () => held(user, `${tag}-own`))));
    created.push(...own);
    log(`submitting ${o.foreignN} held jobs as bob`);
    created.push(...(await pool(o.foreignN, 8, () => held('bob', `${tag}-foreign`))));
    const remembered = (await run(bins.squeue, ['--noheader', '--states=all', '--format=%i'])).split('\n').filter(Boolean).length;
    const ways: Record<string, string[][]> = {
      [`one squeue --user=${users.join(',')} (the agent)`]: [buildSqueueArgs({ users })],
      'one squeue --user=<one> per user': users.map((user) => buildSqueueArgs({ users: [user] })),
      'one squeue --jobs=<id> per open job': own.map((id) => ['--noheader', `--jobs=${id}`, '--states=all', '--format=%i|%T']),
    };
    const results: Record<string, Listing[]> = Object.fromEntries(Object.keys(ways).map((k) => [k, [] as Listing[]]));
    for (let r = 0; r < o.rounds; r += 1) for (const [way, calls] of Object.entries(ways)) results[way]?.push(await measureListings(bins.sdiag, bins.squeue, calls));
    const lines = [
      `agent-slurm --users-only ${o.startedAt}, commit ${o.commit}; ${o.ownN} held jobs each of ${users.join(' and ')}, ${o.foreignN} of bob; the controller remembers ${remembered} jobs; medians of ${o.rounds} rounds`,
      '',
      '| way (two users) | squeue calls | wall (ms) | controller RPCs | RPC types | controller time (ms) | lines |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    ];
    for (const [way, list] of Object.entries(results)) {
      lines.push(`| ${way} | ${ways[way]?.length ?? 0} | ${fmt(median(list.map((l) => l.wallMs)), 1)} | ${fmt(median(list.map((l) => l.rpcs)))} | ${list[0]?.types ?? ''} | ${fmt(median(list.map((l) => l.controllerMs)), 2)} | ${fmt(median(list.map((l) => l.lines)))} |`);
    }
    if (o.json) writeFileSync(o.json, `${JSON.stringify({ startedAt: o.startedAt, commit: o.commit, users, own: o.ownN, foreign: o.foreignN, remembered, results }, null, 2)}\n`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await processes.run(bins.scancel, created, { timeoutMs: 60_000 }).catch(() => undefined);
  }
}

function printReport(out: { startedAt: string; commit: string; listings: Record<string, { old: Listing[]; new: Listing[]; remembered: number; jobUserRemembered: number }>; rates: Record<string, { seconds: number; perSecond: number }>; oldArgs: string[]; newArgs: string[]; rounds: number; own: number }): void {
  const lines = [
    `agent-slurm ${out.startedAt}, commit ${out.commit}; ${out.own} held jobs of the job user (the agent's open jobs); medians of ${out.rounds} listings each`,
    '',
    `before: squeue ${out.oldArgs.join(' ')}`,
    `after:  squeue ${out.newArgs.join(' ')}`,
    '',
    '| condition (jobs remembered: all / the job user\'s) | listing | wall (ms) | controller RPCs | RPC types | controller time (ms) | lines |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [condition, entry] of Object.entries(out.listings)) {
    for (const [which, list] of [['before', entry.old], ['after', entry.new]] as const) {
      lines.push(`| ${condition} (${entry.remembered} / ${entry.jobUserRemembered}) | ${which} | ${fmt(median(list.map((l) => l.wallMs)), 1)} | ${fmt(median(list.map((l) => l.rpcs)))} | ${list[0]?.types ?? ''} | ${fmt(median(list.map((l) => l.controllerMs)), 2)} | ${fmt(median(list.map((l) => l.lines)))} |`);
    }
  }
  lines.push('', '| sbatch (held jobs) | burst to last job id (s) | sbatch/s |', '| --- | --- | --- |');
  for (const [width, r] of Object.entries(out.rates)) lines.push(`| ${width} | ${fmt(r.seconds, 1)} | ${fmt(r.perSecond, 1)} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

runMain(main);
