import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type CairnStack, startCairnStack, WORKSPACE } from '@cairn/testing';
import { loginAs, runCli } from './cli-login-helpers';

const run = promisify(execFile);

/** The README's Python client, exactly as a reader copies it. */
function readmePythonExample(): string {
  const readme = readFileSync(join(WORKSPACE, 'README.md'), 'utf8');
  const block = /```python\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no ```python block');
  return block;
}

describe('cairn login, whoami, logout and a Python client [real: dev IdP, gateway (TLS, token checks, identity mapping), scheduler, NATS, PostgreSQL]', () => {
  let stack: CairnStack;
  let home: string;
  let caFile: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startCairnStack();
    caFile = join(stack.dir, 'cli-ca.pem');
    writeFileSync(caFile, stack.ca, { mode: 0o644 });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'cairn-cli-whoami-'));
    env = { XDG_CONFIG_HOME: home, CAIRN_ISSUER: stack.idp.issuer, CAIRN_GATEWAY: stack.grpcAddress, CAIRN_GRPC_CA: caFile };
  });

  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('logs in as alice through the IdP pages; whoami shows her POSIX user, accounts (alice-lab default, genomics) and roles; logout removes the cache', async () => {
    const login = await loginAs((code) => stack.idp.approveDevice('alice', code), env);
    expect(login.code).toBe(0);
    const cache = join(home, 'cairn', 'tokens.json');
    expect(statSync(cache).mode & 0o777).toBe(0o600);

    const whoami = await runCli(['whoami'], env);
    expect(whoami.stderr).toBe('');
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toBe(
      [
        'name        alice',
        `identity    ${stack.idp.users.alice.sub} at ${stack.idp.issuer}`,
        'POSIX user  alice',
        'accounts    alice-lab (default), genomics',
        'roles       user, member',
        'projects    genomics',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await runCli(['whoami', '--json'], env)).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ posixUser: 'alice', accounts: ['alice-lab', 'genomics'], defaultAccount: 'alice-lab', subject: stack.idp.users.alice.sub });

    // Every other command sends the same login.
    expect(await runCli(['job', 'list'], env)).toMatchObject({ code: 0, stderr: '' });

    // The tokens the CLI holds never reach a log: the gateway's, the other services', the IdP's.
    const held = JSON.parse(readFileSync(cache, 'utf8')) as { accessToken: string; refreshToken?: string };
    const logs = [...['gateway', 'scheduler', 'images', 'agent'].map((app) => join(stack.dir, `${app}.log`)), stack.idp.logFile];
    for (const log of logs) {
      const text = readFileSync(log, 'utf8');
      expect(text.includes(held.accessToken)).toBe(false);
      expect(held.refreshToken !== undefined && text.includes(held.refreshToken)).toBe(false);
    }

    expect((await runCli(['logout'], env)).code).toBe(0);
    expect(existsSync(cache)).toBe(false);
    expect(await runCli(['whoami'], env)).toEqual({ code: 4, stdout: '', stderr: `cairn: not logged in to ${stack.idp.issuer}: run \`cairn login\`\n` });
  });

  it('exits 4 telling the person to log in when the gateway refuses the token', async () => {
    const refused = await runCli(['whoami'], { ...env, CAIRN_TOKEN: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.' });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^cairn: UNAUTHENTICATED: .+\ncairn: the gateway did not accept your login: run `cairn login`\n$/);
  });

  it('a CI pipeline authenticates as the cairn-ci service account with client credentials', async () => {
    const ci = { ...env, CAIRN_CLIENT_ID: 'cairn-ci', CAIRN_CLIENT_SECRET_FILE: stack.idp.ci.secretFile };
    const token = await runCli(['token'], ci);
    expect(token.code).toBe(0);
    const claims = JSON.parse(Buffer.from(token.stdout.trim().split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'cairn-ci', aud: stack.idp.audience, iss: stack.idp.issuer });
    // The gateway takes the token (not UNAUTHENTICATED); whether it maps the service
    // account to a POSIX user is the deployment's mapping (identity.md).
    const whoami = await runCli(['whoami'], ci);
    expect(whoami.stderr).not.toContain('UNAUTHENTICATED');
    expect(whoami.code === 0 ? whoami.stdout : whoami.stderr).toContain('cairn-ci');
  });

  it("the README's Python gRPC client (system python3, Debian's grpcio) passes alice's token as metadata and is told who she is", async () => {
    const script = join(stack.dir, 'readme_client.py');
    writeFileSync(script, readmePythonExample());
    const { stdout } = await run('/usr/bin/python3', [script], {
      cwd: WORKSPACE,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', CAIRN_TOKEN: stack.tokens.alice, CAIRN_GATEWAY: stack.grpcAddress, CAIRN_GRPC_CA: caFile },
      timeout: 120_000,
    });
    expect(stdout).toContain("alice alice ['alice-lab', 'genomics']");
    // Without a token the gateway refuses it.
    const failed = await run('/usr/bin/python3', [script], {
      cwd: WORKSPACE,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', CAIRN_TOKEN: 'not-a-jwt', CAIRN_GATEWAY: stack.grpcAddress, CAIRN_GRPC_CA: caFile },
      timeout: 120_000,
    }).catch((error: { stderr: string }) => error);
    expect('stderr' in failed ? failed.stderr : '').toContain('UNAUTHENTICATED');
  });
});
