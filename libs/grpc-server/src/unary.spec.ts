import { type sendUnaryData, type ServerUnaryCall, type ServiceError, status } from '@grpc/grpc-js';
import { CairnError, ERROR_CODES } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';
import { strictMock } from '@cairn/testing';
import { unary } from './unary';

interface Req {
  name: string;
}
interface Res {
  greeting: string;
}

/** Calls the wrapped handler as grpc-js would and resolves to what it answered. */
function call(handler: (request: Req) => Promise<Res>, logger: Logger, request: Req) {
  return new Promise<{ error: Partial<ServiceError> | null; response?: Res | null }>((resolve) => {
    const callback: sendUnaryData<Res> = (error, response) => resolve({ error, response });
    unary(handler, logger)(strictMock<ServerUnaryCall<Req, Res>>({ request }, 'call'), callback);
  });
}

describe('unary', () => {
  let logged: unknown[][];
  let logger: Logger;

  beforeEach(() => {
    logged = [];
    logger = strictMock<Logger>({ error: (...args: unknown[]) => void logged.push(args) }, 'logger');
  });

  it('passes the request to the handler and its response to grpc-js', async () => {
    const seen: Req[] = [];
    const answer = await call(
      (request) => {
        seen.push(request);
        return Promise.resolve({ greeting: `hi ${request.name}` });
      },
      logger,
      { name: 'ada' },
    );
    expect(seen).toEqual([{ name: 'ada' }]);
    expect(answer).toEqual({ error: null, response: { greeting: 'hi ada' } });
    expect(logged).toEqual([]);
  });

  it('answers a domain error with its status and message, logging only INTERNAL ones', async () => {
    for (const code of ERROR_CODES) {
      logged = [];
      const error = new CairnError(code, `refused: ${code}`);
      const answer = await call(() => Promise.reject(error), logger, { name: 'x' });
      expect(answer.error).toMatchObject({ code: status[code], details: `refused: ${code}` });
      expect(logged).toEqual(code === 'INTERNAL' ? [[{ err: error }, 'request failed']] : []);
    }
  });

  it('answers anything else as INTERNAL without its text, and logs the original error', async () => {
    const secret = new Error('password=hunter2 at /etc/secret');
    const answer = await call(() => Promise.reject(secret), logger, { name: 'x' });
    expect(answer.error).toMatchObject({ code: status.INTERNAL, details: 'internal error', message: 'internal error' });
    expect(JSON.stringify(answer.error)).not.toContain('hunter2');
    expect(logged).toEqual([[{ err: secret }, 'request failed']]);
  });

  it('answers a handler that throws synchronously inside its async body the same way', async () => {
    const answer = await call(
      async () => {
        throw new CairnError('NOT_FOUND', 'no job abc');
      },
      logger,
      { name: 'x' },
    );
    expect(answer.error).toMatchObject({ code: status.NOT_FOUND, details: 'no job abc' });
  });
});
