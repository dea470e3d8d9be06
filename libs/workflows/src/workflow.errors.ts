/** One thing wrong with a workflow file, located in it. */
export interface WorkflowProblem {
  line: number;
  column: number;
  /** steps.train.resources.cpus, as in the file. */
  path: string;
  message: string;
}

/** A workflow file was refused: every problem, each with file, line, column and field. */
export class WorkflowError extends Error {
  override readonly name = 'WorkflowError';
  constructor(
    readonly file: string,
    readonly problems: WorkflowProblem[],
  ) {
    super(problems.map((p) => `${file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n'));
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    '',
  );
}
