import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Command } from 'commander';
import pc from 'picocolors';
import { pb } from '@cairn/contracts';
import type { WorkflowsClient } from '@cairn/client';
import { UsageError } from './cli.errors';
import { renderComparison, renderMetrics } from './metrics-view';
import { collectWorkflowState, parseCount } from './parse-options';
import { renderPlan } from './plan-view';
import type { Output } from './watch-view';
import { coloredWorkflowState, describeWorkflow, listWorkflows, planSummary, workflowStateName } from './workflow-view';
import { type RunModel, runModel } from './workflow-watch';
import { WorkflowWatchView } from './workflow-watch-view';

export interface WorkflowCliIo {
  out: Output;
  client: () => WorkflowsClient;
  setExitCode: (code: number) => void;
  /** Aborts on Ctrl-C: a watch stops (the run goes on). */
  signal: AbortSignal;
  now?: () => number;
}

/** `cairn workflow ...`: plan, submit, get, watch, cancel, list, metrics, compare. */
export function workflowCommands(io: WorkflowCliIo): Command {
  const now = io.now ?? Date.now;
  const workflow = new Command('workflow').description('check, plan, run and follow workflows');

  workflow
    .command('plan')
    .description('check a workflow file and show how it would run on its site (submits nothing)')
    .argument('<file>', 'the workflow file (YAML or JSON)')
    .option('-s, --site <site>', 'the site; default the file’s, else the gateway’s')
    .option('--json', 'print the plan as JSON')
    .action(async (file: string, opts: { site?: string; json?: boolean }) => {
      const source = await readWorkflowFile(file);
      const { plan } = await io.client().submitWorkflow({ source, fileName: basename(file), dryRun: true, site: opts.site ?? '' });
      if (!plan) throw new Error('the gateway returned no plan');
      io.out.write(opts.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
    });

  workflow
    .command('submit')
    .description('run a workflow file; prints the run id')
    .argument('<file>', 'the workflow file (YAML or JSON)')
    .option('-s, --site <site>', 'the site; default the file’s, else the gateway’s')
    .option('--request-id <key>', 'idempotency key: submitting again with it returns the same run')
    .option('-w, --watch', 'then follow the run until it ends (exit 0 if it succeeded, 1 if not)')
    .action(async (file: string, opts: { site?: string; requestId?: string; watch?: boolean }) => {
      const response = await io.client().submitWorkflow({
        source: await readWorkflowFile(file),
        fileName: basename(file),
        site: opts.site ?? '',
        requestId: opts.requestId ?? '',
      });
      const run = response.workflow;
      if (!run) throw new Error('the gateway returned no run');
      const plan = run.plan ?? response.plan;
      io.out.write(`${pc.green('submitted')} ${run.runId} ${pc.dim(plan ? planSummary(plan) : run.name)}\n`);
      if (opts.watch) await watch(io, runModel(run, plan), now);
    });

  workflow
    .command('get')
    .description('show a run: its state, step instances and loop iterations')
    .argument('<run-id>')
    .option('--json', 'print JSON')
    .action(async (runId: string, opts: { json?: boolean }) => {
      const run = await io.client().getWorkflow(runId);
      io.out.write(opts.json ? `${JSON.stringify(run, null, 2)}\n` : describeWorkflow(run, now()));
    });

  workflow
    .command('watch')
    .description('follow a run live until it ends (exit 0 if it succeeded, 1 if not); Ctrl-C stops watching, not the run')
    .argument('<run-id>')
    .action(async (runId: string) => {
      // The run's name, times and plan from here; its steps and iterations from the stream,
      // which starts with all of them, so that a log shows where the run stands.
      const run = await io.client().getWorkflow(runId);
      await watch(io, runModel({ ...run, steps: [], iterations: [] }), now);
    });

  workflow
    .command('cancel')
    .description('cancel a run: waiting steps are cancelled, running Slurm jobs stopped')
    .argument('<run-id>')
    .action(async (runId: string) => {
      const run = await io.client().cancelWorkflow(runId);
      io.out.write(`cancel requested for ${run.runId} (now ${coloredWorkflowState(run.state)})\n`);
    });

  workflow
    .command('list')
    .description('list runs, newest first')
    .option('--state <state>', 'only this state: running, succeeded, failed, cancelled (repeatable)', collectWorkflowState, [])
    .option('--name <prefix>', 'only runs whose workflow name starts with this')
    .option('-l, --limit <n>', 'runs per page', parseCount, 20)
    .option('--page-token <token>', 'the page after a previous listing')
    .action(async (opts: { state: pb.WorkflowState[]; name?: string; limit: number; pageToken?: string }) => {
      const page = await io.client().listWorkflows({
        pageSize: opts.limit,
        pageToken: opts.pageToken ?? '',
        states: opts.state,
        namePrefix: opts.name ?? '',
      });
      io.out.write(`${listWorkflows(page.workflows, now())}\n`);
      if (page.nextPageToken) io.out.write(pc.dim(`more: --page-token ${page.nextPageToken}\n`));
    });

  workflow
    .command('metrics')
    .description("a run's loop metrics: a table per loop and a chart per metric")
    .argument('<run-id>')
    .option('--loop <name>', 'only this loop')
    .option('--metric <name>', 'only this metric')
    .action(async (runId: string, opts: { loop?: string; metric?: string }) => {
      io.out.write(renderMetrics(await io.client().getWorkflow(runId), opts));
    });

  workflow
    .command('compare')
    .description('runs side by side: state, iterations, stop and final metrics, then each metric per iteration')
    .argument('<run-ids...>', 'two or more runs')
    .action(async (runIds: string[]) => {
      if (runIds.length < 2) throw new UsageError('compare needs two or more runs');
      const runs = await Promise.all(runIds.map((id) => io.client().getWorkflow(id)));
      io.out.write(renderComparison(runs, now()));
    });

  return workflow;
}

async function readWorkflowFile(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
}

/** Follows the run until it ends; exit 0 if it succeeded, 1 if it failed, was cancelled or the watch broke off, 130 on Ctrl-C. */
/** Follows a run live until it ends and sets the exit code by how it ended (also `cairn provenance rerun --watch`). */
export async function watch(
  io: Pick<WorkflowCliIo, 'out' | 'setExitCode' | 'signal'> & { client: () => Pick<WorkflowsClient, 'watchWorkflow'> },
  model: RunModel,
  now: () => number,
): Promise<void> {
  const view = new WorkflowWatchView(io.out, model, now);
  view.start();
  try {
    for await (const event of io.client().watchWorkflow(model.runId, io.signal)) view.event(event);
  } finally {
    view.stop();
  }
  switch (model.state) {
    case pb.WorkflowState.WORKFLOW_STATE_SUCCEEDED:
      io.setExitCode(0);
      return;
    case pb.WorkflowState.WORKFLOW_STATE_FAILED:
    case pb.WorkflowState.WORKFLOW_STATE_CANCELLED:
      io.setExitCode(1);
      return;
    case pb.WorkflowState.WORKFLOW_STATE_RUNNING:
    case pb.WorkflowState.WORKFLOW_STATE_UNSPECIFIED:
    case pb.WorkflowState.UNRECOGNIZED:
      if (io.signal.aborted) {
        io.out.write(pc.dim(`stopped watching; the run goes on (cairn workflow cancel ${model.runId} stops it)\n`));
        io.setExitCode(130);
      } else {
        io.out.write(pc.yellow(`watch ended before the run did (last state ${workflowStateName(model.state)})\n`));
        io.setExitCode(1);
      }
  }
}
