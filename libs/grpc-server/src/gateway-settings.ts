import { join } from 'node:path';
import { z } from 'zod';
import { setting, watchSettings } from '@cairn/config';
import { siteName } from '@cairn/contracts';

/** The gateway's settings: docs/configuration.md, "gateway". */
export const gatewaySettings = {
  grpcAddress: setting(
    'CAIRN_GRPC_ADDRESS',
    z.string().regex(/^[^\s:]+:[0-9]{1,5}$/, 'expected host:port').default('127.0.0.1:50051'),
    'where the public gRPC API listens',
  ),
  defaultSite: setting('CAIRN_DEFAULT_SITE', siteName.default('dev'), 'site for jobs that name none'),
  protoDir: setting(
    'CAIRN_PROTO_DIR',
    // libs/grpc-server/src -> the checkout's proto/.
    z.string().startsWith('/').default(join(__dirname, '..', '..', '..', 'proto')),
    'directory of the .proto files (served by reflection)',
  ),
  tlsCertFile: setting('CAIRN_TLS_CERT_FILE', z.string().startsWith('/', 'expected an absolute path').optional(), "PEM file of the gRPC port's TLS certificate (chain)"),
  tlsKeyFile: setting('CAIRN_TLS_KEY_FILE', z.string().startsWith('/', 'expected an absolute path').optional(), 'PEM file of its private key (readable by its owner only)'),
  grpcPlaintext: setting(
    'CAIRN_GRPC_PLAINTEXT',
    z.enum(['true', 'false'], 'expected true or false').default('false').transform((v) => v === 'true'),
    'serve gRPC without TLS (local development only); otherwise the gateway refuses to start without a certificate',
  ),
  ...watchSettings,
};
