import { Command } from 'commander';
import pc from 'picocolors';
import { pb } from '@cairn/contracts';
import type { JobsClient } from '@cairn/client';
import { readFile } from 'node:fs/promises';
import { collectEnv, collectState, parseCount, parseDuration, parseMemory, parseRange } from './parse-options';
import { coloredState, describeJob, FINAL, stateName, table } from './render';
import { type Output, WatchView } from './watch-view';

export interface CliIo {
  out: Output;
  client: () => JobsClient;
  setExitCode: (code: number) => void;
  signal: AbortSignal;
}

/** `cairn job ...`: submit, get, watch, cancel, list, logs. */
export function jobCommands(io: CliIo): Command {
  const job = new Command('job').description('run and follow single containerised jobs');

  job
    .command('submit')
    .description('submit a command to run in a container on a Slurm site')
    .requiredOption('-i, --image <ref>', 'container image, e.g. lab/busybox:1.36 (pinned to a digest on submission)')
    .option('-n, --name <name>', 'job name', 'job')
    .option('-c, --cpus <n>', 'CPU cores', parseCount)
    .option('-m, --mem <size>', 'memory, e.g. 512M or 4G', parseMemory)
    .option('-t, --time <duration>', 'time limit, e.g. 90s, 15m, 2h, 1:30:00', parseDuration)
    .option('-p, --partition <name>', 'Slurm partition')
    .option('-s, --site <site>', 'site (cluster); default: the gateway default')
    .option('-e, --env <NAME=VALUE>', 'environment variable in the container (repeatable)', collectEnv, {})
    .option('--items <a,b,c>', 'run the command once per item (comma-separated); ${{ item }} in the command is the item', (v: string) => v.split(','))
    .option('--range <from..to>', 'items from..to (integers), as --items', parseRange)
    .option('--items-file <path>', 'items, one per line, as --items')
    .option('--per-element <n>', 'items run one after another in each element of the Slurm array job', parseCount)
    .option('--throttle <k>', 'at most k array elements at once', parseCount)
    .option('--request-id <key>', 'idempotency key: resubmitting with it returns the same job')
    .option('-w, --watch', 'follow the job until it ends, then print its output')
    .argument('<command...>', 'the command and its arguments (put them after --)')
    .action(async (command: string[], opts: SubmitOptions) => {
      const items = opts.items ?? opts.range ?? (opts.itemsFile ? await readItems(opts.itemsFile) : undefined);
      const { job: submitted } = await io.client().submitJob({
        spec: {
          name: opts.name,
          image: opts.image,
          command,
          env: opts.env,
          resources: {
            cpus: opts.cpus ?? 0,
            memoryMb: opts.mem ?? 0,
            timeLimitSeconds: opts.time ?? 0,
            partition: opts.partition ?? '',
          },
          site: opts.site ?? '',
          array: items ? { items, itemsPerElement: opts.perElement ?? 1, throttle: opts.throttle ?? 0 } : undefined,
        },
        requestId: opts.requestId ?? '',
      });
      const jobId = submitted?.jobId ?? '';
      io.out.write(`${pc.green('submitted')} ${jobId} ${pc.dim(submitted?.imageDigest ?? '')}\n`);
      if (opts.watch) {
        await watch(io, jobId);
        await printOutput(io, jobId, pb.OutputStream.OUTPUT_STREAM_STDOUT, 65_536);
      }
    });

  job
    .command('get')
    .description("show a job's record")
    .argument('<job-id>')
    .option('--json', 'print JSON')
    .action(async (jobId: string, opts: { json?: boolean }) => {
      const found = await io.client().getJob(jobId);
      io.out.write(opts.json ? `${JSON.stringify(found, null, 2)}\n` : `${describeJob(found)}\n`);
    });

  job
    .command('watch')
    .description("show a job's state changes live until it ends")
    .argument('<job-id>')
    .action((jobId: string) => watch(io, jobId));

  job
    .command('cancel')
    .description('cancel a job')
    .argument('<job-id>')
    .action(async (jobId: string) => {
      const cancelled = await io.client().cancelJob(jobId);
      io.out.write(`cancel requested for ${cancelled.jobId} (now ${coloredState(cancelled.state)})\n`);
    });

  job
    .command('list')
    .description('list jobs, newest first')
    .option('--state <state>', 'only this state (repeatable)', collectState, [])
    .option('-s, --site <site>', 'only this site')
    .option('--name <prefix>', 'only names starting with this')
    .option('-l, --limit <n>', 'jobs per page', parseCount, 20)
    .option('--page-token <token>', 'the page after a previous listing')
    .action(async (opts: ListOptions) => {
      const page = await io.client().listJobs({
        pageSize: opts.limit,
        pageToken: opts.pageToken ?? '',
        states: opts.state,
        site: opts.site ?? '',
        namePrefix: opts.name ?? '',
      });
      const rows = page.jobs.map((j) => [
        j.jobId,
        j.spec?.name ?? '',
        coloredState(j.state),
        j.exitCode === undefined ? '-' : String(j.exitCode),
        j.spec?.site ?? '',
        j.slurmJobId || '-',
        j.createTime?.toISOString().replace('T', ' ').slice(0, 19) ?? '',
      ]);
      io.out.write(`${table(['JOB', 'NAME', 'STATE', 'EXIT', 'SITE', 'SLURM', 'CREATED'], rows)}\n`);
      if (page.nextPageToken) io.out.write(pc.dim(`more: --page-token ${page.nextPageToken}\n`));
    });

  job
    .command('logs')
    .description("print the end of a job's output")
    .argument('<job-id>')
    .option('--stderr', 'standard error instead of standard output')
    .option('--bytes <n>', 'how much of the end', parseCount, 65_536)
    .action((jobId: string, opts: { stderr?: boolean; bytes: number }) =>
      printOutput(io, jobId, opts.stderr ? pb.OutputStream.OUTPUT_STREAM_STDERR : pb.OutputStream.OUTPUT_STREAM_STDOUT, opts.bytes),
    );

  return job;
}

interface SubmitOptions {
  image: string;
  name: string;
  cpus?: number;
  mem?: number;
  time?: number;
  partition?: string;
  site?: string;
  env: Record<string, string>;
  requestId?: string;
  watch?: boolean;
  items?: string[];
  range?: string[];
  itemsFile?: string;
  perElement?: number;
  throttle?: number;
}

async function readItems(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  return text.split('\n').filter((line) => line.trim() !== '');
}

interface ListOptions {
  state: pb.JobState[];
  site?: string;
  name?: string;
  limit: number;
  pageToken?: string;
}

async function watch(io: CliIo, jobId: string): Promise<void> {
  const view = new WatchView(io.out, jobId);
  view.start();
  let last: pb.WatchJobResponse | undefined;
  try {
    for await (const event of io.client().watchJob(jobId, io.signal)) {
      view.event(event);
      last = event;
    }
  } finally {
    view.stop();
  }
  if (last && FINAL.has(last.state)) {
    io.setExitCode(last.state === pb.JobState.JOB_STATE_COMPLETED ? 0 : 1);
  } else if (!io.signal.aborted) {
    io.out.write(pc.yellow(`watch ended before the job did (last state ${last ? stateName(last.state) : 'none'})\n`));
    io.setExitCode(1);
  }
}

async function printOutput(io: CliIo, jobId: string, stream: pb.OutputStream, maxBytes: number): Promise<void> {
  const output = await io.client().getJobOutput({ jobId, stream, maxBytes });
  if (output.truncated) io.out.write(pc.dim(`[... only the last ${output.data.length} bytes]\n`));
  io.out.write(Buffer.from(output.data).toString('utf8'));
}
