import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Command } from 'commander';
import type { WorkflowsClient } from '@cairn/client';
import type { Output } from './watch-view';
import { renderPlan } from './plan-view';

export interface WorkflowCliIo {
  out: Output;
  client: () => WorkflowsClient;
}

/** `cairn workflow ...`: so far, `plan` (check a file and show how it would run). */
export function workflowCommands(io: WorkflowCliIo): Command {
  const workflow = new Command('workflow').description('check, plan and run workflows');
  workflow
    .command('plan')
    .description('check a workflow file and show how it would run on its site (submits nothing)')
    .argument('<file>', 'the workflow file (YAML or JSON)')
    .option('-s, --site <site>', 'the site; default the file’s, else the gateway’s')
    .option('--json', 'print the plan as JSON')
    .action(async (file: string, opts: { site?: string; json?: boolean }) => {
      const source = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
      });
      const { plan } = await io.client().submitWorkflow({ source, fileName: basename(file), dryRun: true, site: opts.site ?? '' });
      if (!plan) throw new Error('the gateway returned no plan');
      io.out.write(opts.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
    });
  return workflow;
}
