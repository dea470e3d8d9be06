import { Command, CommanderError } from 'commander';
import { AuditClient, GatewayError, IdentityClient, ImagesClient, JobsClient, ProvenanceClient, SitesClient, TemplatesClient, WorkflowsClient } from '@cairn/client';
import { auditCommand } from './audit.commands';
import { authCommands } from './auth.commands';
import { EXIT_NOT_LOGGED_IN, NotLoggedInError, UsageError } from './cli.errors';
import { type CliSettings, loadCliSettings } from './cli-settings';
import { gatewayClientOptions, oidcClientFor, sessionFor } from './cli-wiring';
import { jobCommands } from './job.commands';
import { usageCommand } from './usage.commands';
import { imagesCommands } from './images.commands';
import { IdpError } from './oidc-client';
import { provenanceCommands } from './provenance.commands';
import { sitesCommand } from './sites.commands';
import { templateCommands } from './template.commands';
import { terminalText } from './terminal-text';
import { TokenCache, TokenCacheError } from './token-cache';
import { workflowCommands } from './workflow.commands';

/** What the CLI writes to: process.stdout and process.stderr, or a spec's sink. */
export interface CliStream {
  write(text: string): boolean;
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/**
 * Runs the `cairn` command. Every failure is one line on stderr (no stack traces):
 * exit 2 for bad usage or an invalid request, 4 when the command needs a login it does
 * not have (run `cairn login`), 1 for anything else.
 */
export async function runCli(
  argv: string[],
  io: { stdout: CliStream; stderr: CliStream },
  /** The environment the settings come from (default: the process's). */
  env?: Record<string, string | undefined>,
): Promise<number> {
  let exitCode = 0;
  let client: JobsClient | undefined;
  let workflows: WorkflowsClient | undefined;
  let identity: IdentityClient | undefined;
  let audit: AuditClient | undefined;
  let sites: SitesClient | undefined;
  let templates: TemplatesClient | undefined;
  let provenance: ProvenanceClient | undefined;
  let images: ImagesClient | undefined;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const program = new Command('cairn')
    .description('Cairn: run containerised work on HPC clusters')
    .option('-g, --gateway <host:port>', 'gateway address (default: $CAIRN_GATEWAY or 127.0.0.1:50051)')
    .option('--token-file <path>', 'send the bearer token in this file (readable by its owner only) instead of the cached login')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  // When whoever reads stdout goes away (`cairn workflow watch RUN | head`), stop writing
  // and stop watching instead of dying of an unhandled EPIPE.
  let outputClosed = false;
  io.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') return;
    outputClosed = true;
    abort.abort();
  });
  const out = {
    write: (s: string) => void (outputClosed || io.stdout.write(s)),
    isTTY: Boolean(io.stdout.isTTY),
    get columns() {
      return io.stdout.columns;
    },
    get rows() {
      return io.stdout.rows;
    },
  };
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  let loaded: CliSettings | undefined;
  const settings = () => (loaded ??= loadCliSettings(env));
  const flags = () => program.opts<{ gateway?: string; tokenFile?: string }>();
  const gateway = () => flags().gateway ?? settings().gateway;
  const cache = () => new TokenCache(settings().configDir);
  const idp = (options: { issuer?: string; clientSecret?: string } = {}) => oidcClientFor(settings(), options);
  let session: ReturnType<typeof sessionFor> | undefined;
  const token = () => (session ??= sessionFor(settings(), flags().tokenFile, cache(), idp)).token();
  const clientOptions = () => gatewayClientOptions(settings(), token);
  program.addCommand(
    workflowCommands({
      out,
      client: () => {
        workflows ??= new WorkflowsClient(gateway(), clientOptions());
        return workflows;
      },
      setExitCode,
      signal: abort.signal,
    }),
  );
  program.addCommand(
    jobCommands({
      out,
      client: () => {
        client ??= new JobsClient(gateway(), clientOptions());
        return client;
      },
      setExitCode,
      signal: abort.signal,
    }),
  );
  program.addCommand(
    usageCommand({
      out,
      jobs: () => (client ??= new JobsClient(gateway(), clientOptions())),
      workflows: () => (workflows ??= new WorkflowsClient(gateway(), clientOptions())),
    }),
  );
  program.addCommand(auditCommand({ out, client: () => (audit ??= new AuditClient(gateway(), clientOptions())) }));
  program.addCommand(sitesCommand({ out, client: () => (sites ??= new SitesClient(gateway(), clientOptions())) }));
  program.addCommand(templateCommands({ out, client: () => (templates ??= new TemplatesClient(gateway(), clientOptions())) }));
  program.addCommand(
    provenanceCommands({
      out,
      client: () => (provenance ??= new ProvenanceClient(gateway(), clientOptions())),
      workflows: () => (workflows ??= new WorkflowsClient(gateway(), clientOptions())),
      setExitCode,
      signal: abort.signal,
    }),
  );
  program.addCommand(imagesCommands({ out, client: () => (images ??= new ImagesClient(gateway(), clientOptions())), signal: abort.signal }));
  for (const command of authCommands({
    out,
    settings,
    cache,
    idp,
    identity: () => (identity ??= new IdentityClient(gateway(), clientOptions())),
    token,
    setExitCode,
    signal: abort.signal,
  })) {
    program.addCommand(command);
  }
  // addCommand does not pass settings down: every command must throw, not exit, on bad usage.
  const inherit = (command: Command) => {
    for (const sub of command.commands) {
      sub.copyInheritedSettings(command);
      inherit(sub);
    }
  };
  inherit(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    exitCode = report(error, io.stderr);
  } finally {
    process.off('SIGINT', onSigint);
    client?.close();
    workflows?.close();
    identity?.close();
    audit?.close();
    sites?.close();
    templates?.close();
    provenance?.close();
    images?.close();
  }
  return exitCode;
}

function report(error: unknown, stderr: CliStream): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof UsageError) {
    stderr.write(`cairn: ${error.message}\n`);
    return 2;
  }
  if (error instanceof NotLoggedInError || error instanceof TokenCacheError) {
    stderr.write(`cairn: ${terminalText(error.message)}\n`);
    return EXIT_NOT_LOGGED_IN;
  }
  if (error instanceof IdpError) {
    stderr.write(`cairn: ${terminalText(error.message)}\n`);
    return ['expired', 'denied', 'session-ended'].includes(error.kind) ? EXIT_NOT_LOGGED_IN : 1;
  }
  if (error instanceof GatewayError && error.codeName === 'UNAUTHENTICATED') {
    stderr.write(`cairn: UNAUTHENTICATED: ${terminalText(error.message)}\ncairn: the gateway did not accept your login: run \`cairn login\`\n`);
    return EXIT_NOT_LOGGED_IN;
  }
  if (error instanceof GatewayError) {
    // The server's message, one problem a line; any other control character shown as U+FFFD.
    stderr.write(`cairn: ${error.codeName}: ${error.message.split('\n').map(terminalText).join('\n')}\n`);
    // The request itself is wrong or too big: running it again as is cannot succeed.
    return ['INVALID_ARGUMENT', 'NOT_FOUND', 'RESOURCE_EXHAUSTED'].includes(error.codeName) ? 2 : 1;
  }
  stderr.write(`cairn: ${terminalText((error as Error).message ?? String(error))}\n`);
  return 1;
}
