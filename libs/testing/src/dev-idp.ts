import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BrowserSession, findForm } from './browser-session';
import { waitFor } from './free-port';
import { WORKSPACE } from './service-process';

const run = promisify(execFile);
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** What cairn-cli asks for: OpenID identity, a refresh token, and Cairn's API. */
export const DEV_IDP_CLI_SCOPE = 'openid profile email groups offline_access cairn';

export type DevIdpUsername = 'alice' | 'bob' | 'carol';

/** One of the dev IdP's people, as its state directory describes them. */
export interface DevIdpUser {
  username: DevIdpUsername;
  /** Stable and opaque (not the username). */
  sub: string;
  name: string;
  email: string;
  groups: string[];
  /** Generated when the IdP's state was created (0600 file in its state directory). */
  password: string;
}

export interface DevIdpTokens {
  accessToken: string;
  /** Absent for client credentials. */
  refreshToken?: string;
  idToken?: string;
  expiresIn: number;
  scope?: string;
}

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  expiresIn: number;
  interval: number;
}

export interface DevIdpOptions {
  /** The `iss` it claims; default its own URL. Another provider's issuer makes an impostor. */
  issuer?: string;
  /** The kid of its first signing key (default random): to make a second provider reuse a kid. */
  firstKid?: string;
  audience?: string;
  /** Access token lifetime, seconds (default 900). */
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  portalRedirectUris?: string[];
}

export interface DevIdp {
  /** What its tokens carry as `iss` (and what discovery says). */
  issuer: string;
  /** Where it answers (same as issuer unless options.issuer was given). */
  url: string;
  /** The access tokens' `aud`. */
  audience: string;
  jwksUri: string;
  tokenEndpoint: string;
  users: Record<DevIdpUsername, DevIdpUser>;
  /** The service account: client credentials give a token whose `sub` is `cairn-ci`. */
  ci: { clientId: 'cairn-ci'; clientSecret: string; secretFile: string };
  /** The public device-flow client the CLI uses. */
  cliClientId: 'cairn-cli';
  stateDir: string;
  /** stdout and stderr of the IdP process. */
  logFile: string;
  /** The kid new tokens are signed with, and every kid of the JWKS (newest first). */
  kids(): { current: string; all: string[] };
  /** The whole device flow as the CLI and a person at a browser do it; returns the tokens. */
  deviceLogin(user: DevIdpUsername): Promise<DevIdpTokens>;
  /** Step 1 of the device flow, as cairn-cli. */
  startDeviceAuthorization(scope?: string): Promise<DeviceAuthorization>;
  /**
   * The person's part, in a fresh browser: open the verification URI, enter the user code,
   * confirm, sign in. Throws if the IdP refuses (e.g. a wrong `password`).
   */
  approveDevice(user: DevIdpUsername, userCode: string, options?: { password?: string }): Promise<void>;
  /** Poll the token endpoint for a device code until it is approved (or refused). */
  pollDeviceToken(deviceCode: string, timeoutMs?: number): Promise<DevIdpTokens>;
  /** Client credentials as cairn-ci. */
  serviceToken(): Promise<DevIdpTokens>;
  /** A refresh token grant as cairn-cli (the refresh token rotates: use the new one next). */
  refresh(refreshToken: string): Promise<DevIdpTokens>;
  /** A new signing key signs from now on; the old ones stay in the JWKS. Resolves once the IdP uses it. */
  rotateKeys(options?: { kid?: string }): Promise<{ current: string; all: string[] }>;
  /** Drop every key but the current one from the JWKS (tokens they signed stop verifying). */
  retireOldKeys(): Promise<{ current: string; all: string[] }>;
  stop(): Promise<void>;
}

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  id_token?: string;
  expires_in?: number;
  scope?: string;
  error?: string;
  error_description?: string;
}

const toTokens = (body: TokenResponse): DevIdpTokens => {
  if (!body.access_token) throw new Error(`dev IdP token endpoint: ${body.error ?? 'no access_token'}${body.error_description ? `: ${body.error_description}` : ''}`);
  return { accessToken: body.access_token, refreshToken: body.refresh_token, idToken: body.id_token, expiresIn: body.expires_in ?? 0, scope: body.scope };
};

async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: TokenResponse & Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: (await res.json()) as TokenResponse & Record<string, unknown> };
}

/**
 * The person's part of the device flow at the dev IdP's pages, in a fresh browser: open
 * `verificationUri` (`<issuer>/device`), enter the user code, confirm, sign in. Throws if the
 * IdP refuses (wrong password, unknown or used code). The password never appears in the error.
 */
export async function approveDeviceCode(verificationUri: string, user: string, password: string, userCode: string): Promise<void> {
  const browser = new BrowserSession();
  const entry = await browser.open(verificationUri);
  const confirm = await browser.submit(findForm(entry, 'op.deviceInputForm'), { user_code: userCode });
  if (!confirm.html.includes('op.deviceConfirmForm')) throw new Error(`dev IdP refused the user code (HTTP ${confirm.status})`);
  const login = await browser.submit(findForm(confirm, 'op.deviceConfirmForm'));
  const done = await browser.submit(findForm(login, 'login'), { username: user, password });
  if (done.status !== 200 || !done.html.includes('You are signed in')) {
    throw new Error(`dev IdP refused the sign-in of ${user} (HTTP ${done.status} at ${new URL(done.url).pathname})`);
  }
}

function devIdpArgs(command: string, args: string[]): string[] {
  return ['-r', join(WORKSPACE, 'tools', 'register.js'), join(WORKSPACE, 'tools', 'dev-idp', 'src', 'main.ts'), command, ...args];
}

/**
 * The dev IdP (tools/dev-idp, oidc-provider) as a real child process on a free loopback port,
 * with its own state directory (fresh passwords, client secret and signing key).
 */
export async function startDevIdp(options: DevIdpOptions = {}): Promise<DevIdp> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-dev-idp-'));
  const stateDir = join(dir, 'state');
  const logFile = join(dir, 'idp.log');
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root' };
  await run(process.execPath, devIdpArgs('init', ['--state', stateDir, ...(options.firstKid ? [`--first-kid=${options.firstKid}`] : [])]), { cwd: WORKSPACE, env });

  const serveArgs = ['--state', stateDir, '--host', '127.0.0.1', '--port', '0'];
  if (options.issuer) serveArgs.push('--issuer', options.issuer);
  if (options.audience) serveArgs.push('--audience', options.audience);
  if (options.accessTokenTtl !== undefined) serveArgs.push('--access-ttl', String(options.accessTokenTtl));
  if (options.refreshTokenTtl !== undefined) serveArgs.push('--refresh-ttl', String(options.refreshTokenTtl));
  for (const uri of options.portalRedirectUris ?? []) serveArgs.push('--portal-redirect-uri', uri);
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, devIdpArgs('serve', serveArgs), { cwd: WORKSPACE, env, stdio: ['ignore', log, log] });
  closeSync(log);

  const readState = (file: string): unknown => JSON.parse(readFileSync(join(stateDir, file), 'utf8'));
  const serving = () => readState('serving.json') as { issuer: string; url: string; pid: number; kid: string; kids: string[] };
  const tail = () => readFileSync(logFile, 'utf8').trim().split('\n').slice(-20).join('\n');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      `dev IdP (log: ${logFile})`,
      async () => {
        if (child.exitCode !== null) throw new Error(`dev IdP exited with ${child.exitCode}: ${tail()}`);
        if (!existsSync(join(stateDir, 'serving.json')) || serving().pid !== child.pid) return undefined;
        const res = await fetch(`${serving().url}/.well-known/openid-configuration`);
        return res.ok ? true : undefined;
      },
      30_000,
      100,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const { issuer, url } = serving();
  const discovery = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as Record<string, string>;
  const tokenEndpoint = discovery['token_endpoint'] ?? `${url}/token`;
  const deviceEndpoint = discovery['device_authorization_endpoint'] ?? `${url}/device/auth`;
  const passwords = readState('passwords.json') as Record<string, string>;
  const people = readState('people.json') as Omit<DevIdpUser, 'password'>[];
  const users = Object.fromEntries(people.map((p) => [p.username, { ...p, password: passwords[p.username] ?? '' }])) as Record<DevIdpUsername, DevIdpUser>;
  const secretFile = join(stateDir, 'cairn-ci.secret');
  const clientSecret = readFileSync(secretFile, 'utf8').trim();
  const kidsCommand = async (command: string, args: string[]) => {
    const { stdout } = await run(process.execPath, devIdpArgs(command, ['--state', stateDir, ...args]), { cwd: WORKSPACE, env });
    const lastLine = stdout.trim().split('\n').pop() ?? '{}';
    const result = JSON.parse(lastLine) as { kid: string; kids: string[] };
    return { current: result.kid, all: result.kids };
  };

  const idp: DevIdp = {
    issuer,
    url,
    audience: options.audience ?? 'cairn',
    jwksUri: discovery['jwks_uri'] ?? `${url}/jwks`,
    tokenEndpoint,
    users,
    ci: { clientId: 'cairn-ci', clientSecret, secretFile },
    cliClientId: 'cairn-cli',
    stateDir,
    logFile,
    kids: () => ({ current: serving().kid, all: serving().kids }),
    async startDeviceAuthorization(scope = DEV_IDP_CLI_SCOPE) {
      const { status, body } = await postForm(deviceEndpoint, { client_id: 'cairn-cli', scope });
      if (status !== 200) throw new Error(`dev IdP device authorization: HTTP ${status} ${String(body.error ?? '')}`);
      return {
        deviceCode: String(body['device_code']),
        userCode: String(body['user_code']),
        verificationUri: String(body['verification_uri']),
        verificationUriComplete: String(body['verification_uri_complete']),
        expiresIn: Number(body['expires_in']),
        interval: Number(body['interval'] ?? 5),
      };
    },
    approveDevice: (user, userCode, approveOptions = {}) => approveDeviceCode(`${url}/device`, user, approveOptions.password ?? users[user].password, userCode),
    async pollDeviceToken(deviceCode, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let wait = 200;
      for (;;) {
        const { body } = await postForm(tokenEndpoint, { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'cairn-cli' });
        if (body.access_token) return toTokens(body);
        if (body.error !== 'authorization_pending' && body.error !== 'slow_down') return toTokens(body);
        if (Date.now() > deadline) throw new Error('dev IdP: the device code was not approved in time');
        if (body.error === 'slow_down') wait += 1000;
        await new Promise((r) => setTimeout(r, wait));
      }
    },
    async deviceLogin(user) {
      const authorization = await idp.startDeviceAuthorization();
      await idp.approveDevice(user, authorization.userCode);
      return idp.pollDeviceToken(authorization.deviceCode);
    },
    async serviceToken() {
      const basic = Buffer.from(`${encodeURIComponent('cairn-ci')}:${encodeURIComponent(clientSecret)}`).toString('base64');
      const { body } = await postForm(tokenEndpoint, { grant_type: 'client_credentials', scope: 'cairn' }, { authorization: `Basic ${basic}` });
      return toTokens(body);
    },
    async refresh(refreshToken) {
      const { body } = await postForm(tokenEndpoint, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'cairn-cli' });
      return toTokens(body);
    },
    rotateKeys: (rotateOptions = {}) => kidsCommand('rotate', rotateOptions.kid ? [`--kid=${rotateOptions.kid}`] : []),
    retireOldKeys: () => kidsCommand('retire', []),
    stop,
  };
  return idp;
}
