import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { loadConfig, setting } from '@cairn/config';
import { GatewayError, JobsClient, WorkflowsClient } from '@cairn/client';
import { replaceControls } from '@cairn/contracts';
import { UsageError } from './cli.errors';
import { jobCommands } from './job.commands';
import { workflowCommands } from './workflow.commands';

const cliSettings = {
  gateway: setting(
    'CAIRN_GATEWAY',
    z.string().regex(/^[^\s:]+:[0-9]{1,5}$/, 'expected host:port').default('127.0.0.1:50051'),
    'gateway address',
  ),
};

/**
 * Runs the `cairn` command. Every failure is one line on stderr (no stack traces):
 * exit 2 for bad usage or an invalid request, 1 for anything else.
 */
export async function runCli(argv: string[], io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): Promise<number> {
  let exitCode = 0;
  let client: JobsClient | undefined;
  let workflows: WorkflowsClient | undefined;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const program = new Command('cairn')
    .description('Cairn: run containerised work on HPC clusters')
    .option('-g, --gateway <host:port>', 'gateway address (default: $CAIRN_GATEWAY or 127.0.0.1:50051)')
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
  const gateway = () => (program.opts() as { gateway?: string }).gateway ?? loadConfig(cliSettings).gateway;
  program.addCommand(
    workflowCommands({
      out,
      client: () => {
        workflows ??= new WorkflowsClient(gateway());
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
        client ??= new JobsClient(gateway());
        return client;
      },
      setExitCode,
      signal: abort.signal,
    }),
  );
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
  }
  return exitCode;
}

function report(error: unknown, stderr: NodeJS.WriteStream): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof UsageError) {
    stderr.write(`cairn: ${error.message}\n`);
    return 2;
  }
  if (error instanceof GatewayError) {
    // The server's message, one problem a line; any other control character shown as U+FFFD.
    stderr.write(`cairn: ${error.codeName}: ${replaceControls(error.message, '\n')}\n`);
    // The request itself is wrong or too big: running it again as is cannot succeed.
    return ['INVALID_ARGUMENT', 'NOT_FOUND', 'RESOURCE_EXHAUSTED'].includes(error.codeName) ? 2 : 1;
  }
  stderr.write(`cairn: ${(error as Error).message ?? String(error)}\n`);
  return 1;
}
