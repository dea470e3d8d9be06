import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  jobIdQuery,
  jobOutputQuery,
  listJobsQuery,
  parseOrThrow,
  runsInfoQuery,
  submitJobsCommand,
  jobsByIdQuery,
  subjects,
  usageQuery,
} from '@cairn/contracts';
import { JobService } from './job.service';
import { RunsInfo } from './runs-info';
import { SubmitMany } from './submit-many';

/** The scheduler's request/reply API for jobs (used by the gateway), and which runs are live (used by the images service). */
@Controller()
export class JobsNatsController {
  constructor(
    private readonly jobs: JobService,
    private readonly runs: RunsInfo,
    private readonly many: SubmitMany,
  ) {}

  @MessagePattern(subjects.scheduler.submitJob)
  submit(@Payload() payload: unknown) {
    return this.many.one(payload);
  }

  @MessagePattern(subjects.scheduler.submitJobs)
  async submitMany(@Payload() payload: unknown) {
    return { results: await this.many.answer(parseOrThrow(submitJobsCommand, payload).items) };
  }

  @MessagePattern(subjects.scheduler.getJob)
  async get(@Payload() payload: unknown) {
    const query = parseOrThrow(jobIdQuery, payload);
    return { job: await this.jobs.get(query.jobId, query) };
  }

  @MessagePattern(subjects.scheduler.jobsById)
  async byIds(@Payload() payload: unknown) {
    return this.jobs.byIds(parseOrThrow(jobsByIdQuery, payload).jobIds);
  }

  @MessagePattern(subjects.scheduler.listJobs)
  list(@Payload() payload: unknown) {
    return this.jobs.list(parseOrThrow(listJobsQuery, payload));
  }

  @MessagePattern(subjects.scheduler.cancelJob)
  async cancel(@Payload() payload: unknown) {
    const query = parseOrThrow(jobIdQuery, payload);
    return { job: await this.jobs.cancel(query.jobId, query) };
  }

  @MessagePattern(subjects.scheduler.jobOutput)
  output(@Payload() payload: unknown) {
    const query = parseOrThrow(jobOutputQuery, payload);
    return this.jobs.output(query.jobId, query.stream, { maxBytes: query.maxBytes, offset: query.offset, end: query.end }, query);
  }

  @MessagePattern(subjects.scheduler.jobUsage)
  usage(@Payload() payload: unknown) {
    return this.jobs.usage(parseOrThrow(usageQuery, payload));
  }

  @MessagePattern(subjects.scheduler.runsInfo)
  runsInfo(@Payload() payload: unknown) {
    return this.runs.of(parseOrThrow(runsInfoQuery, payload).runIds);
  }
}
