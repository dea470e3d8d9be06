/**
 * What the run limits cost a durable submission as a person's and a project's unfinished
 * jobs grow: the scheduler's group commit (`JobStore.admit`, a batch of `--batch` jobs with
 * run limits) on the real PostgreSQL server, with 0 unfinished jobs (the baseline, in the
 * same run) and then with each of `--unfinished` of the same person and account.
 *
 *   node -r ./tools/register.js tools/benchmarks/admission.ts --unfinished 1000,5000,50000
 *
 * A fresh database (the dev cluster's PostgreSQL), 50 batches of warm-up; the unfinished jobs are inserted with the
 * limits off, then each measured batch is timed and its jobs marked finished outside the
 * timing, so every batch meets the same count. Prints a markdown table (median and p90 ms a
 * batch, the ratio to the baseline) to stdout, progress to stderr. It asserts nothing.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { openDatabase } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { ownerOf } from '@cairn/contracts';
import { JobStore, SCHEDULER_SCHEMA, type SchedulerDb, schedulerMigrations } from '@cairn/jobs';
import { as, createTestDatabase } from '@cairn/testing';
import { fmt, now, positiveOption, progressLog, quantile, run, runMain, treeCommit, usageOnHelp } from './bench-kit';

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/admission.ts [options]
  --unfinished LIST  unfinished jobs of the person (and account) before the measured batches,
                     comma-separated (default 1000,5000,50000); 0 is always measured first
  --batch N          jobs a group commit (default 16: the gateway's 16 calls in flight)
  --batches N        measured batches at each count (default 200)
  --request-ids      each measured job carries a new request id (as api-load's SubmitJobs do)`;

const { values: opts } = parseArgs({
  options: {
    unfinished: { type: 'string', default: '1000,5000,50000' },
    batch: { type: 'string', default: '16' },
    batches: { type: 'string', default: '200' },
    'request-ids': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
usageOnHelp(opts.help, USAGE);
const COUNTS = [0, ...opts.unfinished.split(',').map((each) => Number(each.trim()))];
if (COUNTS.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`--unfinished: expected non-negative integers, got ${opts.unfinished}`);
const BATCH = positiveOption('batch', opts.batch);
const BATCHES = positiveOption('batches', opts.batches);
const log = progressLog('admission');

type Admission = Parameters<JobStore['admit']>[0][number];
const ACCOUNT = 'alice-lab';
const LIMITS = { jobsPerPerson: 1_000_000, jobsPerProject: 10_000_000, workflowsPerPerson: 100, workflowsPerProject: 500 };
const owner = ownerOf(as.alice.caller);
const spec = { name: 'bench', image: 'lab/busybox:1.36', command: ['/bin/true'], env: {}, resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 }, site: 'dev', account: ACCOUNT };

function admission(withLimits: boolean): Admission {
  const at = new Date();
  const job = {
    jobId: randomUUID(),
    attemptId: randomUUID(),
    spec,
    imagePinned: `reg/lab/busybox@sha256:${'c'.repeat(64)}`,
    imageDigest: `sha256:${'c'.repeat(64)}`,
    at,
    owner,
    account: ACCOUNT,
    audit: { at, rpc: '/cairn.v1.JobService/SubmitJob', ids: [], who: owner, outcome: 'OK' as const },
    ...(withLimits && opts['request-ids'] ? { requestId: randomUUID() } : {}),
  };
  return withLimits ? { job, limits: LIMITS } : { job };
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const opened = await openDatabase<SchedulerDb>({ url: database.url, embeddedDir: '/nonexistent', schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
  const store = new JobStore(opened.db);
  const finish = (batch: Admission[]) =>
    opened.db
      .updateTable('jobs')
      .set({ state: 'COMPLETED' })
      .where(
        'job_id',
        'in',
        batch.map((a) => a.job.jobId),
      )
      .execute();
  const rows: string[] = [];
  let baseline = NaN;
  try {
    // Warm-up: the code compiled and the server's caches filled before the baseline; its jobs finished.
    for (let i = 0; i < 50; i += 1) {
      const batch = Array.from({ length: BATCH }, () => admission(true));
      await store.admit(batch);
      await finish(batch);
    }
    let unfinished = 0;
    for (const target of [...new Set(COUNTS)].sort((a, b) => a - b)) {
      log(`filling to ${target} unfinished jobs`);
      while (unfinished < target) {
        const n = Math.min(1000, target - unfinished);
        await store.admit(Array.from({ length: n }, () => admission(false)));
        unfinished += n;
      }
      // The planner's statistics of the table as it now is (the old count's plan depends on them).
      await run('psql', ['-q', database.url, '-c', `ANALYZE ${SCHEDULER_SCHEMA}.jobs`]);
      log(`${BATCHES} batches of ${BATCH} at ${target} unfinished`);
      const times: number[] = [];
      for (let i = 0; i < BATCHES; i += 1) {
        const batch = Array.from({ length: BATCH }, () => admission(true));
        const t = now();
        const outcomes = await store.admit(batch);
        times.push(now() - t);
        if (outcomes.some((o) => 'error' in o)) throw new Error(`a measured batch was refused at ${target} unfinished jobs`);
        await finish(batch);
      }
      const p50 = quantile(times, 0.5);
      if (target === 0) baseline = p50;
      rows.push(`| ${target.toLocaleString('en')} | ${fmt(p50, 2)} | ${fmt(quantile(times, 0.9), 2)} | ${fmt(p50 / baseline, 2)}× |`);
    }
  } finally {
    await opened.close();
    await database.drop();
  }
  console.log(
    [
      `## admission: group commits of ${BATCH} jobs with run limits (commit ${await treeCommit()}, ${new Date().toISOString()})`,
      '',
      `| unfinished jobs of the person and account | median ms a batch | p90 ms | ratio to 0 unfinished |`,
      '| ---: | ---: | ---: | ---: |',
      ...rows,
    ].join('\n'),
  );
}

runMain(main);
