export { JobsApiModule } from './jobs-api.module';
export type { JobsApiOptions } from './jobs-api.module';
export { toSubmitCommand, toPbJob, toPbEvent, toListQuery, fromPbState, toPbState } from './job.mapper';
