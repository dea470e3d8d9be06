import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client as GrpcClient, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { decodeJwt, decodeProtectedHeader, exportSPKI, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { Client } from 'pg';
import { type ClientOptions, GatewayError, JobsClient } from '@cairn/client';
import { ProcessRepository } from '@cairn/adapters/process';
import { SlurmAccountingRepository } from '@cairn/adapters/slurm';
import { pb } from '@cairn/contracts';
import { type CairnStack, type DevIdp, startCairnStack, startDevIdp, waitFor } from '@cairn/testing';
import { cairnSlurmJobCount, spec, stateOf, submit, watchAll } from './job-helpers';

/** The dev IdP's current private signing key, as its state directory keeps it (mode 0600). */
function signingKeyOf(idp: DevIdp): JWK & { kid: string } {
  const store = JSON.parse(readFileSync(join(idp.stateDir, 'signing-keys.json'), 'utf8')) as { keys: Array<{ jwk: JWK & { kid: string } }> };
  const [current] = store.keys;
  if (!current) throw new Error('the dev IdP has no signing key');
  return current.jwk;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('authentication at the gateway [real: dev IdP (oidc-provider), gateway, scheduler, images, agent, nats-server, PostgreSQL, registry, slurmctld, slurmd]', () => {
  let stack: CairnStack;
  let stranger: DevIdp;
  let impostor: DevIdp;
  let identity: pb.IdentityServiceClient;
  const used: string[] = [];

  beforeAll(async () => {
    // Unknown kids may refetch the IdP's keys once a second: the rotation below needs no long wait.
    stack = await startCairnStack({ jwksRefetchSeconds: 1 });
    // A second, real provider the gateway does not trust; and one that claims the campus
    // issuer and reuses its key id, with a key of its own.
    stranger = await startDevIdp();
    impostor = await startDevIdp({ issuer: stack.idp.issuer, firstKid: stack.idp.kids().current });
    // The gateway's CA when it speaks TLS (the stack's client options carry it).
    const { ca }: ClientOptions & { ca?: Buffer } = stack.clientOptions();
    identity = new pb.IdentityServiceClient(stack.grpcAddress, ca ? credentials.createSsl(ca) : credentials.createInsecure());
    used.push(...Object.values(stack.tokens));
  });

  afterAll(async () => {
    identity?.close();
    await stranger?.stop();
    await impostor?.stop();
    await stack?.stop();
  });

  const whoAmI = (token?: string) =>
    new Promise<{ error: ServiceError | null; response?: pb.WhoAmIResponse }>((resolve) => {
      const metadata = new Metadata();
      if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
      identity.whoAmI({}, metadata, (error, response) => resolve({ error, response }));
    });

  /** A token with alice's claims (changed as given), signed with the campus IdP's own key. */
  const forged = async (changes: Record<string, unknown>, header: { kid?: string } = {}) => {
    const jwk = signingKeyOf(stack.idp);
    const claims = { ...decodeJwt(stack.tokens.alice), ...changes };
    const token = await new SignJWT(Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined)))
      .setProtectedHeader({ alg: 'RS256', kid: header.kid ?? jwk.kid, typ: 'at+jwt' })
      .sign(await importJWK(jwk, 'RS256'));
    used.push(token);
    return token;
  };

  it('WhoAmI answers for each person: identity, POSIX user, accounts, default account, roles, projects', async () => {
    const alice = await whoAmI(stack.tokens.alice);
    expect(alice.error).toBeNull();
    expect(alice.response).toEqual({
      issuer: stack.idp.issuer,
      subject: stack.idp.users.alice.sub,
      name: 'alice',
      posixUser: 'alice',
      accounts: ['alice-lab', 'genomics'],
      defaultAccount: 'alice-lab',
      roles: ['user', 'member'],
      projects: ['genomics'],
    });
    expect((await whoAmI(stack.tokens.bob)).response).toMatchObject({ posixUser: 'bob', accounts: ['genomics'], roles: ['user', 'member'], projects: ['genomics'] });
    expect((await whoAmI(stack.tokens.carol)).response).toMatchObject({ posixUser: 'carol', accounts: ['ops'], roles: ['user', 'admin'], projects: [] });
  });

  it('a valid token: the job runs in its container as alice (her uid), writes files that are hers, and Slurm accounting charges alice-lab to alice', async () => {
    const jobId = await submit(stack.clients.alice, spec({ name: 'as-alice', command: ['/bin/sh', '-c', 'id -u; echo result > out.txt'] }));
    expect(stateOf((await watchAll(stack.clients.alice, jobId)).at(-1)?.state ?? 0)).toBe('COMPLETED');
    const aliceUid = Number(execFileSync('id', ['-u', 'alice'], { encoding: 'utf8' }).trim());
    expect(aliceUid).toBeGreaterThanOrEqual(1000);
    const output = Buffer.from((await stack.clients.alice.getJobOutput({ jobId, maxBytes: 4096 })).data).toString();
    expect(output).toBe(`${aliceUid}\n`);
    const job = await stack.clients.alice.getJob(jobId);
    expect(job.account).toBe('alice-lab');
    expect(job.owner?.posixUser).toBe('alice');
    const written = join(stack.dir, 'agent', 'attempts', job.attemptId, 'work', 'out.txt');
    expect(statSync(written).uid).toBe(aliceUid);
    // slurmdbd records the job a moment after it ends.
    const accounting = new SlurmAccountingRepository(new ProcessRepository());
    const record = await waitFor(
      `sacct to record Slurm job ${job.slurmJobId}`,
      async () => {
        const found = await accounting.job(job.slurmJobId);
        return found?.stateClass === 'COMPLETED' ? found : undefined;
      },
      60_000,
      500,
    );
    expect({ account: record.account, user: record.user }).toEqual({ account: 'alice-lab', user: 'alice' });
  });

  it('one door: every RPC of every service the gateway serves answers UNAUTHENTICATED without a token and with a forged one', async () => {
    const { ca }: ClientOptions & { ca?: Buffer } = stack.clientOptions();
    const raw = new GrpcClient(stack.grpcAddress, ca ? credentials.createSsl(ca) : credentials.createInsecure());
    const services = { JobService: pb.JobServiceService, WorkflowService: pb.WorkflowServiceService, IdentityService: pb.IdentityServiceService, AuditService: pb.AuditServiceService, SiteService: pb.SiteServiceService, TemplateService: pb.TemplateServiceService, ProvenanceService: pb.ProvenanceServiceService, ImageService: pb.ImageServiceService };
    const empty = () => Buffer.alloc(0);
    const bytes = (value: Buffer) => value;
    // An empty message is a valid request of every type: only the door can refuse it this way.
    const call = (path: string, streaming: boolean, metadata: Metadata) =>
      new Promise<string>((resolve) => {
        if (!streaming) {
          raw.makeUnaryRequest(path, empty, bytes, Buffer.alloc(0), metadata, (error) => resolve(error ? status[error.code] : 'OK'));
          return;
        }
        const stream = raw.makeServerStreamRequest(path, empty, bytes, Buffer.alloc(0), metadata);
        stream.on('data', () => undefined);
        stream.on('error', (error: ServiceError) => resolve(status[error.code]));
        stream.on('end', () => resolve('OK'));
      });
    const forged = new Metadata();
    forged.set('authorization', `Bearer ${b64({ alg: 'none' })}.${b64({ sub: 'x' })}.`);
    const answers: Record<string, string> = {};
    for (const [service, methods] of Object.entries(services)) {
      for (const [name, method] of Object.entries(methods)) {
        answers[`${service}.${name}`] = `${await call(method.path, method.responseStream, new Metadata())} / ${await call(method.path, method.responseStream, forged)}`;
      }
    }
    raw.close();
    expect(Object.keys(answers).length).toBeGreaterThanOrEqual(23);
    expect(Object.keys(answers).filter((rpc) => rpc.startsWith('ImageService.'))).toEqual(['ImageService.resolveImage', 'ImageService.materializeImage', 'ImageService.listImages', 'ImageService.evictImage']);
    expect(Object.entries(answers).filter(([, answer]) => answer !== 'UNAUTHENTICATED / UNAUTHENTICATED')).toEqual([]);
  });

  it('every bad-token class is UNAUTHENTICATED: nothing recorded, no Slurm job', async () => {
    const now = Math.floor(Date.now() / 1000);
    const alice = stack.tokens.alice;
    const [head = '', body = '', signature = ''] = alice.split('.');
    const flipped = `${signature.slice(0, -4)}${signature.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const publicPem = async () => {
      const jwk = signingKeyOf(stack.idp);
      const { kty, n, e } = jwk;
      const key = await importJWK({ kty, n, e }, 'RS256', { extractable: true });
      if (key instanceof Uint8Array) throw new Error('an RSA JWK imports as a key');
      return exportSPKI(key);
    };
    const otherKey = await generateKeyPair('RS256');
    const cases: Array<[string, string | undefined]> = [
      ['no token', undefined],
      ['expired', await forged({ iat: now - 7200, exp: now - 3600 })],
      ['not yet valid', await forged({ nbf: now + 3600 })],
      ['wrong audience', await forged({ aud: 'someone-else' })],
      ['wrong issuer (a real provider the gateway does not trust)', (await stranger.deviceLogin('alice')).accessToken],
      ['bad signature', `${head}.${body}.${flipped}`],
      ['alg none', `${b64({ alg: 'none', typ: 'at+jwt', kid: decodeProtectedHeader(alice).kid })}.${body}.`],
      ['HS256 signed with the provider public key', await new SignJWT(decodeJwt(alice)).setProtectedHeader({ alg: 'HS256', kid: decodeProtectedHeader(alice).kid ?? '' }).sign(new TextEncoder().encode(await publicPem()))],
      ['unknown kid', await new SignJWT(decodeJwt(alice)).setProtectedHeader({ alg: 'RS256', kid: 'no-such-kid' }).sign(otherKey.privateKey)],
      ['a second provider reusing the campus kid (and claiming its issuer)', (await impostor.deviceLogin('alice')).accessToken],
    ];
    for (const [, token] of cases) if (token) used.push(token);

    const db = new Client({ connectionString: stack.database.url });
    await db.connect();
    try {
      const rows = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM scheduler.jobs')).rows[0]?.n);
      const listed = async () => (await stack.client.listJobs({ pageSize: 500 })).jobs.length;
      const before = { rows: await rows(), alice: await listed(), slurm: cairnSlurmJobCount(stack.dir), attempts: readdirSync(stack.dir).length };

      for (const [what, token] of cases) {
        const client = new JobsClient(stack.grpcAddress, { ...stack.clientOptions(), token });
        try {
          const refused = await client.submitJob(pb.SubmitJobRequest.fromPartial({ spec: spec({ name: 'auth-bad', command: ['/bin/true'] }) })).catch((error: unknown) => error);
          expect({ what, refused: refused instanceof GatewayError ? refused.codeName : refused }).toEqual({ what, refused: 'UNAUTHENTICATED' });
          const message = (refused as GatewayError).message;
          if (token) expect(message).not.toContain(token.slice(-16));
          expect({ what, list: await client.listJobs({ pageSize: 10 }).catch((error: unknown) => (error as GatewayError).codeName) }).toEqual({ what, list: 'UNAUTHENTICATED' });
        } finally {
          client.close();
        }
        expect({ what, who: (await whoAmI(token)).error?.code }).toEqual({ what, who: status.UNAUTHENTICATED });
      }

      expect({ rows: await rows(), alice: await listed(), slurm: cairnSlurmJobCount(stack.dir), attempts: readdirSync(stack.dir).length }).toEqual(before);
    } finally {
      await db.end();
    }
  });

  it('key rotation at the IdP: tokens signed with the new key are accepted without a gateway restart', async () => {
    const gatewayPid = stack.services.gateway.pid;
    const { current } = await stack.idp.rotateKeys();
    const fresh = (await stack.idp.deviceLogin('alice')).accessToken;
    used.push(fresh);
    expect(decodeProtectedHeader(fresh).kid).toBe(current);
    // The gateway refetches the JWKS for the unknown kid (at most once a second here).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const answer = await whoAmI(fresh);
    expect(answer.error).toBeNull();
    expect(answer.response).toMatchObject({ posixUser: 'alice' });
    // Tokens the old key signed still verify while the IdP still publishes it.
    expect((await whoAmI(stack.tokens.alice)).error).toBeNull();
    expect(stack.services.gateway.pid).toBe(gatewayPid);
  });

  it('nothing Cairn created on disk (services, agent, jobs\' directories, NATS store, IdP state) is world-writable', () => {
    const worldWritable: string[] = [];
    const walk = (path: string): void => {
      const stats = lstatSync(path);
      if (stats.isSymbolicLink()) return;
      if ((stats.mode & 0o002) !== 0) worldWritable.push(`${path} (${(stats.mode & 0o7777).toString(8)})`);
      if (stats.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    };
    for (const root of [stack.dir, stack.nats.dir, stack.idp.stateDir]) walk(root);
    // The walk saw the agent's attempts (the valid-token job above) and the services' logs.
    expect(readdirSync(join(stack.dir, 'agent', 'attempts')).length).toBeGreaterThan(0);
    expect(worldWritable).toEqual([]);
  });

  it('no token used appears in any log of the stack or of the IdPs', () => {
    const logs = [...readdirSync(stack.dir).filter((file) => file.endsWith('.log')).map((file) => join(stack.dir, file)), stack.idp.logFile, stranger.logFile, impostor.logFile];
    expect(logs.length).toBeGreaterThanOrEqual(7);
    for (const log of logs) {
      const text = readFileSync(log, 'utf8');
      for (const token of used) {
        // The signature part is unique to each token; the whole token contains it.
        const signature = token.split('.')[2] ?? '';
        if (signature.length > 0) expect({ log, leaked: text.includes(signature) }).toEqual({ log, leaked: false });
        expect({ log, leaked: text.includes(token) }).toEqual({ log, leaked: false });
      }
    }
  });
});
