import { Metadata, type sendUnaryData, type ServerUnaryCall, type ServiceError, status } from '@grpc/grpc-js';
import { CairnError, ERROR_CODES, type Principal } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';
import { ALICE, bearer, strictMock, testDoor } from '@cairn/testing';
import { unary } from './unary';

interface Req {
  name: string;
}
interface Res {
  greeting: string;
}

/** Calls the wrapped handler as grpc-js would and resolves to what it answered. */
function call(handler: (request: Req, caller: Principal, peer: string) => Promise<Res>, logger: Logger, request: Req, metadata = bearer(new Metadata()), door = testDoor()) {
  return new Promise<{ error: Partial<ServiceError> | null; response?: Res | null }>((resolve) => {
    const callback: sendUnaryData<Res> = (error, response) => resolve({ error, response });
    const grpcCall = strictMock<ServerUnaryCall<Req, Res>>({ request, metadata, getPeer: () => 'ipv4:127.0.0.1:5000', getPath: () => '/test.Test/Get' }, 'call');
    unary(handler, logger, door)(grpcCall, callback);
  });
}

describe('unary', () => {
  let logged: unknown[][];
  let logger: Logger;

  beforeEach(() => {
    logged = [];
    logger = strictMock<Logger>({ error: (...args: unknown[]) => void logged.push(args) }, 'logger');
  });

  it('passes the request, the authenticated caller and the peer to the handler and its response to grpc-js', async () => {
    const seen: unknown[] = [];
    const answer = await call(
      (request, caller, peer) => {
        seen.push(request, caller, peer);
        return Promise.resolve({ greeting: `hi ${request.name}` });
      },
      logger,
      { name: 'ada' },
    );
    expect(seen).toEqual([{ name: 'ada' }, ALICE, 'ipv4:127.0.0.1:5000']);
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

  it('never runs the handler without a valid bearer token: UNAUTHENTICATED, the refusal audited without the token', async () => {
    const basic = new Metadata();
    basic.set('authorization', 'Basic YWxpY2U6cHc=');
    const twice = bearer(new Metadata());
    twice.add('authorization', `Bearer ${'x'.repeat(20)}`);
    const cases: Array<[string, Metadata]> = [
      ['no authorization', new Metadata()],
      ['a wrong token', bearer(new Metadata(), 'forged.token.value')],
      ['not a bearer token', basic],
      ['two authorization headers', twice],
    ];
    for (const [what, metadata] of cases) {
      const door = testDoor();
      let ran = false;
      const answer = await call(
        () => {
          ran = true;
          return Promise.resolve({ greeting: 'in' });
        },
        logger,
        { name: 'x' },
        metadata,
        door,
      );
      expect({ what, code: answer.error?.code, ran }).toEqual({ what, code: status.UNAUTHENTICATED, ran: false });
      expect(door.refused).toEqual([expect.objectContaining({ rpc: '/test.Test/Get', outcome: 'UNAUTHENTICATED' })]);
      expect(JSON.stringify([answer.error?.details, door.refused])).not.toMatch(/forged|YWxpY2U6cHc/);
    }
  });
});
