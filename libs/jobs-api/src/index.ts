export { jobsBinding } from './jobs-binding';
export type { JobsApiOptions } from './jobs-binding';
export { toSubmitCommand, toPbJob, toPbEvent, toListQuery, fromPbState, toPbState } from './job.mapper';
