import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Metadata, Server, ServerCredentials, type ServiceError, status, type StatusObject } from '@grpc/grpc-js';
import fc from 'fast-check';
import { pb } from '@cairn/contracts';
import { makeTestCa } from '@cairn/testing';
import { type CliStream, runCli } from './cli';
import { IdpProtocolDouble } from './idp-protocol-double';
import { TokenCache } from './token-cache';

// What must never reach a terminal from outside text: C0 and C1 controls (escape
// sequences), DEL, tab, bidirectional controls, unpaired surrogates.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

class Sink implements CliStream {
  readonly chunks: string[] = [];
  isTTY = false;
  write(text: string): boolean {
    this.chunks.push(text);
    return true;
  }
  on(): this {
    return this;
  }
  get text(): string {
    return this.chunks.join('');
  }
}

// The CLI's environment in these specs (the process's own is left alone).
let env: Record<string, string | undefined> = {};

const cli = async (...argv: string[]) => {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await runCli(argv, { stdout, stderr }, env);
  return { code, stdout: stdout.text, stderr: stderr.text };
};

describe('cairn login, logout, whoami [real: HTTP to an OAuth protocol double, a grpc-js IdentityService, the token cache on disk]', () => {
  let idp: IdpProtocolDouble;
  let server: Server;
  let base: string;
  let who: pb.WhoAmIResponse;
  let whoError: Partial<StatusObject> | undefined;
  const tokensSeen: string[] = [];
  let gateway = '';

  beforeAll(async () => {
    server = new Server();
    server.addService(pb.IdentityServiceService, {
      whoAmI: (call: { metadata: Metadata }, callback: (error: Partial<StatusObject> | ServiceError | null, response?: pb.WhoAmIResponse) => void) => {
        tokensSeen.push(call.metadata.get('authorization').map(String).join(','));
        if (whoError) callback(whoError);
        else callback(null, who);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    gateway = `127.0.0.1:${port}`;
  });

  beforeEach(async () => {
    idp = await new IdpProtocolDouble().start();
    base = mkdtempSync(join(tmpdir(), 'cairn-login-'));
    env = { XDG_CONFIG_HOME: base, CAIRN_ISSUER: idp.issuer, CAIRN_GATEWAY: gateway };
    who = pb.WhoAmIResponse.fromPartial({
      issuer: idp.issuer,
      subject: 'alice',
      name: 'alice',
      posixUser: 'alice',
      accounts: ['alice-lab', 'genomics'],
      defaultAccount: 'alice-lab',
      roles: ['user', 'member'],
      projects: ['genomics'],
    });
    whoError = undefined;
    tokensSeen.length = 0;
  });

  afterEach(async () => {
    await idp.stop();
    rmSync(base, { recursive: true, force: true });
  });

  afterAll(() => {
    server.forceShutdown();
  });

  const cacheFile = () => join(base, 'cairn', 'tokens.json');

  it('logs in with the device flow: prints the URL and code, caches the tokens 0600, then whoami sends them', async () => {
    idp.tokenAnswers = [{ error: 'authorization_pending' }, { accessToken: 'at-alice', refreshToken: 'rt-alice', expiresIn: 300 }];
    const login = await cli('login');
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`open this page in a browser on any device:\n  ${idp.issuer}/device\nand enter the code:  WDJB-MJHT\n`);
    expect(login.stdout).toContain(`(or open ${idp.issuer}/device?user_code=WDJB-MJHT , which fills in the code)`);
    expect(login.stdout).toContain(`Logged in to ${idp.issuer}`);
    expect((statSync(cacheFile()).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(join(base, 'cairn')).mode & 0o777).toString(8)).toBe('700');
    expect(new TokenCache(join(base, 'cairn')).read()).toMatchObject({ accessToken: 'at-alice', refreshToken: 'rt-alice', clientId: 'cairn-cli', issuer: idp.issuer });

    const whoami = await cli('whoami');
    expect(whoami).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'name        alice',
        `identity    alice at ${idp.issuer}`,
        'POSIX user  alice',
        'accounts    alice-lab (default), genomics',
        'roles       user, member',
        'projects    genomics',
        '',
      ].join('\n'),
    });
    const json = await cli('whoami', '--json');
    expect(JSON.parse(json.stdout)).toEqual({ ...who });
    expect(tokensSeen).toEqual(['Bearer at-alice', 'Bearer at-alice']);
  });

  it('logs out: revokes the refresh token and deletes the cache; a second logout says there is nothing', async () => {
    new TokenCache(join(base, 'cairn')).write({ issuer: idp.issuer, clientId: 'cairn-cli', accessToken: 'at', refreshToken: 'rt-9', expiresAt: Date.now() + 600_000 });
    const out = await cli('logout');
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`Logged out: ${cacheFile()} is deleted, and the session is revoked at the identity provider.\n`);
    expect(existsSync(cacheFile())).toBe(false);
    expect(idp.seen.filter((r) => r.path === '/revoke').map((r) => r.params['token'])).toEqual(['rt-9']);
    expect(await cli('logout')).toEqual({ code: 0, stderr: '', stdout: `Not logged in (no ${cacheFile()}).\n` });
  });

  it('exits 4 telling the person to run cairn login: no login, a group-readable cache, a code that expired, a token the gateway refuses', async () => {
    expect(await cli('whoami')).toEqual({ code: 4, stdout: '', stderr: `cairn: not logged in to ${idp.issuer}: run \`cairn login\`\n` });
    expect(await cli('job', 'list')).toMatchObject({ code: 4 });

    new TokenCache(join(base, 'cairn')).write({ issuer: idp.issuer, clientId: 'cairn-cli', accessToken: 'at', expiresAt: Date.now() + 600_000 });
    chmodSync(cacheFile(), 0o640);
    const refused = await cli('whoami');
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('others may read or change it (mode 0640)');
    expect(tokensSeen).toEqual([]);

    idp.tokenAnswers = [{ error: 'expired_token' }];
    expect(await cli('login')).toMatchObject({ code: 4, stderr: 'cairn: the login code expired before it was confirmed: run `cairn login` again\n' });
    idp.tokenAnswers = [{ error: 'access_denied' }];
    expect(await cli('login')).toMatchObject({ code: 4, stderr: 'cairn: the login was denied at the identity provider\n' });

    chmodSync(cacheFile(), 0o600);
    whoError = { code: status.UNAUTHENTICATED, details: 'token expired' };
    expect(await cli('whoami')).toEqual({
      code: 4,
      stdout: '',
      stderr: 'cairn: UNAUTHENTICATED: token expired\ncairn: the gateway did not accept your login: run `cairn login`\n',
    });
  });

  it('prints the token for other programs (cairn token): the cached login, or a service account\u2019s from client credentials', async () => {
    new TokenCache(join(base, 'cairn')).write({ issuer: idp.issuer, clientId: 'cairn-cli', accessToken: 'at-cached', expiresAt: Date.now() + 600_000 });
    expect(await cli('token')).toEqual({ code: 0, stderr: '', stdout: 'at-cached\n' });
    const secret = join(base, 'ci.secret');
    writeFileSync(secret, 'ci-secret\n', { mode: 0o600 });
    env = { ...env, CAIRN_CLIENT_ID: 'cairn-ci', CAIRN_CLIENT_SECRET_FILE: secret };
    idp.tokenAnswers = [{ accessToken: 'svc-token', expiresIn: 600 }];
    expect(await cli('token')).toEqual({ code: 0, stderr: '', stdout: 'svc-token\n' });
    expect(idp.grants('client_credentials').map((r) => r.basicClientId)).toEqual(['cairn-ci']);
    expect(await cli('login')).toMatchObject({ code: 2, stderr: expect.stringContaining('a service account needs no login') });
  });

  it('speaks TLS to a gateway whose certificate CAIRN_GRPC_CA vouches for, and refuses any other', async () => {
    const tls = makeTestCa(join(base, 'tls'));
    const secure = new Server();
    secure.addService(pb.IdentityServiceService, {
      whoAmI: (call: { metadata: Metadata }, callback: (error: null, response: pb.WhoAmIResponse) => void) => {
        tokensSeen.push(call.metadata.get('authorization').map(String).join(','));
        callback(null, who);
      },
    });
    const credentials = ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(tls.serverCert), private_key: readFileSync(tls.serverKey) }]);
    const port = await new Promise<number>((resolve, reject) => secure.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
    try {
      env = { ...env, CAIRN_GATEWAY: `127.0.0.1:${port}`, CAIRN_GRPC_CA: tls.file, CAIRN_TOKEN: 'tls-token' };
      expect(await cli('whoami', '--json')).toMatchObject({ code: 0, stderr: '' });
      expect(tokensSeen).toEqual(['Bearer tls-token']);
      // Another CA: the gateway is not trusted, nothing is sent.
      env['CAIRN_GRPC_CA'] = makeTestCa(join(base, 'other')).file;
      const untrusted = await cli('whoami');
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/^cairn: UNAVAILABLE: /);
      env['CAIRN_GRPC_CA'] = join(base, 'missing.pem');
      expect(await cli('whoami')).toMatchObject({ code: 1, stderr: `cairn: CAIRN_GRPC_CA: cannot read ${join(base, 'missing.pem')}: ENOENT\n` });
      expect(tokensSeen).toEqual(['Bearer tls-token']);
    } finally {
      secure.forceShutdown();
    }
  });

  it('sends CAIRN_TOKEN instead of the cache, for scripts', async () => {
    env['CAIRN_TOKEN'] = 'script-token';
    expect((await cli('whoami')).code).toBe(0);
    expect(tokensSeen).toEqual(['Bearer script-token']);
  });

  it('never lets hostile text from the identity provider or the gateway reach the terminal unescaped', async () => {
    const hostile = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(hostile, hostile, hostile, async (code, description, claim) => {
        // The provider's user code and its error description, and every claim the gateway returns.
        idp.device = { interval: 0.01, expiresIn: 600, userCode: code };
        idp.tokenAnswers = [{ error: 'server_error', description }];
        who = pb.WhoAmIResponse.fromPartial({ issuer: claim, subject: claim, name: claim, posixUser: claim, accounts: [claim, 'x'], defaultAccount: claim, roles: [claim], projects: [claim] });
        env['CAIRN_TOKEN'] = 'script-token';
        const login = await cli('login');
        const whoami = await cli('whoami');
        whoError = { code: status.NOT_FOUND, details: claim };
        const failed = await cli('whoami');
        whoError = undefined;
        delete env['CAIRN_TOKEN'];
        for (const text of [login.stdout, login.stderr, whoami.stdout, whoami.stderr, failed.stderr]) {
          expect(UNSAFE.test(text.replace(/\n/g, ''))).toBe(false);
        }
        expect(login.code).toBe(1);
      }),
      { numRuns: 25 },
    );
  }, 60_000);
});
