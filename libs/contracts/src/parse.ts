import type { z } from 'zod';
import { CairnError } from './errors';
import { excerpt } from './validation';

/** An error lists at most this many issues (then how many more), each message bounded. */
const MAX_LISTED_ISSUES = 20;
const MAX_ISSUE_CHARS = 300;
const PLAIN_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Renders zod issues as "field.path: message; ..." with array indexes as [i]. Bounded
 * whatever the input: a key that is not a plain name is quoted as an excerpt, a message is
 * cut, and only the first issues are listed.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], root = ''): string {
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => {
    const path = issue.path.reduce<string>((acc, key) => {
      if (typeof key === 'number') return `${acc}[${key}]`;
      const name = String(key);
      if (!PLAIN_KEY.test(name)) return `${acc}[${excerpt(name)}]`;
      return acc ? `${acc}.${name}` : name;
    }, root);
    // A bad record key (e.g. an env name) carries its own issues: say those, not "Invalid key".
    let message = issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join('; ') : issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.slice(0, 5).map((k) => excerpt(k)).join(', ')}`;
    if (message.length > MAX_ISSUE_CHARS) message = `${message.slice(0, MAX_ISSUE_CHARS)}…`;
    return path ? `${path}: ${message}` : message;
  });
  const more = issues.length - listed.length;
  return [...listed, ...(more > 0 ? [`and ${more} more problem${more === 1 ? '' : 's'}`] : [])].join('; ');
}

/** Validates a value at a boundary; throws INVALID_ARGUMENT naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new CairnError('INVALID_ARGUMENT', formatIssues(result.error.issues, root));
  return result.data;
}
