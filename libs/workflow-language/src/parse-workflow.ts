import { controlIndex, describeControl, excerpt, MAX_WORKFLOW_SOURCE_BYTES } from '@cairn/contracts';
import { isMap, isScalar, LineCounter, type Node, parseDocument, type Document, visit } from 'yaml';
import { formatPath, MAX_LISTED_PROBLEMS, type PathProblem, WorkflowError, type WorkflowProblem } from './workflow.errors';
import { checkWorkflowGraph } from './workflow-graph';
import { type ParsedWorkflow, workflowSchema } from './workflow.schema';

export const MAX_WORKFLOW_BYTES = MAX_WORKFLOW_SOURCE_BYTES;

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
  // The file's text follows the free-text rule, newlines and carriage returns allowed.
  const bad = controlIndex(text, '\n\r');
  if (bad >= 0) {
    const lines = text.slice(0, bad).split('\n');
    const control = describeControl(text.slice(bad, bad + 2), '\n\r') ?? 'a control character';
    throw new WorkflowError(file, [{ line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1, path: '', message: `contains ${control}; control characters are not allowed` }]);
  }
  let doc: Document;
  try {
    // Duplicate keys are found below in linear time (the parser's own check compares every
    // key with every other: seconds for a file of 30,000 keys).
    doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true });
  } catch (error) {
    // The YAML parser recurses: a file nested thousands deep exhausts its stack.
    if (!(error instanceof RangeError)) throw error;
    throw new WorkflowError(file, [{ line: 1, column: 1, path: '', message: 'not valid YAML: nested too deeply' }]);
  }
  const errors = [
    ...doc.errors.map((e) => ({ offset: e.pos[0], message: e.message.split('\n')[0] ?? e.code })),
    ...(doc.errors.length === 0 ? duplicateKeys(doc).map((offset) => ({ offset, message: 'Map keys must be unique' })) : []),
  ];
  if (errors.length > 0) {
    throw new WorkflowError(
      file,
      errors.slice(0, MAX_LISTED_PROBLEMS).map((e) => {
        const pos = lineCounter.linePos(e.offset);
        return { line: pos.line, column: pos.col, path: '', message: `not valid YAML: ${e.message}` };
      }),
      errors.length,
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    throw new WorkflowError(file, [{ line: 1, column: 1, path: '', message: error instanceof RangeError ? 'nested too deeply' : error.message }]);
  }
  const result = workflowSchema.safeParse(value);
  if (!result.success) {
    let suggested = 0;
    const problems = result.error.issues.flatMap((issue): PathProblem[] => {
      const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        // Suggestions only for the problems that will be listed: each costs an edit distance per known field.
        return issue.keys.map((key) => ({ path: [...path, key], message: `unknown field ${excerpt(key)}${suggested++ < MAX_LISTED_PROBLEMS ? suggest(key) : ''}` }));
      }
      if (issue.code === 'invalid_key') return [{ path, message: issue.issues.map((i) => i.message).join('; ') }];
      if (issue.code === 'invalid_union' && issue.path.length > 0) return [{ path, message: 'has the wrong type' }];
      return [{ path, message: issue.message }];
    });
    throw new WorkflowError(file, locate(problems, doc, lineCounter), problems.length);
  }
  const workflow = result.data as ParsedWorkflow;
  const graphProblems = checkWorkflowGraph(workflow);
  if (graphProblems.length > 0) throw new WorkflowError(file, locate(graphProblems, doc, lineCounter), graphProblems.length);
  return workflow;
}

/** Lines and columns of the first problems (only those are listed; finding each costs a walk of the file). */
/**
 * Where a key repeats one before it in the same map. Scalar keys compare as the text they
 * become ("1" and 1 are the same key once parsed).
 */
function duplicateKeys(doc: Document): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) offsets.push(pair.key.range?.[0] ?? 0);
        seen.add(key);
      }
    },
  });
  return offsets;
}

function locate(problems: PathProblem[], doc: Document, lineCounter: LineCounter): WorkflowProblem[] {
  return problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => {
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

/** "did you mean" over bounded strings only: a long key gets no suggestion. */
function suggest(key: string): string {
  if (key.length > 32) return '';
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
