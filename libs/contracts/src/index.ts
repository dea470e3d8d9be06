/** Generated protobuf types and the grpc-js service definition (ts-proto; never edit). */
export * as pb from './pb';
export { subjects, streams, consumers, provenanceConsumers } from './subjects';
export {
  agentGrant,
  agentGrantTemplate,
  agentNatsUser,
  MONITOR_NATS_USER,
  monitorGrant,
  NATS_SERVICES,
  NATS_USER_PATTERN,
  natsGrants,
  natsGrantsDocument,
  natsInboxPrefix,
  natsPasswordVariable,
  serviceGrant,
  serviceNatsUser,
  SITE_PLACEHOLDER,
  streamReaderSubjects,
} from './nats-permissions';
export type { NatsPermissions, NatsService, NatsUserGrant } from './nats-permissions';
export { CairnError, denied, ERROR_CODES, exhausted, invalid, notFound, unauthenticated } from './errors';
export * from './identity';
export type { ErrorCode } from './errors';
export { JOB_STATES, FINAL_STATES, canTransition, isFinal, jobStateSchema } from './job-state';
export type { JobState } from './job-state';
export { absolutePath, JOB_DEFAULTS, JOB_LIMITS, jobSpecSchema, publicJobSpecSchema, jobTextBytes, resourcesSchema, RUN_PATH, runPath, workflowRunDirSchema } from './job-spec';
export type { JobSpec, Resources, WorkflowRunDir } from './job-spec';
export {
  controlIndex,
  describeControl,
  excerpt,
  EXCERPT_CHARS,
  hasOwnKey,
  imageReference,
  IMAGE_REFERENCE,
  ownValue,
  replaceControls,
  safeText,
  shortText,
  SITE_PATTERN,
  siteName,
  token,
  userRecord,
  uuid,
  UUID_PATTERN,
} from './validation';
export {
  DOCKER_HUB,
  ImageReferenceError,
  imageReferenceProblem,
  MAX_IMAGE_REFERENCE_CHARS,
  parseImageReference,
  pinnedImageReference,
} from './image-reference';
export type { ImageReference, ImageReferenceOptions } from './image-reference';
export { globSegmentMatcher, isGlobPattern, parseGlobSegment } from './glob-segment';
export type { GlobToken, StepCounter } from './glob-segment';
export { formatIssues, parseOrThrow } from './parse';
export * from './messages';
export * from './workflow-records';
export * from './template-messages';
export { callerFields } from './caller';
export type { Called } from './caller';
export * from './audit';
export { RPC } from './rpc-names';
export { decodePageToken, encodePageToken } from './page-token';
export type { PageCursor } from './page-token';
export { jsonBytes, pageWithin, rowsWithin } from './page-budget';
export * from './provenance-facts';
export * from './provenance-messages';
export * from './image-messages';
