import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials, type ServiceError } from '@grpc/grpc-js';
import { pb } from '@cairn/contracts';
import { channelCredentials } from './client-options';
import { JobsClient } from './jobs.client';

const JOB = '3f1c2a9e-0000-4000-8000-000000000004';

/** A CA and a server certificate it signed (127.0.0.1), by the dev cluster's script (the harness would import this lib). */
function makeTestCa(dir: string): { file: string; serverCert: string; serverKey: string } {
  const script = join(__dirname, '..', '..', '..', 'tools', 'tls', 'make-certs.sh');
  const result = spawnSync('bash', [script, dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`make-certs.sh failed: ${result.stderr}`);
  return { file: join(dir, 'ca.pem'), serverCert: join(dir, 'server.pem'), serverKey: join(dir, 'server.key') };
}

describe('ClientOptions.ca [real: grpc-js server over TLS with a private CA]', () => {
  let server: Server;
  let address: string;
  let dir: string;
  let ca: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'client-tls-'));
    const tls = makeTestCa(join(dir, 'tls'));
    ca = readFileSync(tls.file);
    server = new Server();
    server.addService(pb.JobServiceService, {
      getJob: (_call: unknown, callback: (e: ServiceError | null, r: pb.GetJobResponse) => void) => callback(null, { job: pb.Job.fromPartial({ jobId: JOB }) }),
    });
    const credentials = ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(tls.serverCert), private_key: readFileSync(tls.serverKey) }]);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
    address = `127.0.0.1:${port}`;
  });

  afterAll(() => {
    server?.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes TLS channel credentials with a CA, plaintext ones without', () => {
    expect(channelCredentials({ ca })._isSecure()).toBe(true);
    expect(channelCredentials({})._isSecure()).toBe(false);
  });

  it('reaches a gateway whose certificate the CA signed', async () => {
    const client = new JobsClient(address, { ca });
    try {
      expect((await client.getJob(JOB)).jobId).toBe(JOB);
    } finally {
      client.close();
    }
  });

  it('cannot reach it in plaintext, nor over TLS trusting another CA', async () => {
    const other = readFileSync(makeTestCa(join(dir, 'other')).file);
    for (const options of [{}, { ca: other }]) {
      const client = new JobsClient(address, options);
      try {
        await expect(client.getJob(JOB)).rejects.toMatchObject({ codeName: 'UNAVAILABLE' });
      } finally {
        client.close();
      }
    }
  });
});
