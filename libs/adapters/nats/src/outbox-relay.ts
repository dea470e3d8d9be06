import type { Logger } from '@cairn/logging';
import type { CairnError } from '@cairn/contracts';
import type { Outbox } from './jetstream.repository';

/** An outbox table's unsent rows, oldest first, and how to mark them sent. */
export interface OutboxRows<Row extends { id: string; seq: number }> {
  unpublished(limit: number): Promise<Row[]>;
  markPublished(ids: string[]): Promise<void>;
}

/** The JetStream operation a relay drives (JetStreamRepository.drainOutbox). */
export interface OutboxDrain<Row extends { id: string }> {
  drainOutbox(outbox: Outbox<Row>, batch?: number, onDropped?: (row: Row, error: CairnError) => void): Promise<void>;
}

/** What a relay sends for each row of its outbox. */
export interface OutboxRelayOptions<Row extends { id: string; seq: number }> {
  rows: OutboxRows<Row>;
  /** The record a row is an event of (a job or run id): the subject and message id derive from it. */
  owner(row: Row): string;
  subject(owner: string): string;
  data(row: Row): unknown;
  /** How logs name the owner (e.g. jobId) and an event (e.g. "job event"). */
  ownerField: string;
  what: string;
  /** Rows read and sent per batch. */
  batch?: number;
}

/**
 * The one relay from a capability's outbox table to its JetStream stream: publishes the
 * recorded events in order with message id `<owner>.<seq>` (the stream drops a repeat),
 * then marks them. An event too large for any message is logged and skipped.
 */
export class OutboxRelay<Row extends { id: string; seq: number }> {
  constructor(
    private readonly jetstream: NoInfer<OutboxDrain<Row>>,
    private readonly options: OutboxRelayOptions<Row>,
    private readonly logger?: Logger,
  ) {}

  tick(): Promise<void> {
    const { rows, owner, subject, data, ownerField, what } = this.options;
    return this.jetstream.drainOutbox(
      {
        unpublished: (limit) => rows.unpublished(limit),
        markPublished: (ids) => rows.markPublished(ids),
        message: (row) => ({ subject: subject(owner(row)), data: data(row), msgId: `${owner(row)}.${row.seq}` }),
      },
      this.options.batch ?? 500,
      (row, error) => this.logger?.error({ [ownerField]: owner(row), seq: row.seq, err: error.message }, `${what} too large to publish; skipped`),
    );
  }
}
