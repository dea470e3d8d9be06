import { Command } from 'commander';
import pc from 'picocolors';
import type { pb } from '@cairn/contracts';
import type { JobsClient, WorkflowsClient } from '@cairn/client';
import { progressBar } from './progress-bar';
import { table } from './render';
import { terminalText } from './terminal-text';
import type { Output } from './watch-view';

export interface UsageCliIo {
  out: Output;
  jobs: () => Pick<JobsClient, 'getJobUsage'>;
  workflows: () => Pick<WorkflowsClient, 'getWorkflowUsage'>;
}

/** One kind's usage as the scheduler answered it. */
export interface KindUsage {
  person?: pb.RunUsage;
  projects: pb.RunUsage[];
}

function row(kind: string, whose: string, usage: pb.RunUsage): string[] {
  const full = usage.used >= usage.limit;
  return [
    kind,
    whose,
    `${usage.used} / ${usage.limit}`,
    progressBar(usage.used, usage.limit, 20),
    full ? pc.red('full: new ones are refused') : pc.dim(terminalText(usage.setting)),
  ];
}

/**
 * `cairn limits`: a table with one row per limit: the caller's own (jobs not yet finished,
 * workflow runs still running) and each of their accounts', with a bar and the setting.
 */
export function renderUsage(jobs: KindUsage, workflows: KindUsage): string {
  const rows: string[][] = [];
  for (const [kind, usage] of [
    ['jobs', jobs],
    ['workflow runs', workflows],
  ] as const) {
    if (usage.person) rows.push(row(kind, `you (${terminalText(usage.person.name)})`, usage.person));
    for (const project of usage.projects) rows.push(row(kind, `account ${terminalText(project.name)}`, project));
  }
  return `${table(['', 'WHOSE', 'USED / LIMIT', '', 'SETTING'], rows)}\n`;
}

/** `cairn limits`: how much of the run limits the caller and their accounts use now. */
export function usageCommand(io: UsageCliIo): Command {
  return new Command('limits')
    .description('how many jobs (not yet finished) and workflow runs (running) you and each of your accounts have, against the limits submissions are checked against')
    .option('--json', 'the two answers as one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const [jobs, workflows] = await Promise.all([io.jobs().getJobUsage(), io.workflows().getWorkflowUsage()]);
      io.out.write(opts.json ? `${JSON.stringify({ jobs, workflows }, null, 2)}\n` : renderUsage(jobs, workflows));
    });
}
