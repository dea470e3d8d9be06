export { jobsBinding } from './jobs-binding';
export type { JobsApiOptions } from './jobs-binding';
export { toSubmitCommand, toPbJob, toPbEvent, toListQuery, fromPbState, toPbState } from './job.mapper';
export { JobReadModel, READ_MODEL_CONFIRM_MS, READ_MODEL_MAX_CHARS, READ_MODEL_MAX_ENTRIES } from './job-read-model';
export type { ReadMark } from './job-read-model';
export { JobListMemory, listThrough, LIST_MEMORY_CONFIRM_MS, LIST_MEMORY_MAX_CHARS, LIST_MEMORY_MAX_PAGES } from './job-list-memory';
export type { ListMark, ListPage, ListPageQuery } from './job-list-memory';
