import { CairnError, describeControl, type ErrorCode } from '@cairn/contracts';

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

/**
 * Runs `run`, which may return or refuse. A refusal must be a clear one: a CairnError with
 * `code`, a message of at most `maxLength` characters, and no control character in it.
 */
export function checkClearRefusal(run: () => unknown, maxLength: number, code: ErrorCode = 'INVALID_ARGUMENT'): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof CairnError)) throw error;
    if (error.code !== code) throw new Error(`expected ${code}, got ${error.code}: ${error.message.slice(0, 200)}`);
    if (error.message.length > maxLength) throw new Error(`message of ${error.message.length} characters (at most ${maxLength})`);
    const control = describeControl(error.message);
    if (control !== undefined) throw new Error(`message holds ${control}`);
  }
}

/** "<CODE>: <message>" of the CairnError `run` throws; fails if it returns or throws anything else. */
export function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof CairnError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('not refused');
}
