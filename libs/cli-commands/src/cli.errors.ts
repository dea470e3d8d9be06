/** Bad usage found after parsing (an unknown loop or metric, too few runs): exit 2, one line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
