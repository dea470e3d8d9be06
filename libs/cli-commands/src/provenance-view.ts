import pc from 'picocolors';
import type { pb } from '@cairn/contracts';
import type { LineageWalk, RunGraph } from '@cairn/client';
import { shown, table } from './render';

/** How a run's provenance reads in a terminal: a summary of the graph, and a lineage walk as an indented tree. */

/** Outputs listed by `cairn provenance show` before "… and N more". */
export const MAX_SHOWN_OUTPUTS = 50;

const attr = (node: pb.ProvNode | undefined, name: string): string => shown(node?.attributes[name] ?? '');
/** A hash or digest cut to its first 20 hex digits (enough to tell them apart on screen). */
const short = (hash: string): string => {
  const hex = hash.startsWith('sha256:') ? hash.slice('sha256:'.length) : hash;
  return `sha256:${hex.length > 20 ? `${hex.slice(0, 20)}…` : hex}`;
};

function humanSize(text: string): string {
  const bytes = Number(text);
  if (text === '' || !Number.isFinite(bytes)) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A readable summary of a run's graph: the run, who ran it, the file, parameters, images, counts and outputs with their hashes. */
export function renderRunSummary(graph: RunGraph): string {
  const byType = (type: string) => graph.nodes.filter((n) => n.type === type);
  const run = byType('run')[0] ?? byType('job').find((n) => n.id === `job:${graph.runId}`);
  const person = byType('person')[0];
  const file = byType('workflow-file')[0];
  const params = byType('params')[0];
  const lines: string[] = [];
  const state = attr(run, 'state');
  lines.push(`${pc.bold('run')} ${graph.runId} ${shown(run?.label ?? '')}${state ? ` ${state}` : ''}${graph.complete ? '' : pc.yellow(' (not complete: the run goes on or provenance is catching up)')}`);
  if (graph.rerunOf) lines.push(`${pc.bold('re-run of')} ${shown(graph.rerunOf)}`);
  const times = [attr(run, 'start_time'), attr(run, 'end_time')].filter(Boolean).join(' → ');
  if (times) lines.push(`${pc.bold('time')} ${times}`);
  if (person) lines.push(`${pc.bold('by')} ${shown(person.label)}${attr(person, 'posix_user') ? ` (posix user ${attr(person, 'posix_user')})` : ''}`);
  const where = [attr(run, 'site') && `site ${attr(run, 'site')}`, attr(run, 'account') && `account ${attr(run, 'account')}`].filter(Boolean).join(', ');
  if (where) lines.push(`${pc.bold('at')} ${where}`);
  if (file) lines.push(`${pc.bold('workflow')} ${attr(file, 'file_name') || shown(file.label)} sha256:${attr(file, 'sha256')}`);
  const paramEntries = Object.entries(params?.attributes ?? {})
    .filter(([key]) => key.startsWith('param.'))
    .sort(([a], [b]) => a.localeCompare(b));
  lines.push('', pc.bold('parameters'));
  lines.push(paramEntries.length === 0 ? pc.dim('  none') : paramEntries.map(([key, value]) => `  ${shown(key.slice('param.'.length))} = ${shown(value)}`).join('\n'));
  const images = byType('image');
  lines.push('', pc.bold('images'));
  lines.push(images.length === 0 ? pc.dim('  none') : images.map((i) => `  ${attr(i, 'reference') || shown(i.label)}  ${attr(i, 'digest')}`).join('\n'));
  const count = (type: string) => byType(type).length;
  lines.push('', `${pc.bold('activities')} ${count('step')} steps, ${count('job')} jobs, ${count('item')} items, ${count('iteration')} iterations`);
  const generated = new Set(graph.edges.filter((e) => e.relation === 'wasGeneratedBy').map((e) => e.from));
  const outputs = byType('file').filter((f) => generated.has(f.id));
  lines.push('', `${pc.bold('outputs')} ${outputs.length}`);
  if (outputs.length > 0) {
    const rows = outputs.slice(0, MAX_SHOWN_OUTPUTS).map((f) => [attr(f, 'path') || shown(f.label), attr(f, 'sha256') ? `sha256:${attr(f, 'sha256')}` : pc.dim('not hashed'), humanSize(f.attributes['size'] ?? '')]);
    lines.push(table(['PATH', 'SHA256', 'SIZE'], rows));
    if (outputs.length > MAX_SHOWN_OUTPUTS) lines.push(pc.dim(`… and ${outputs.length - MAX_SHOWN_OUTPUTS} more (--json lists them all)`));
  }
  return `${lines.join('\n')}\n`;
}

/** What a node is in a few words: its type, label, and the one fact that tells it apart (hash, digest, state). */
function nodeLine(node: pb.ProvNode): string {
  const fact = node.attributes['sha256'] ? short(attr(node, 'sha256')) : node.attributes['digest'] ? short(attr(node, 'digest')) : attr(node, 'state');
  return `${pc.cyan(shown(node.type))} ${shown(node.label)}${fact ? ` ${pc.dim(fact)}` : ''} ${pc.dim(shown(node.id))}`;
}

/** A lineage walk by depth: each node indented by how far from the start it lies, nearest first. */
export function renderLineage(walk: LineageWalk, direction: 'upstream' | 'downstream', maxDepth: number): string {
  if (walk.nodes.length === 0) return `${pc.dim('nothing found')}\n`;
  const lines = walk.nodes.map((node, i) => {
    const depth = walk.depths[i] ?? 0;
    return `${'  '.repeat(depth)}${depth === 0 ? '●' : direction === 'upstream' ? '↑' : '↓'} ${nodeLine(node)}`;
  });
  const deepest = Math.max(0, ...walk.depths);
  lines.push(pc.dim(`${walk.nodes.length} node${walk.nodes.length === 1 ? '' : 's'} ${direction}, ${deepest} relation${deepest === 1 ? '' : 's'} deep`));
  if (walk.depthLimited) lines.push(pc.yellow(`more lies beyond depth ${maxDepth} (--depth up to 50)`));
  return `${lines.join('\n')}\n`;
}
