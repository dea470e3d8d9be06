import { type NatsRequester, writingRun } from '@cairn/adapters/nats';
import { schedulerTimeouts } from '@cairn/config';
import {
  deleteTemplateReply,
  type ListTemplatesQuery,
  listTemplatesReply,
  type PublishTemplateCommand,
  type RunTemplateCommand,
  type RunTemplateReply,
  runTemplateReply,
  subjects,
  type TemplateNameQuery,
  type TemplateRecord,
  templateReply,
} from '@cairn/contracts';

/**
 * How long the gateway waits for the scheduler's template replies, in ms. A run waits for
 * the workflow submission the scheduler makes on its behalf: longer than that one.
 */
export const templateTimeouts = {
  read: 10_000,
  publish: 30_000,
  delete: 10_000,
  run: schedulerTimeouts.submitWorkflow + 15_000,
} as const;

/** The scheduler's template service as a typed client over NATS. */
export class TemplatesClient {
  constructor(private readonly requester: Pick<NatsRequester, 'request'>) {}

  list(query: ListTemplatesQuery) {
    return this.requester.request(subjects.scheduler.listTemplates, query, listTemplatesReply, templateTimeouts.read);
  }

  async get(query: TemplateNameQuery): Promise<TemplateRecord> {
    return (await this.requester.request(subjects.scheduler.getTemplate, query, templateReply, templateTimeouts.read)).template;
  }

  async publish(command: PublishTemplateCommand): Promise<TemplateRecord> {
    return (await this.requester.request(subjects.scheduler.publishTemplate, command, templateReply, templateTimeouts.publish)).template;
  }

  async delete(query: TemplateNameQuery): Promise<void> {
    await this.requester.request(subjects.scheduler.deleteTemplate, query, deleteTemplateReply, templateTimeouts.delete);
  }

  run(command: RunTemplateCommand): Promise<RunTemplateReply> {
    // A new run: this gateway's read memory of runs forgets the pages it makes stale before the reply (ADR 0019).
    return writingRun(undefined, () => this.requester.request(subjects.scheduler.runTemplate, command, runTemplateReply, templateTimeouts.run), (reply) => reply.workflow?.runId);
  }
}
