import { GatewayError } from '@cairn/client';

/** The refusal a gateway call ends with (its gRPC status name and message), or a failure if it succeeds. */
export async function refusal(call: () => Promise<unknown>): Promise<GatewayError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected the call to be refused');
}
