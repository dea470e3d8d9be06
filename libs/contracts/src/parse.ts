import type { z } from 'zod';
import { CairnError } from './errors';

/** Renders zod issues as "field.path: message; ..." with array indexes as [i]. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], root = ''): string {
  return issues
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
        root,
      );
      // A bad record key (e.g. an env name) carries its own issues: say those, not "Invalid key".
      const message =
        issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join('; ') : issue.message;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}

/** Validates a value at a boundary; throws INVALID_ARGUMENT naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new CairnError('INVALID_ARGUMENT', formatIssues(result.error.issues, root));
  return result.data;
}
