/** Injection token of the service's root pino logger; use `logger.child({ context })`. */
export const LOGGER = Symbol('cairn.logger');
