import { execFile } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** The child's environment made from this process's (for a filtered copy); `env` wins when both are given. */
  envFrom?: (parent: Readonly<Record<string, string | undefined>>) => Record<string, string>;
  timeoutMs?: number;
  /** Bytes of stdout/stderr kept; more fails the run. */
  maxBuffer?: number;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
  constructor(
    readonly file: string,
    readonly args: readonly string[],
    readonly result: RunResult,
  ) {
    super(`${file} exited with ${result.exitCode}: ${result.stderr.trim() || result.stdout.trim()}`.slice(0, 2000));
  }
}

/**
 * Runs programs with an argument vector, never through a shell. The only place in Cairn
 * that starts processes.
 */
export class ProcessRepository {
  /** Runs `file args...`; resolves with its exit code and output (never rejects on a non-zero exit). */
  run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      execFile(
        file,
        [...args],
        {
          cwd: options.cwd,
          env: options.env ? (options.env as NodeJS.ProcessEnv) : options.envFrom ? options.envFrom(process.env) : process.env,
          timeout: options.timeoutMs ?? 60_000,
          maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024,
          shell: false,
          encoding: 'utf8',
        },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') {
            reject(new Error(`${file}: ${error.message}`));
            return;
          }
          resolve({ exitCode: error ? Number(error.code) : 0, stdout, stderr });
        },
      );
    });
  }

  /** Like run, but a non-zero exit rejects with CommandFailedError. */
  async check(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const result = await this.run(file, args, options);
    if (result.exitCode !== 0) throw new CommandFailedError(file, args, result);
    return result;
  }
}
