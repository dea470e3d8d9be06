export { runService } from './run-service';
export type { ServiceContext, ServiceDefinition } from './run-service';
export { PeriodicLoop } from './periodic-loop';
export type { Wakeable } from './wakeable';
