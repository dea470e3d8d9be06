import { CairnError, type ErrorCode } from '@cairn/contracts';

/** The code of the CairnError a promise rejects with; fails if it resolves or rejects otherwise. */
export async function errorCode(promise: Promise<unknown>): Promise<ErrorCode> {
  const error: unknown = await promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  if (!(error instanceof CairnError)) throw error;
  return error.code;
}
