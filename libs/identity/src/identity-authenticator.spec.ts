import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, Server, ServerCredentials, type ServiceError, status } from '@grpc/grpc-js';
import { pb } from '@cairn/contracts';
import { type AuditEvent, AuditSink, WatchLimiter } from '@cairn/grpc-server';
import { createLogger } from '@cairn/logging';
import { TestIssuer } from '@cairn/testing';
import { identityConfigSchema, mappingFileSchema } from './identity-config';
import { IdentityAuthenticator } from './identity-authenticator';
import { identityBinding } from './identity.grpc.controller';

class KeptAudit extends AuditSink {
  readonly events: AuditEvent[] = [];
  override record(event: AuditEvent): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }
}

describe('IdentityAuthenticator and WhoAmI [real: jose, a local OpenID issuer over HTTP, grpc-js server and client]', () => {
  let idp: TestIssuer;
  let authenticator: IdentityAuthenticator;
  let server: Server;
  let client: pb.IdentityServiceClient;
  const audit = new KeptAudit();
  let now = Date.now();

  beforeAll(async () => {
    idp = await TestIssuer.start();
    const config = identityConfigSchema.parse({
      issuers: [{ issuer: idp.issuer, audience: 'cairn' }],
      mapping: [{ rule: 'template', template: '{preferred_username}' }],
      mappingFile: '/unused/by/this/spec.json',
      rateLimit: { perSecond: 1, burst: 5 },
    });
    const accounts = mappingFileSchema.parse({ accounts: { alice: ['alice-lab', 'genomics'], carol: ['ops'] } });
    // The rate limit runs on this spec's clock; token times are checked on the real one.
    authenticator = new IdentityAuthenticator(config, accounts, { now: () => now });
    server = new Server();
    const binding = identityBinding({ logger: createLogger('test', 'silent'), watchLimiter: new WatchLimiter({ perClient: 1, total: 1 }), door: { authenticator, audit } });
    server.addService(binding.definition, binding.implementation);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    client = new pb.IdentityServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    server.forceShutdown();
    await idp.stop();
  });

  const whoAmI = (token?: string) =>
    new Promise<{ error: ServiceError | null; response?: pb.WhoAmIResponse }>((resolve) => {
      const metadata = new Metadata();
      if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
      client.whoAmI({}, metadata, (error, response) => resolve({ error, response }));
    });

  it('WhoAmI answers with the verified, mapped caller: identity, POSIX user, accounts, default account, roles, projects', async () => {
    const alice = await idp.sign({ claims: { sub: 'alice-sub', preferred_username: 'alice', email: 'alice@example.edu', groups: ['cairn-project-genomics'] } });
    expect(await whoAmI(alice)).toEqual({
      error: null,
      response: {
        issuer: idp.issuer,
        subject: 'alice-sub',
        name: 'alice',
        posixUser: 'alice',
        accounts: ['alice-lab', 'genomics'],
        defaultAccount: 'alice-lab',
        roles: ['user', 'member'],
        projects: ['genomics'],
      },
    });
    const carol = await idp.sign({ claims: { sub: 'carol-sub', preferred_username: 'carol', groups: ['cairn-admins'] } });
    expect((await whoAmI(carol)).response).toMatchObject({ posixUser: 'carol', accounts: ['ops'], defaultAccount: 'ops', roles: ['user', 'admin'], projects: [] });
  });

  it('refusals: UNAUTHENTICATED without a valid token, PERMISSION_DENIED naming an unmapped identity and what to do; each audited without the token', async () => {
    audit.events.length = 0;
    const forged = idp.unsigned({ preferred_username: 'alice' });
    expect((await whoAmI()).error).toMatchObject({ code: status.UNAUTHENTICATED });
    expect((await whoAmI(forged)).error).toMatchObject({ code: status.UNAUTHENTICATED });
    const unmapped = await idp.sign({ claims: { sub: 'zed-sub', preferred_username: 'Not-Posix', email: 'zed@example.edu' } });
    const denied = (await whoAmI(unmapped)).error;
    expect(denied).toMatchObject({ code: status.PERMISSION_DENIED, details: expect.stringMatching(/Not-Posix \(subject zed-sub of http:\/\/127\.0\.0\.1:\d+\) is not mapped .*ask your Cairn administrator to map this identity/) });
    expect(audit.events.map((event) => [event.rpc, event.outcome, event.subject])).toEqual([
      ['/cairn.v1.IdentityService/WhoAmI', 'UNAUTHENTICATED', undefined],
      ['/cairn.v1.IdentityService/WhoAmI', 'UNAUTHENTICATED', undefined],
      ['/cairn.v1.IdentityService/WhoAmI', 'PERMISSION_DENIED', 'zed-sub'],
    ]);
    expect(JSON.stringify(audit.events)).not.toContain(forged.slice(0, 30));
    expect(JSON.stringify(audit.events)).not.toContain(unmapped.slice(-30));
  });

  it('a mapped person whose other claims cannot be shown as they are is still let in, named by what can be', async () => {
    // Each as its own subject: the rate limit (burst 5 on this spec's frozen clock) stays out of it.
    for (const [i, weird] of ['\u0000', 'a\nb', '\u001b[31mred', 'x'.repeat(300)].entries()) {
      const token = await idp.sign({ claims: { sub: `carol-${i}`, preferred_username: 'carol', nickname: weird, email: weird } });
      const answer = await whoAmI(token);
      expect(answer.error).toBeNull();
      expect(answer.response?.name).toBe('carol');
    }
    const oddEmail = await idp.sign({ claims: { sub: 'dan-sub', preferred_username: 'Dan\u0007', email: 'dan@example.edu' } });
    expect((await whoAmI(oddEmail)).error).toMatchObject({ code: status.PERMISSION_DENIED, details: expect.stringMatching(/^dan@example\.edu \(subject dan-sub/) });
    expect((await whoAmI(await idp.sign({ claims: { sub: 'bad\nsub', preferred_username: 'carol' } }))).error).toMatchObject({ code: status.UNAUTHENTICATED, details: expect.stringMatching(/subject/) });
  });

  it('a token verified and mapped a moment ago is answered from memory: the mapping command runs once for it, the rate limit still counts every call', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-authn-'));
    const runs = join(dir, 'runs');
    const script = join(dir, 'map.js');
    writeFileSync(script, `require('node:fs').appendFileSync(${JSON.stringify(runs)}, 'x'); process.stdout.write(process.argv[2] + '\\nops\\n');`);
    const config = identityConfigSchema.parse({
      issuers: [{ issuer: idp.issuer, audience: 'cairn' }],
      mapping: [{ rule: 'command', command: process.execPath, args: [script, '{preferred_username}'] }],
      rateLimit: { perSecond: 1, burst: 3 },
    });
    const commanded = new IdentityAuthenticator(config, mappingFileSchema.parse({}), { now: () => now });
    const token = await idp.sign({ claims: { sub: 'erin-sub', preferred_username: 'erin' } });
    for (let i = 0; i < 3; i += 1) expect(await commanded.authenticate(token)).toMatchObject({ ok: true, principal: { posixUser: 'erin', accounts: ['ops'] } });
    expect(readFileSync(runs, 'utf8')).toBe('x');
    expect(await commanded.authenticate(token)).toMatchObject({ ok: false, subject: 'erin-sub', posixUser: 'erin', error: { code: 'RESOURCE_EXHAUSTED' } });
    // Another token of the same person: the same bucket, refused before it is mapped.
    expect(await commanded.authenticate(await idp.sign({ claims: { sub: 'erin-sub', preferred_username: 'erin', jti: 'other' } }))).toMatchObject({ ok: false, error: { code: 'RESOURCE_EXHAUSTED' } });
    expect(readFileSync(runs, 'utf8')).toBe('x');
  });

  it('rate limit per person: RESOURCE_EXHAUSTED with a clear message once the burst is spent; others unaffected', async () => {
    now += 3_600_000;
    const bob = await idp.sign({ claims: { sub: 'bob-sub', preferred_username: 'bob' } });
    for (let i = 0; i < 5; i += 1) expect((await whoAmI(bob)).error).toBeNull();
    expect((await whoAmI(bob)).error).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringMatching(/too many requests/) });
    expect((await whoAmI(await idp.sign({ claims: { sub: 'alice-sub', preferred_username: 'alice' } }))).error).toBeNull();
    now += 1000;
    expect((await whoAmI(bob)).error).toBeNull();
    expect(audit.events.at(-1)).toMatchObject({ outcome: 'RESOURCE_EXHAUSTED', subject: 'bob-sub' });
  });
});
