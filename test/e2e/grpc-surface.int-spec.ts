import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ChannelCredentials, credentials, loadPackageDefinition, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { callMetadata } from '@cairn/client';
import { type CairnStack, startCairnStack, WORKSPACE } from '@cairn/testing';

const PROTO_DIR = join(WORKSPACE, 'proto');

type Callback<T> = (error: ServiceError | null, value: T) => void;

describe('gRPC surface for generic tools and other languages [real: gateway, scheduler, images, agent, nats-server, PostgreSQL, registry, slurmctld, slurmd, ch-run, python3-grpcio (Debian)]', () => {
  let stack: CairnStack;

  beforeAll(async () => {
    stack = await startCairnStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('speaks TLS only: a plaintext client, and a TLS client that does not trust the CA, are refused', async () => {
    const definition = loadSync(healthProtoPath, { enums: String });
    const healthPkg = loadPackageDefinition(definition) as unknown as { grpc: { health: { v1: { Health: new (a: string, c: unknown) => HealthStub } } } };
    const checkWith = (channel: ChannelCredentials) => {
      const health = new healthPkg.grpc.health.v1.Health(stack.grpcAddress, channel);
      return new Promise<string>((resolve) =>
        health.check({ service: '' }, ((e, r) => {
          health.close();
          resolve(e ? `refused: ${e.code}: ${e.details}` : String((r as { status: string }).status));
        }) as Callback<unknown>),
      );
    };
    expect(await checkWith(credentials.createSsl(stack.ca))).toBe('SERVING');
    // Plaintext to the TLS port: the connection never gets a gRPC answer.
    expect(await checkWith(credentials.createInsecure())).toMatch(/^refused: 14: /);
    // TLS with only the public roots: the gateway's certificate does not verify.
    expect(await checkWith(credentials.createSsl())).toMatch(/^refused: 14: .*(certificate|self.signed|unable to verify)/i);
  });

  it('answers grpc.health.v1 for the server and for cairn.v1.JobService', async () => {
    const healthPkg = loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: new (a: string, c: unknown) => HealthStub } } };
    };
    const health = new healthPkg.grpc.health.v1.Health(stack.grpcAddress, credentials.createSsl(stack.ca));
    const check = (service: string) =>
      new Promise<{ status: string }>((resolve, reject) =>
        health.check({ service }, ((e, r) => (e ? reject(e) : resolve(r as { status: string }))) as Callback<unknown>),
      );
    expect((await check('')).status).toBe('SERVING');
    expect((await check('cairn.v1.JobService')).status).toBe('SERVING');
    expect((await check('cairn.v1.WorkflowService')).status).toBe('SERVING');
    await expect(check('cairn.v1.NoSuchService')).rejects.toMatchObject({ code: 5 });
    health.close();
  });

  it('lists cairn.v1.JobService and serves its file descriptor through server reflection', async () => {
    const reflectionProto = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1alpha/reflection.proto');
    const definition = loadSync(reflectionProto, { keepCase: true });
    const pkg = loadPackageDefinition(definition) as unknown as {
      grpc: { reflection: { v1alpha: { ServerReflection: new (a: string, c: unknown) => ReflectionStub } } };
    };
    const client = new pkg.grpc.reflection.v1alpha.ServerReflection(stack.grpcAddress, credentials.createSsl(stack.ca));
    const ask = (request: object) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const call = client.ServerReflectionInfo();
        call.on('data', (response: Record<string, unknown>) => {
          resolve(response);
          call.end();
        });
        call.on('error', reject);
        call.write(request);
      });
    const listed = await ask({ list_services: '' });
    const names = (listed['list_services_response'] as { service: { name: string }[] }).service.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['cairn.v1.JobService', 'cairn.v1.WorkflowService']));
    const file = await ask({ file_containing_symbol: 'cairn.v1.JobService' });
    const descriptors = (file['file_descriptor_response'] as { file_descriptor_proto: Buffer[] }).file_descriptor_proto;
    const text = Buffer.concat(descriptors).toString('latin1');
    expect(text).toContain('cairn.v1');
    expect(text).toContain('memory_mb');
    expect(text).toContain('WatchJob');
    client.close();
  });

  it('serves a Node client made at run time from the .proto files only (proto-loader, no generated code)', async () => {
    const definition = loadSync(join(PROTO_DIR, 'cairn/v1/job_service.proto'), { includeDirs: [PROTO_DIR], enums: String, longs: Number, defaults: true });
    const pkg = loadPackageDefinition(definition) as unknown as { cairn: { v1: { JobService: new (a: string, c: unknown) => DynamicJobStub } } };
    const client = new pkg.cairn.v1.JobService(stack.grpcAddress, credentials.createSsl(stack.ca));
    // Alice's token, sent as the `authorization` metadata of each call.
    const metadata = await callMetadata(stack.tokens.alice);
    const submitted = await new Promise<{ job: { job_id?: string; jobId?: string } }>((resolve, reject) =>
      client.SubmitJob({ spec: { name: 'dynamic', image: 'lab/busybox:1.36', command: ['/bin/echo', 'dynamic'] } }, metadata, (e, r) =>
        e ? reject(e) : resolve(r as { job: { jobId: string } }),
      ),
    );
    const jobId = submitted.job.jobId ?? submitted.job.job_id ?? '';
    const states: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = client.WatchJob({ jobId }, metadata);
      stream.on('data', (event: { state: string }) => states.push(event.state));
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    expect(states).toEqual(['JOB_STATE_ACCEPTED', 'JOB_STATE_PENDING', 'JOB_STATE_RUNNING', 'JOB_STATE_COMPLETED']);
    client.close();
  });

  it('serves a Python client compiled from the .proto files with protoc', async () => {
    const { stdout } = await promisify(execFile)('/usr/bin/python3', [join(__dirname, 'proto_client.py'), stack.grpcAddress, PROTO_DIR, stack.nats.ca?.file ?? ''], {
      timeout: 120_000,
      // The token travels in the environment, not on the command line (which `ps` shows).
      env: { PATH: '/usr/bin:/bin', CAIRN_TOKEN: stack.tokens.alice },
    });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(0, 4).map((l) => l['state'])).toEqual([
      'JOB_STATE_ACCEPTED',
      'JOB_STATE_PENDING',
      'JOB_STATE_RUNNING',
      'JOB_STATE_COMPLETED',
    ]);
    expect(lines[3]).toMatchObject({ sequence: 4, exit_code: 0 });
    expect(lines[4]).toEqual({ stdout: 'hello from a python client\n' });
    expect(lines[5]).toMatchObject({ error: 'INVALID_ARGUMENT' });
    expect(String(lines[5]?.['details'])).toMatch(/spec\.name: must be a job name/);
  });
});

interface HealthStub {
  check(request: object, callback: Callback<unknown>): void;
  close(): void;
}

interface ReflectionStub {
  ServerReflectionInfo(): NodeJS.EventEmitter & { write(r: object): void; end(): void };
  close(): void;
}

interface DynamicJobStub {
  SubmitJob(request: object, metadata: Metadata, callback: Callback<unknown>): void;
  WatchJob(request: object, metadata: Metadata): NodeJS.EventEmitter;
  close(): void;
}
