import { schedulerTimeouts, type SchedulerTimeouts } from '@cairn/config';
import { type ListAuditQuery, listAuditReply, subjects } from '@cairn/contracts';
import type { SchedulerRequester } from './jobs.client';

/** The scheduler's audit log as a typed client over NATS (admins only; the scheduler checks). */
export class AuditClient {
  constructor(
    private readonly requester: SchedulerRequester,
    private readonly timeouts: SchedulerTimeouts = schedulerTimeouts,
  ) {}

  list(query: ListAuditQuery) {
    return this.requester.request(subjects.scheduler.listAudit, query, listAuditReply, this.timeouts.listAudit);
  }
}
