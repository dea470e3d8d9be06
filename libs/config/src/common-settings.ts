import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config.errors';
import { setting } from './load-config';
import { readSecretFile } from './secret-file';

const natsUrl = z
  .string()
  .regex(/^(nats|tls):\/\/[^\s,]+(,(nats|tls):\/\/[^\s,]+)*$/, 'expected nats://host:port (comma-separated for a cluster)');

const absolutePath = z.string().startsWith('/', 'expected an absolute path');

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

export const intIn = (min: number, max: number, fallback: number) =>
  z.coerce.number().int(`expected a whole number`).min(min).max(max).default(fallback);

/** Settings every Cairn service reads. */
export const commonSettings = {
  natsUrl: setting('CAIRN_NATS_URL', natsUrl.default('nats://127.0.0.1:4222'), 'NATS server URL(s)'),
  natsUser: setting('CAIRN_NATS_USER', z.string().min(1).optional(), 'NATS user name, if the server wants one'),
  natsPassword: setting('CAIRN_NATS_PASSWORD', z.string().min(1).optional(), 'NATS password (or CAIRN_NATS_PASSWORD_FILE)'),
  natsPasswordFile: setting(
    'CAIRN_NATS_PASSWORD_FILE',
    absolutePath.optional(),
    'file holding the NATS password (readable by its owner only), so no secret needs to be in the environment',
  ),
  natsCa: setting('CAIRN_NATS_CA', absolutePath.optional(), "PEM file of the CA that signed the NATS server's certificate (TLS)"),
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

/** How a service connects to NATS: URL(s), its user and password, the CA that signed the server. */
export interface NatsConnectSettings {
  url: string;
  user?: string;
  password?: string;
  ca?: string;
}

/**
 * The NATS connection settings, the password read from CAIRN_NATS_PASSWORD_FILE when that is
 * set (refused when others may read the file, or when CAIRN_NATS_PASSWORD is set too).
 */
export function natsConnectSettings(config: {
  natsUrl: string;
  natsUser?: string;
  natsPassword?: string;
  natsPasswordFile?: string;
  natsCa?: string;
}): NatsConnectSettings {
  if (config.natsPassword !== undefined && config.natsPasswordFile !== undefined) {
    throw new ConfigError('CAIRN_NATS_PASSWORD and CAIRN_NATS_PASSWORD_FILE are both set: set one (the file keeps the secret out of the environment)');
  }
  const password = config.natsPasswordFile === undefined ? config.natsPassword : readSecretFile('CAIRN_NATS_PASSWORD_FILE', config.natsPasswordFile);
  if (password !== undefined && config.natsUser === undefined) throw new ConfigError('a NATS password is set but CAIRN_NATS_USER is not');
  return { url: config.natsUrl, user: config.natsUser, password, ca: config.natsCa };
}
