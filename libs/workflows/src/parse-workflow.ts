import { isMap, isScalar, LineCounter, type Node, parseDocument, type Document } from 'yaml';
import { formatPath, WorkflowError, type WorkflowProblem } from './workflow.errors';
import { checkWorkflowGraph } from './workflow-graph';
import { type ParsedWorkflow, workflowSchema } from './workflow.schema';

export const MAX_WORKFLOW_BYTES = 1024 * 1024;

/** A problem found after parsing, by path; parseWorkflow locates it in the file. */
export interface PathProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Reads a workflow file (YAML or JSON), validates it against the language and checks its
 * graph (unknown steps, cycles, references). Throws one WorkflowError listing every problem
 * with its line, column and field.
 */
export function parseWorkflow(text: string, file: string): ParsedWorkflow {
  if (Buffer.byteLength(text) > MAX_WORKFLOW_BYTES) {
    throw new WorkflowError(file, [{ line: 1, column: 1, path: '', message: `the file is larger than ${MAX_WORKFLOW_BYTES} bytes` }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  if (doc.errors.length > 0) {
    throw new WorkflowError(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { line: pos.line, column: pos.col, path: '', message: `not valid YAML: ${e.message.split('\n')[0] ?? e.code}` };
      }),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new WorkflowError(file, [{ line: 1, column: 1, path: '', message: (error as Error).message }]);
  }
  const result = workflowSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue): PathProblem[] => {
      const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ path: [...path, key], message: `unknown field "${key}"${suggest(key)}` }));
      }
      if (issue.code === 'invalid_key') return [{ path, message: issue.issues.map((i) => i.message).join('; ') }];
      if (issue.code === 'invalid_union' && issue.path.length > 0) return [{ path, message: 'has the wrong type' }];
      return [{ path, message: issue.message }];
    });
    throw new WorkflowError(file, locate(problems, doc, lineCounter));
  }
  const workflow = result.data as ParsedWorkflow;
  const graphProblems = checkWorkflowGraph(workflow);
  if (graphProblems.length > 0) throw new WorkflowError(file, locate(graphProblems, doc, lineCounter));
  return workflow;
}

function locate(problems: PathProblem[], doc: Document, lineCounter: LineCounter): WorkflowProblem[] {
  return problems.map((p) => {
    const offset = nodeAt(doc, p.path)?.range?.[0] ?? 0;
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col, path: formatPath(p.path), message: p.message };
  });
}

/** The deepest node on the path that exists (for an unknown key, the key itself). */
function nodeAt(doc: Document, path: (string | number)[]): Node | undefined {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const parent = depth > 0 ? doc.getIn(path.slice(0, depth - 1), true) : undefined;
    const key = path[depth - 1];
    if (depth > 0 && isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === key);
      if (pair && isScalar(pair.key)) return pair.key;
    }
    const node = doc.getIn(path.slice(0, depth), true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node) return node;
  }
  return undefined;
}

const KNOWN_FIELDS = [
  'version', 'name', 'description', 'site', 'defaults', 'params', 'steps', 'image', 'command', 'env', 'resources',
  'needs', 'inputs', 'outputs', 'retries', 'checkpoint', 'array', 'decide', 'loop', 'cpus', 'memory', 'time', 'gpus',
  'gpuType', 'nodes', 'class', 'items', 'range', 'glob', 'lines', 'from', 'targetDuration', 'itemEstimate', 'throttle',
  'until', 'metrics', 'maxIterations', 'maxWallTime', 'max', 'backoff', 'factor', 'path', 'requeue', 'to', 'step',
];

function suggest(key: string): string {
  const close = KNOWN_FIELDS.filter((known) => editDistance(known.toLowerCase(), key.toLowerCase()) <= 2);
  return close.length > 0 ? `; did you mean "${close[0]}"?` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}
