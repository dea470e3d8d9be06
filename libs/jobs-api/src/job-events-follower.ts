import { type JobEvent, jobEventSchema, streams } from '@cairn/contracts';
import { fanOut, followLive, type JetStreamRepository, type LiveSink, type NatsConnection } from '@cairn/adapters/nats';
import type { Logger } from '@cairn/logging';

/** What follows the job events: the read model of jobs (ADR 0017), the memory of list pages (ADR 0019). */
export type JobEventSink = LiveSink<JobEvent>;
export { fanOut };

/**
 * Keeps the read model fed from CAIRN_JOB_EVENTS for as long as the NATS connection lives:
 * the model answers only while a subscription is up (opened empty once the consumer exists,
 * closed when it ends, when the connection drops, or on an event it cannot read), so a
 * change it could have missed is never hidden behind a remembered record.
 */
export function followJobEvents(model: JobEventSink, nats: Pick<NatsConnection, 'status' | 'isClosed'>, jetstream: Pick<JetStreamRepository, 'followNew'>, logger: Logger): void {
  followLive(
    model,
    {
      subject: streams.jobEvents.subjects[0] ?? 'cairn.jobs.events.>',
      parse: (raw) => {
        const event = jobEventSchema.safeParse(raw);
        if (!event.success) throw new Error(`unreadable job event: ${event.error.issues[0]?.message ?? 'invalid'}`);
        return event.data;
      },
      following: 'read model: following the job events; GetJob and ListJobs are answered from memory when they can',
      stopped: 'read model: job events stopped; reads go to the scheduler until they resume',
    },
    nats,
    jetstream,
    logger,
  );
}
