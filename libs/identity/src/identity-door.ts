import { type Door, LoggingAuditSink } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import type { LoadedIdentity } from './identity-config';
import { IdentityAuthenticator } from './identity-authenticator';

/**
 * The gateway's door from its identity setting (read and checked at start, see
 * identitySettings): the authenticator built from it, and refusals logged (the durable
 * audit sink of the gateway replaces the logging one).
 */
export function identityDoor(settings: { identityConfig: LoadedIdentity }, logger: Logger): Door {
  const { config, mappingFile } = settings.identityConfig;
  logger.info({ issuers: config.issuers.map((issuer) => issuer.issuer), rules: config.mapping.map((rule) => rule.rule) }, 'identity configuration loaded');
  return { authenticator: new IdentityAuthenticator(config, mappingFile), audit: new LoggingAuditSink(logger.child({ context: 'Audit' })) };
}
