import type { JetStreamRepository } from './jetstream.repository';

/** How to turn one record's event subject into what a watch streams. */
export interface FollowRecordOptions<Message> {
  stream: string;
  subject: string;
  /** The record has already reached a final state. */
  finished: boolean;
  /** What to stream instead when the record is finished and its changes have expired from the stream. */
  snapshot(): Iterable<Message>;
  /** One recorded change as streamed, and whether it is the record's last. */
  next(raw: unknown): { message: Message; last: boolean };
}

/**
 * The one watch loop of a record (a job, a run): every recorded change on its subject from
 * the first, then the live ones, until the last; the same whether the record is live or
 * finished. A finished record whose changes expired (after the stream's max age) gets its
 * snapshot. Aborting the signal ends the loop and frees the consumer.
 */
export async function* followRecord<Message>(
  jetstream: Pick<JetStreamRepository, 'follow' | 'lastOn'>,
  options: FollowRecordOptions<Message>,
  signal: AbortSignal,
): AsyncGenerator<Message> {
  if (options.finished && (await jetstream.lastOn(options.stream, options.subject)) === undefined) {
    yield* options.snapshot();
    return;
  }
  for await (const raw of jetstream.follow(options.subject, signal)) {
    const { message, last } = options.next(raw);
    yield message;
    if (last) return;
  }
}
