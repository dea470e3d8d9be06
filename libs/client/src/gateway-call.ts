import { type ClientReadableStream, Metadata, type ServiceError, status } from '@grpc/grpc-js';

/** An error from the gateway: its gRPC status name and the message it sent. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(message);
  }
}

/** A grpc-js error as a GatewayError ("gateway unreachable" when there is nothing better to say). */
export function wrap(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const { code, details, message } = error as Partial<ServiceError>;
  if (typeof code !== 'number') return new GatewayError(status.UNKNOWN, 'UNKNOWN', message || String(error));
  const codeName = status[code] ?? String(code);
  return new GatewayError(code, codeName, code === status.UNAVAILABLE && !details ? 'gateway unreachable' : details || message || codeName);
}

export type UnaryMethod<Req, Res> = (req: Req, md: Metadata, opts: object, cb: (e: ServiceError | null, r: Res) => void) => unknown;

/** Calls a grpc-js unary method as a promise, with a deadline; errors as GatewayError. */
export function callUnary<Req, Res>(
  client: object,
  method: UnaryMethod<Req, Res>,
  request: Req,
  deadlineMs: number,
  metadata: Metadata = new Metadata(),
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, { deadline: Date.now() + deadlineMs }, (error, response) =>
      error ? reject(wrap(error)) : resolve(response),
    );
  });
}

/**
 * A server stream as an async iterator: it ends when the server ends the stream or when
 * `signal` aborts (quietly), and throws a GatewayError when the stream fails. Leaving the
 * loop early cancels the call. An error of `open` itself (no token) is thrown as is.
 */
export async function* readStream<T>(open: () => ClientReadableStream<T> | Promise<ClientReadableStream<T>>, signal?: AbortSignal): AsyncGenerator<T> {
  if (signal?.aborted) return;
  const stream = await open();
  if (signal?.aborted) {
    stream.cancel();
    return;
  }
  const cancel = () => stream.cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    for await (const message of stream) yield message as T;
  } catch (error) {
    if ((error as Partial<ServiceError>).code === status.CANCELLED && signal?.aborted) return;
    throw wrap(error);
  } finally {
    signal?.removeEventListener('abort', cancel);
    stream.cancel();
  }
}

/** The message a response carries, or a clear error when the gateway left it out. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new GatewayError(status.INTERNAL, 'INTERNAL', `the gateway returned no ${what}`);
  return value;
}
