import { subjects } from '@cairn/contracts';
import type { JetStreamRepository } from '@cairn/adapters/nats';
import type { Logger } from '@cairn/logging';
import type { WorkflowStore } from './workflow.store';

/** Publishes recorded workflow events to CAIRN_WORKFLOW_EVENTS, in order (message id <run>.<seq>). */
export class WorkflowEventPublisher {
  constructor(
    private readonly store: WorkflowStore,
    private readonly jetstream: JetStreamRepository,
    private readonly logger?: Logger,
  ) {}

  tick(): Promise<void> {
    return this.jetstream.drainOutbox({
      unpublished: (limit) => this.store.unpublished(limit),
      markPublished: (ids) => this.store.markPublished(ids),
      message: (row) => ({ subject: subjects.workflowEvents(row.run_id), data: row.payload, msgId: `${row.run_id}.${row.seq}` }),
    }, 500, (row, error) => this.logger?.error({ runId: row.run_id, seq: row.seq, err: error.message }, 'workflow event too large to publish; skipped'));
  }
}
