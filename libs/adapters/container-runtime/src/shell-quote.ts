/** Quotes one word for POSIX sh: single quotes, with ' written as '\''. */
export function shellQuote(value: string): string {
  if (value.includes('\u0000')) throw new Error('a NUL byte cannot be quoted for the shell');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
