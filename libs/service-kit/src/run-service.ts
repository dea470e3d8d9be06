import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { commonSettings, ConfigError, loadConfig, natsConnectSettings, type SettingsDef, type SettingsOf } from '@cairn/config';
import { connectNats, NatsRpcTransport, type NatsConnection } from '@cairn/adapters/nats';
import { createLogger, type Logger, PinoNestLogger } from '@cairn/logging';
import { subjects } from '@cairn/contracts';
import { RethrowRpcFilter } from './rethrow-rpc.filter';

type Common = SettingsOf<typeof commonSettings>;

export interface ServiceContext<C> {
  config: C & Common;
  nats: NatsConnection;
  logger: Logger;
}

export interface ServiceDefinition<D extends SettingsDef> {
  service: string;
  settings: D;
  module: (ctx: ServiceContext<SettingsOf<D>>) => DynamicModule | Promise<DynamicModule>;
  /** Maps @MessagePattern patterns to subjects (the agent puts its site in). */
  subjectFor?: (pattern: string, config: SettingsOf<D> & Common) => string;
  /** Subjects answering health probes; default `cairn.health.<service>`. */
  healthSubjects?: (config: SettingsOf<D> & Common) => string[];
}

/**
 * Boots a Cairn service: validated config (one clear line and exit 2 when invalid), a JSON
 * logger, one NATS connection, the Nest module with its NATS handlers, and a graceful
 * shutdown on SIGTERM/SIGINT.
 */
export async function runService<D extends SettingsDef>(def: ServiceDefinition<D>): Promise<void> {
  let config: SettingsOf<D> & Common;
  try {
    config = loadConfig({ ...commonSettings, ...def.settings }) as SettingsOf<D> & Common;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`cairn-${def.service}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(def.service, config.logLevel);
  try {
    const nats = await connectNats({ ...natsConnectSettings(config), name: `cairn-${def.service}` });
    const ctx: ServiceContext<SettingsOf<D>> = { config, nats, logger };
    const subjectFor = def.subjectFor;
    const strategy = new NatsRpcTransport(nats, {
      queue: `cairn-${def.service}`,
      service: def.service,
      logger,
      subjectFor: subjectFor ? (pattern) => subjectFor(pattern, config) : undefined,
      healthSubjects: def.healthSubjects?.(config) ?? [subjects.health(def.service)],
      maxConcurrentRequests: config.natsMaxConcurrentRequests,
    });
    const app = await NestFactory.createMicroservice(await def.module(ctx), {
      strategy,
      logger: new PinoNestLogger(logger),
      bufferLogs: false,
    });
    app.useGlobalFilters(new RethrowRpcFilter());
    await app.listen();
    nats.closed().then(() => logger.info('NATS connection closed'), () => undefined);
    logger.info({ nats: config.natsUrl }, `cairn-${def.service} ready`);
    // Graceful: Nest runs every onModuleDestroy (consumers stop, loops finish), then NATS drains.
    const stop = async (signal: string) => {
      logger.info({ signal }, 'shutting down');
      await app.close();
      await nats.drain().catch(() => undefined);
      process.exit(0);
    };
    process.once('SIGTERM', (s) => void stop(s));
    process.once('SIGINT', (s) => void stop(s));
  } catch (error) {
    // A setting found wrong only while starting (e.g. the agent's job user): one line, exit 2.
    if (error instanceof ConfigError) {
      process.stderr.write(`cairn-${def.service}: ${error.message}\n`);
      process.exit(2);
    }
    logger.fatal({ err: error }, `cairn-${def.service} failed to start: ${(error as Error).message}`);
    process.exit(1);
  }
}
