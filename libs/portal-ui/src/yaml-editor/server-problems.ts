import { type EditorProblem, ProblemLocator } from './workflow-problems';
import { lineStarts, offsetAt } from './text-positions';

/** A refusal's message, split: problems at a line and column, and the rest. */
export interface ServerProblems {
  located: EditorProblem[];
  /** Lines that name no place in the file ("site: unknown site ...", "and 3 more problems"). */
  general: string[];
}

/**
 * The workflow service refuses an invalid file with INVALID_ARGUMENT and a message of one
 * line per problem, `<file>:<line>:<column>: <field>: <message>` (libs/workflow-language,
 * WorkflowError), at most 20 of them, then `<file>: and N more problems`. File names hold
 * letters, digits, ".", "-", "_" and "/" only, so the first ":<digits>:<digits>: " ends it.
 * Each located problem is placed in `text` (clamped to it: a stale line number still lands
 * inside the document); everything else is kept as it was said.
 */
export function serverProblems(message: string, text: string): ServerProblems {
  const locate = new ProblemLocator(text);
  const starts = lineStarts(text);
  const located: EditorProblem[] = [];
  const general: string[] = [];
  for (const raw of message.split('\n')) {
    const line = raw.trimEnd();
    if (line === '') continue;
    const m = /^[A-Za-z0-9._/-]*:(\d{1,9}):(\d{1,9}): (.*)$/.exec(line);
    if (!m) {
      general.push(line.replace(/^[A-Za-z0-9._/-]+: (?=and \d+ more problem)/, ''));
      continue;
    }
    const from = offsetAt(starts, text.length, Number(m[1]), Number(m[2]));
    const end = text.indexOf('\n', from);
    const to = Math.min(end === -1 ? text.length : end, from + Math.max(1, wordLength(text, from)));
    located.push(locate.at([from, to], m[3] ?? '', 'server'));
  }
  return { located, general };
}

/** How far the token at `from` runs (to the next space, colon or line end), to underline it. */
function wordLength(text: string, from: number): number {
  const m = /^[^\s:,{}[\]]+/.exec(text.slice(from, from + 256));
  return m ? m[0].length : 0;
}
