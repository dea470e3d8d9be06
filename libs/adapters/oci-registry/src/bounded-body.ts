import { CairnError } from '@cairn/contracts';

/**
 * The body of `response`, at most `limit` bytes: a longer one (by Content-Length or as it
 * streams) is cancelled and refused with RESOURCE_EXHAUSTED naming `what`.
 */
export async function readBounded(response: Response, limit: number, what: string): Promise<Buffer> {
  const tooLarge = () => new CairnError('RESOURCE_EXHAUSTED', `${what} is larger than ${limit} bytes`);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/** Drops a body not needed (so the connection is freed), ignoring errors. */
export async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
