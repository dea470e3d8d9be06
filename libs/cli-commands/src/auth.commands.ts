import { Command } from 'commander';
import type { IdentityClient } from '@cairn/client';
import { UsageError } from './cli.errors';
import type { CliSettings } from './cli-settings';
import { renderDeviceInstructions, renderWhoAmI, whoAmIJson } from './identity-view';
import type { OidcClient } from './oidc-client';
import { terminalText } from './terminal-text';
import type { TokenCache } from './token-cache';
import type { Output } from './watch-view';

export interface AuthCliIo {
  out: Output;
  settings: () => CliSettings;
  cache: () => TokenCache;
  /** The identity provider's client: the configured issuer unless another is named. */
  idp: (options?: { issuer?: string }) => Promise<OidcClient>;
  identity: () => IdentityClient;
  /** The token every command sends (refreshed when it is about to expire). */
  token: () => Promise<string>;
  setExitCode: (code: number) => void;
  /** Aborts on Ctrl-C: a login stops waiting. */
  signal: AbortSignal;
}

/** `cairn login`, `cairn logout`, `cairn whoami`, `cairn token`. */
export function authCommands(io: AuthCliIo): Command[] {
  const login = new Command('login')
    .description('log in with your institution account (OAuth device login: open a URL on any device, enter a code; works over SSH)')
    .action(async () => {
      const settings = io.settings();
      if (settings.clientSecretFile !== undefined) {
        throw new UsageError('CAIRN_CLIENT_SECRET_FILE is set: a service account needs no login (every command gets its own token with the client credentials)');
      }
      const idp = await io.idp();
      const authorization = await idp.startDeviceAuthorization();
      io.out.write(renderDeviceInstructions(authorization));
      const issued = await idp.pollDeviceAuthorization(authorization, io.signal);
      const cache = io.cache();
      const tokens = { issuer: settings.issuer, clientId: settings.clientId, accessToken: issued.accessToken, expiresAt: issued.expiresAt };
      cache.write(issued.refreshToken === undefined ? tokens : { ...tokens, refreshToken: issued.refreshToken });
      io.out.write(`Logged in to ${terminalText(settings.issuer)} (tokens in ${terminalText(cache.file)}). \`cairn whoami\` shows who Cairn takes you for.\n`);
    });

  const logout = new Command('logout')
    .description('forget the cached login (and revoke it at the identity provider when it supports revocation)')
    .action(async () => {
      const cache = io.cache();
      const cached = cache.readForRevocation();
      let revoked = '';
      if (cached?.refreshToken !== undefined) {
        try {
          const idp = await io.idp({ issuer: cached.issuer });
          revoked = (await idp.revoke(cached.refreshToken, 'refresh_token')) ? ', and the session is revoked at the identity provider' : ' (the identity provider offers no revocation)';
        } catch (error) {
          revoked = `; the session could NOT be revoked at the identity provider: ${terminalText((error as Error).message)}`;
          io.setExitCode(1);
        }
      }
      const removed = cache.remove();
      io.out.write(removed ? `Logged out: ${terminalText(cache.file)} is deleted${revoked}.\n` : `Not logged in (no ${terminalText(cache.file)}).\n`);
    });

  const whoami = new Command('whoami')
    .description('who the gateway takes you for: identity, POSIX user, Slurm accounts (the default marked), roles, projects')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const who = await io.identity().whoAmI();
      io.out.write(opts.json ? whoAmIJson(who) : renderWhoAmI(who));
    });

  const token = new Command('token')
    .description("print the access token the CLI sends (refreshed first when it is about to expire), for your own programs: CAIRN_TOKEN=$(cairn token) ...")
    .action(async () => {
      io.out.write(`${await io.token()}\n`);
    });

  return [login, logout, whoami, token];
}
