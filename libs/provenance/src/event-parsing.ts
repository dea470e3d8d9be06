import { imageEventSchema, jobEventSchema, streams, workflowEventSchema } from '@cairn/contracts';
import type { BatchMessage } from '@cairn/adapters/nats';
import type { ProvEvent } from './event-mapping';

export type ProvStream = 'jobs' | 'workflows' | 'images';

/** The stream each kind of event comes from, with its durable consumer (subjects.ts). */
export const STREAM_NAMES: Record<ProvStream, string> = {
  jobs: streams.jobEvents.name,
  workflows: streams.workflowEvents.name,
  images: streams.imageEvents.name,
};

/** Why a message is not an event provenance can record. */
export interface Refusal {
  subject: string;
  seq: number;
  reason: string;
}

/**
 * A message of one of the three streams as the event it carries, with the id it is
 * recorded by (`<stream>:<job or run id>:<sequence>`, an image event by its stream
 * sequence), or why it is refused (not JSON, not the schema).
 */
export function parseEvent(stream: ProvStream, message: BatchMessage): ProvEvent | Refusal {
  const refuse = (reason: string): Refusal => ({ subject: message.subject.slice(0, 256), seq: message.seq, reason });
  if (message.undecodable !== undefined) return refuse('not JSON');
  const name = STREAM_NAMES[stream];
  const why = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) =>
    refuse(
      issues
        .slice(0, 3)
        .map((issue) => `${issue.path.map(String).join('.').slice(0, 128)}: ${issue.message.slice(0, 128)}`)
        .join('; '),
    );
  switch (stream) {
    case 'jobs': {
      const parsed = jobEventSchema.safeParse(message.data);
      if (!parsed.success) return why(parsed.error.issues);
      return { stream, id: `${name}:${parsed.data.jobId}:${parsed.data.sequence}`, event: parsed.data };
    }
    case 'workflows': {
      const parsed = workflowEventSchema.safeParse(message.data);
      if (!parsed.success) return why(parsed.error.issues);
      return { stream, id: `${name}:${parsed.data.runId}:${parsed.data.sequence}`, event: parsed.data };
    }
    case 'images': {
      const parsed = imageEventSchema.safeParse(message.data);
      if (!parsed.success) return why(parsed.error.issues);
      return { stream, id: `${name}:${message.seq}`, seq: message.seq, event: parsed.data };
    }
  }
}

export const isRefusal = (value: ProvEvent | Refusal): value is Refusal => 'reason' in value;
