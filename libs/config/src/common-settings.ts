import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { setting } from './load-config';

const natsUrl = z
  .string()
  .regex(/^(nats|tls):\/\/[^\s,]+(,(nats|tls):\/\/[^\s,]+)*$/, 'expected nats://host:port (comma-separated for a cluster)');

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

export const intIn = (min: number, max: number, fallback: number) =>
  z.coerce.number().int(`expected a whole number`).min(min).max(max).default(fallback);

/** Settings every Cairn service reads. */
export const commonSettings = {
  natsUrl: setting('CAIRN_NATS_URL', natsUrl.default('nats://127.0.0.1:4222'), 'NATS server URL(s)'),
  natsUser: setting('CAIRN_NATS_USER', z.string().min(1).optional(), 'NATS user name, if the server wants one'),
  natsPassword: setting('CAIRN_NATS_PASSWORD', z.string().min(1).optional(), 'NATS password'),
  natsMaxConcurrentRequests: setting(
    'CAIRN_NATS_MAX_CONCURRENT_REQUESTS',
    intIn(1, 100_000, 64),
    'most NATS requests this service handles at once; more wait in the NATS client until one finishes',
  ),
  logLevel: setting('CAIRN_LOG_LEVEL', logLevel.default('info'), 'log level'),
  dataDir: setting(
    'CAIRN_DATA_DIR',
    z.string().startsWith('/', 'expected an absolute path').default(join(homedir(), '.local', 'share', 'cairn')),
    'where embedded state lives (PGlite databases, agent work files)',
  ),
};

/** Settings of services that own tables. */
export const databaseSettings = {
  databaseUrl: setting(
    'CAIRN_DATABASE_URL',
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected postgres://user:password@host:port/database')
      .optional(),
    'PostgreSQL URL; unset means an embedded PostgreSQL (PGlite) under CAIRN_DATA_DIR',
  ),
};
