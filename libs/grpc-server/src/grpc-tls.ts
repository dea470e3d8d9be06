import { readFileSync } from 'node:fs';
import { ServerCredentials } from '@grpc/grpc-js';
import { ConfigError, readSecretFile } from '@cairn/config';

/** How the gateway's gRPC port speaks: TLS with a certificate and key (PEM), or plaintext. */
export type GrpcTransport = { tls: { cert: Buffer; key: Buffer } } | { plaintext: true };

/** The gateway's TLS settings, as gatewaySettings reads them. */
export interface GrpcTlsSettings {
  tlsCertFile?: string;
  tlsKeyFile?: string;
  grpcPlaintext: boolean;
}

const HOW = 'set CAIRN_TLS_CERT_FILE and CAIRN_TLS_KEY_FILE (PEM), or CAIRN_GRPC_PLAINTEXT=true for local development only';

/**
 * TLS unless plaintext is asked for explicitly. Refuses (ConfigError, one line naming the
 * settings) a gateway with no certificate, half a pair, both a certificate and plaintext,
 * or a key file others may read.
 */
export function grpcTransport(settings: GrpcTlsSettings): GrpcTransport {
  const { tlsCertFile: certFile, tlsKeyFile: keyFile, grpcPlaintext } = settings;
  if (grpcPlaintext) {
    if (certFile !== undefined || keyFile !== undefined) throw new ConfigError(`CAIRN_GRPC_PLAINTEXT=true and a TLS certificate are both set: ${HOW}`);
    return { plaintext: true };
  }
  if (certFile === undefined && keyFile === undefined) throw new ConfigError(`the gateway serves gRPC over TLS and has no certificate: ${HOW}`);
  if (certFile === undefined || keyFile === undefined) throw new ConfigError(`${certFile === undefined ? 'CAIRN_TLS_CERT_FILE' : 'CAIRN_TLS_KEY_FILE'} is unset: ${HOW}`);
  let cert: Buffer;
  try {
    cert = readFileSync(certFile);
  } catch (error) {
    throw new ConfigError(`CAIRN_TLS_CERT_FILE: cannot read ${certFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!cert.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`CAIRN_TLS_CERT_FILE: ${certFile} holds no PEM certificate`);
  const key = Buffer.from(readSecretFile('CAIRN_TLS_KEY_FILE', keyFile));
  return { tls: { cert, key } };
}

/** grpc-js server credentials for a transport (a key that does not match its certificate fails at bind). */
export function serverCredentials(transport: GrpcTransport): ServerCredentials {
  if ('plaintext' in transport) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(null, [{ cert_chain: transport.tls.cert, private_key: transport.tls.key }], false);
}
