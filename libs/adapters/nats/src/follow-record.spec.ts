import fc from 'fast-check';
import { followRecord } from './follow-record';

/** A stand-in stream of one subject: what it still holds, as JetStreamRepository gives it. */
function streamOf(held: number[]) {
  const asked: string[] = [];
  return {
    asked,
    lastOn: (stream: string, subject: string): Promise<unknown> => {
      asked.push(`lastOn ${stream} ${subject}`);
      return Promise.resolve(held.at(-1));
    },
    follow: async function* (subject: string, signal: AbortSignal): AsyncGenerator<unknown> {
      asked.push(`follow ${subject}`);
      for (const event of held) {
        if (signal.aborted) return;
        yield await Promise.resolve(event);
      }
    },
  };
}

async function collect(held: number[], finished: boolean, lastAt: number) {
  const jetstream = streamOf(held);
  const out: string[] = [];
  const options = {
    stream: 'S',
    subject: 'sub',
    finished,
    snapshot: () => ['snapshot'],
    next: (raw: unknown) => ({ message: `event ${String(raw)}`, last: raw === lastAt }),
  };
  for await (const message of followRecord(jetstream, options, new AbortController().signal)) out.push(message);
  return { out, asked: jetstream.asked };
}

describe('followRecord', () => {
  it('streams the recorded changes from the first up to and including the last, live or finished', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 5 }), fc.boolean(), async (count, extra, finished) => {
        const held = Array.from({ length: count + extra }, (_, i) => i + 1);
        const { out } = await collect(held, finished, count);
        expect(out).toEqual(Array.from({ length: count }, (_, i) => `event ${i + 1}`));
      }),
      { numRuns: 60 },
    );
  });

  it('gives a finished record whose changes expired its snapshot, and never follows it', async () => {
    const { out, asked } = await collect([], true, 1);
    expect(out).toEqual(['snapshot']);
    expect(asked).toEqual(['lastOn S sub']);
  });

  it('follows a live record without asking for its last change', async () => {
    const { out, asked } = await collect([1], false, 1);
    expect(out).toEqual(['event 1']);
    expect(asked).toEqual(['follow sub']);
  });

  it('ends when the watch is cancelled', async () => {
    const jetstream = streamOf([1, 2, 3]);
    const abort = new AbortController();
    const out: unknown[] = [];
    const options = { stream: 'S', subject: 'sub', finished: false, snapshot: () => [], next: (raw: unknown) => ({ message: raw, last: false }) };
    for await (const message of followRecord(jetstream, options, abort.signal)) {
      out.push(message);
      abort.abort();
    }
    expect(out).toEqual([1]);
  });
});
