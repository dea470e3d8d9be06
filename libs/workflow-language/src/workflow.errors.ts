import { excerpt } from '@cairn/contracts';

/** One thing wrong with a workflow file, located in it. */
export interface WorkflowProblem {
  line: number;
  column: number;
  /** steps.train.resources.cpus, as in the file. */
  path: string;
  message: string;
}

/** A problem found after parsing, by path; parseWorkflow locates it in the file. */
export interface PathProblem {
  path: (string | number)[];
  message: string;
}

/** A refusal lists at most this many problems (the rest are counted), each message bounded. */
export const MAX_LISTED_PROBLEMS = 20;
const MAX_MESSAGE_CHARS = 300;

/**
 * A workflow file was refused: its problems, each with file, line, column and field. The
 * message stays small whatever the file holds: at most MAX_LISTED_PROBLEMS problems, each
 * message and field cut to a bounded excerpt.
 */
export class WorkflowError extends Error {
  override readonly name = 'WorkflowError';
  readonly problems: WorkflowProblem[];
  constructor(
    readonly file: string,
    problems: WorkflowProblem[],
    /** How many problems there are in all, when `problems` lists only the first. */
    total = problems.length,
  ) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => ({ ...p, message: cut(p.message, MAX_MESSAGE_CHARS) }));
    const more = Math.max(total, problems.length) - listed.length;
    super(
      [
        ...listed.map((p) => `${file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`),
        ...(more > 0 ? [`${file}: and ${more} more problem${more === 1 ? '' : 's'}`] : []),
      ].join('\n'),
    );
    this.problems = listed;
  }
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

const PLAIN_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/** steps.train.env["odd key"] — a key that is not a plain name is quoted as a bounded excerpt. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    const name = String(key);
    if (!PLAIN_KEY.test(name)) return `${acc}[${excerpt(name)}]`;
    return acc ? `${acc}.${name}` : name;
  }, '');
}
