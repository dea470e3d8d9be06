import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import pc from 'picocolors';
import { pb } from '@cairn/contracts';
import type { TemplatesClient } from '@cairn/client';
import { UsageError } from './cli.errors';
import { renderPlan } from './plan-view';
import { readTemplateDefinition } from './template-definition';
import { shown, table } from './render';
import type { Output } from './watch-view';
import { planSummary } from './workflow-view';

export interface TemplateCliIo {
  out: Output;
  client: () => Pick<TemplatesClient, 'listTemplates' | 'getTemplate' | 'runTemplate' | 'publishTemplate' | 'deleteTemplate'>;
}

/** "INTEGER", "CHOICE": a parameter's type without the enum's prefix. */
export function typeName(type: pb.TemplateParameterType): string {
  return pb.TemplateParameterType[type]?.replace('TEMPLATE_PARAMETER_TYPE_', '') ?? String(type);
}

/** What a parameter allows, in a few words: "1..10", "≥ 0", "small|large", "true|false". */
export function allowed(p: pb.TemplateParameter): string {
  if (p.type === pb.TemplateParameterType.TEMPLATE_PARAMETER_TYPE_CHOICE) return p.choices.map(shown).join('|');
  if (p.type === pb.TemplateParameterType.TEMPLATE_PARAMETER_TYPE_BOOLEAN) return 'true|false';
  if (p.hasMinimum && p.hasMaximum) return `${p.minimum}..${p.maximum}`;
  if (p.hasMinimum) return `>= ${p.minimum}`;
  if (p.hasMaximum) return `<= ${p.maximum}`;
  return '';
}

/**
 * `--param name=value` options as the values of a run: the first "=" splits (a value may
 * hold more); a name given twice or without "=" is bad usage.
 */
export function parseParams(given: readonly string[]): Record<string, string> {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const item of given) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`--param ${JSON.stringify(item)}: write name=value`);
    const name = item.slice(0, at);
    if (Object.hasOwn(values, name)) throw new UsageError(`--param ${name}: given twice`);
    values[name] = item.slice(at + 1);
  }
  return { ...values };
}

/** A template as JSON: parameter types by name, times as ISO text. */
function templateJson(t: pb.Template) {
  return { ...t, parameters: t.parameters.map((p) => ({ ...p, type: typeName(p.type) })) };
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `cairn template ...`: list, show and run workflow templates; publish and delete them (admins). */
export function templateCommands(io: TemplateCliIo): Command {
  const template = new Command('template').description('list, show and run workflow templates; admins publish and delete them');

  template
    .command('list')
    .description('list the templates, by name')
    .option('--json', 'one JSON object per template and line')
    .action(async (opts: { json?: boolean }) => {
      const templates: pb.Template[] = [];
      let pageToken = '';
      do {
        const page = await io.client().listTemplates({ pageSize: 500, pageToken });
        templates.push(...page.templates);
        pageToken = page.nextPageToken;
      } while (pageToken);
      if (opts.json) {
        for (const t of templates) io.out.write(`${JSON.stringify({ ...templateJson(t), source: undefined })}\n`);
        return;
      }
      if (templates.length === 0) {
        io.out.write(pc.dim('no templates\n'));
        return;
      }
      const rows = templates.map((t) => [shown(t.name), shown(t.title), String(t.version), t.parameters.map((p) => shown(p.name)).join(', ') || '-', shown(t.publishedBy?.name ?? '')]);
      io.out.write(`${table(['NAME', 'TITLE', 'VERSION', 'PARAMETERS', 'PUBLISHED BY'], rows)}\n`);
    });

  template
    .command('show')
    .description('show a template: what it does and its parameters (with --source, its workflow file)')
    .argument('<name>')
    .option('--source', 'print the workflow file instead')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { source?: boolean; json?: boolean }) => {
      const t = await io.client().getTemplate(name);
      if (opts.json) {
        io.out.write(`${JSON.stringify(templateJson(t), null, 2)}\n`);
        return;
      }
      if (opts.source) {
        io.out.write(t.source.endsWith('\n') ? t.source : `${t.source}\n`);
        return;
      }
      const lines = [
        `${pc.bold(shown(t.name))}: ${shown(t.title)} ${pc.dim(`(version ${t.version}, by ${shown(t.publishedBy?.name ?? '?')}${t.publishedAt ? ` on ${t.publishedAt.toISOString()}` : ''})`)}`,
        ...(t.description ? ['', ...t.description.split(/\r\n|\n|\r/).map(shown)] : []),
        '',
        t.parameters.length === 0
          ? pc.dim('no parameters')
          : table(
              ['PARAMETER', 'TYPE', 'DEFAULT', 'ALLOWED', 'LABEL'],
              t.parameters.map((p) => [shown(p.name), typeName(p.type), shown(p.defaultValue), allowed(p), shown(p.label || p.description)]),
            ),
      ];
      io.out.write(`${lines.join('\n')}\n`);
    });

  template
    .command('run')
    .description('run a template as you: --param name=value for each value (the rest take their defaults); prints the run id')
    .argument('<name>')
    .option('-p, --param <name=value>', 'a parameter value (repeat for more)', collect, [])
    .option('-a, --account <account>', 'the Slurm account to charge (one of yours; default: your default)')
    .option('-s, --site <site>', 'the site; default the file’s, else the gateway’s')
    .option('--dry-run', 'show the plan only; submit nothing')
    .option('--request-id <key>', 'idempotency key: running again with it returns the same run')
    .option('--json', 'print the reply as JSON')
    .action(async (name: string, opts: { param: string[]; account?: string; site?: string; dryRun?: boolean; requestId?: string; json?: boolean }) => {
      const response = await io.client().runTemplate({
        name,
        parameters: parseParams(opts.param),
        account: opts.account ?? '',
        site: opts.site ?? '',
        dryRun: Boolean(opts.dryRun),
        requestId: opts.requestId ?? '',
      });
      if (opts.json) {
        io.out.write(`${JSON.stringify(response, null, 2)}\n`);
        return;
      }
      if (opts.dryRun) {
        if (!response.plan) throw new Error('the gateway returned no plan');
        io.out.write(renderPlan(response.plan));
        return;
      }
      const run = response.workflow;
      if (!run) throw new Error('the gateway returned no run');
      const plan = run.plan ?? response.plan;
      io.out.write(`${pc.green('submitted')} ${run.runId} ${pc.dim(plan ? planSummary(plan) : run.name)}\n${pc.dim(`follow it: cairn workflow watch ${run.runId}`)}\n`);
    });

  template
    .command('publish')
    .description('admins: publish a template from its definition file (YAML or JSON: name, title, description, workflow, parameters); replaces one of the same name')
    .argument('<definition>', 'the definition file; its `workflow` is a path relative to it')
    .action(async (file: string) => {
      const { template: t, workflow } = readTemplateDefinition(await readText(file), file);
      const source = await readText(resolve(dirname(file), workflow));
      const published = await io.client().publishTemplate({ ...t, source });
      io.out.write(`${pc.green('published')} ${shown(published.name)} version ${published.version} ${pc.dim(`(${published.parameters.length} parameter${published.parameters.length === 1 ? '' : 's'})`)}\n`);
    });

  template
    .command('delete')
    .description('admins: delete a template (runs made from it stay)')
    .argument('<name>')
    .action(async (name: string) => {
      await io.client().deleteTemplate(name);
      io.out.write(`${pc.green('deleted')} ${shown(name)}\n`);
    });

  return template;
}

async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
}
