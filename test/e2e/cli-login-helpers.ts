import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { WORKSPACE } from '@cairn/testing';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const CLI_ARGS = ['-r', join(WORKSPACE, 'tools', 'register.js'), join(WORKSPACE, 'apps', 'cli', 'src', 'main.ts')];

/** Runs `cairn` as a real process with exactly `env` (plus PATH). */
export function startCli(args: string[], env: Record<string, string>): { child: ChildProcess; result: Promise<CliResult>; output: () => string } {
  const child = spawn(process.execPath, [...CLI_ARGS, ...args], {
    cwd: WORKSPACE,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return { child, result, output: () => stdout };
}

export const runCli = (args: string[], env: Record<string, string>): Promise<CliResult> => startCli(args, env).result;

/** Waits until the CLI's output matches `pattern` (or the CLI ends first: then it throws with what it said). */
export async function waitForOutput(cli: ReturnType<typeof startCli>, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  let ended: CliResult | undefined;
  void cli.result.then((r) => (ended = r));
  for (;;) {
    const match = pattern.exec(cli.output());
    if (match) return match;
    if (ended) throw new Error(`cairn ended (exit ${ended.code}) before printing ${pattern}: ${ended.stdout}${ended.stderr}`);
    if (Date.now() > deadline) throw new Error(`cairn did not print ${pattern} in ${timeoutMs} ms: ${cli.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `cairn login` as a person does it: the CLI prints a code, the person approves it at the IdP in a browser. */
export async function loginAs(approve: (userCode: string) => Promise<void>, env: Record<string, string>): Promise<CliResult & { userCode: string; verificationUri: string }> {
  const cli = startCli(['login'], env);
  const [, verificationUri = '', userCode = ''] = await waitForOutput(cli, /open this page in a browser on any device:\n {2}(\S+)\nand enter the code: {2}(\S+)\n/);
  await approve(userCode);
  return { ...(await cli.result), userCode, verificationUri };
}
