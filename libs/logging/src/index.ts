export { createLogger, PinoNestLogger } from './logger';
export type { Logger } from './logger';
