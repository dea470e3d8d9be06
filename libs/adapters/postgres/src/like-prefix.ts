/**
 * The LIKE pattern of the values that start with `prefix`, taken literally: `%`, `_` and
 * `\` in it match themselves (PostgreSQL's default LIKE escape is the backslash).
 */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
}
