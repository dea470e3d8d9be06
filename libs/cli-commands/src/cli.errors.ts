/** Bad usage found after parsing (an unknown loop or metric, too few runs): exit 2, one line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit code of a command that needs a login it does not have (as `gh` does). */
export const EXIT_NOT_LOGGED_IN = 4;

/** No usable token (none cached, expired and not refreshable, refused by the gateway): exit 4, run `cairn login`. */
export class NotLoggedInError extends Error {
  override readonly name = 'NotLoggedInError';
}
