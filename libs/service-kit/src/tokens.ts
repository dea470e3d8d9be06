/** Injection tokens every service module provides. */
export const NATS = Symbol('cairn.nats');
export const SERVICE_CONFIG = Symbol('cairn.config');
