import { Code, ConnectError } from '@connectrpc/connect';

const CODE_WORDS: Partial<Record<Code, string>> = {
  [Code.NotFound]: 'not found',
  [Code.PermissionDenied]: 'not allowed',
  [Code.InvalidArgument]: 'invalid',
  [Code.Unauthenticated]: 'signed out',
  [Code.Unavailable]: 'Cairn could not be reached',
  [Code.ResourceExhausted]: 'limit reached',
  [Code.FailedPrecondition]: 'not possible now',
  [Code.DeadlineExceeded]: 'took too long',
};

/** An error as one plain sentence for the page: the server's own message, and what kind of refusal it was. */
export function errorText(error: unknown): string {
  if (error === null || error === undefined) return 'Something went wrong.';
  const e = ConnectError.from(error);
  const message = e.rawMessage.trim() || 'something went wrong';
  const word = CODE_WORDS[e.code];
  return word === undefined ? capitalise(message) : `${capitalise(message)} (${word}).`;
}

/** The gRPC code of an error, when it is one. */
export function errorCode(error: unknown): Code | undefined {
  return error instanceof ConnectError ? error.code : undefined;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
