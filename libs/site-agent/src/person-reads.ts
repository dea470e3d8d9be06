import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessRepository } from '@cairn/adapters/process';
import { CairnError, ERROR_CODES, type ErrorCode, runFileReply, type RunFileQuery, type RunGlobQuery, UUID_PATTERN } from '@cairn/contracts';
import { z } from 'zod';
import type { JobUser } from './job-user';
import { type RunFile, RunFiles } from './run-files';
import { globRun } from './run-glob';
import type { RunAsUsers } from './run-as-user';

/** The program the helper runs as: node with the agent's TypeScript loader and the helper file. */
export interface HelperProgram {
  node: string;
  args: readonly string[];
}

/** The helper shipped beside this file (person-reads.helper.ts), run the way the agent itself runs. */
export function defaultHelperProgram(): HelperProgram {
  return { node: process.execPath, args: ['-r', join(__dirname, '..', '..', '..', 'tools', 'register.js'), join(__dirname, 'person-reads.helper.ts')] };
}

/**
 * The argument vector that runs the helper as `user`: setpriv sets the real and effective
 * uid and gid and drops every supplementary group (the helper needs no more than the
 * person's own files), and the helper gets an environment of PATH alone.
 */
export function helperArgv(user: Pick<JobUser, 'uid' | 'gid'>, program: HelperProgram, op: 'run-file' | 'run-glob', root: string, query: object): string[] {
  for (const id of [user.uid, user.gid]) if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`refusing to run the helper as id ${id}`);
  return [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', program.node, ...program.args, op, root, JSON.stringify(query)];
}

/** Read helpers running at once, whatever the number of queries in flight. */
export const MAX_HELPERS = 4;

const helperError = z.object({ error: z.string().max(4096), code: z.string().max(64).optional() });
const globReply = z.object({ paths: z.array(z.string().max(4096)) });

/**
 * Reads of workflow run directories (run-file, run-glob) done as whoever owns the run.
 * The owner is what the agent itself recorded: the run's top directory, which the agent
 * created in its own runs directory and handed to the job's user (a query's word is never
 * taken). The site's job user's runs (and every run of an agent that is not root) are read
 * by the agent itself with RunFiles' checks; a person's run is read by the helper running
 * as that person, so no link they plant can reach anything they could not read anyway.
 * Costs one process per query (see docs/security.md for the measured cost).
 */
export class PersonReads {
  /** Processes the helper started (for tests and metrics). */
  spawns = 0;
  /** Helpers running now, and the queries waiting for one to end. */
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly root: string,
    private readonly jobUser: Pick<JobUser, 'uid' | 'switchUser'>,
    private readonly users: RunAsUsers,
    private readonly processes: ProcessRepository,
    private readonly program: HelperProgram = defaultHelperProgram(),
  ) {}

  async runFile(query: RunFileQuery): Promise<RunFile> {
    const owner = await this.ownerOf(query.runId);
    if (owner === 'missing') return { exists: false, dataBase64: '', truncated: false };
    if (owner === 'agent') return new RunFiles(this.root).read(query);
    return answerOf(runFileReply, await this.call(owner, 'run-file', query), owner);
  }

  async runGlob(query: RunGlobQuery): Promise<string[]> {
    const owner = await this.ownerOf(query.runId);
    if (owner === 'missing') return [];
    if (owner === 'agent') return globRun(this.root, query);
    const { paths } = answerOf(globReply, await this.call(owner, 'run-glob', query), owner);
    if (paths.length > query.limit) throw new CairnError('INVALID_ARGUMENT', `the pattern matches more than ${query.limit} paths`);
    return paths;
  }

  /** Who reads the run: the agent itself, or the person its top directory belongs to. */
  private async ownerOf(runId: string): Promise<JobUser | 'agent' | 'missing'> {
    if (!UUID_PATTERN.test(runId)) throw new CairnError('INVALID_ARGUMENT', `invalid run id ${JSON.stringify(runId)}`);
    const stats = await lstat(join(this.root, runId)).catch(() => undefined);
    if (!stats) return 'missing';
    if (!stats.isDirectory()) throw new CairnError('FAILED_PRECONDITION', `run ${runId} is not a directory on this site`);
    if (!this.jobUser.switchUser || stats.uid === this.jobUser.uid || stats.uid === process.getuid?.()) return 'agent';
    return this.users.byUid(stats.uid);
  }

  private async call(user: JobUser, op: 'run-file' | 'run-glob', query: object): Promise<unknown> {
    // At most MAX_HELPERS at once (each is a node process of about 130 MB): the rest queue.
    while (this.running >= MAX_HELPERS) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running += 1;
    try {
      return await this.callNow(user, op, query);
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }

  private async callNow(user: JobUser, op: 'run-file' | 'run-glob', query: object): Promise<unknown> {
    this.spawns += 1;
    const result = await this.processes.run('setpriv', helperArgv(user, this.program, op, this.root, query), {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      timeoutMs: 60_000,
      // A glob may list up to a million paths (RunGlobQuery.limit) before the agent pages them.
      maxBuffer: op === 'run-glob' ? 256 * 1024 * 1024 : 4 * 1024 * 1024,
    });
    let answer: unknown;
    try {
      answer = JSON.parse(result.stdout.trim().split('\n').pop() ?? '');
    } catch {
      throw new CairnError('INTERNAL', `the read helper (as ${user.name}) failed: exit ${result.exitCode}: ${result.stderr.trim().slice(0, 300)}`);
    }
    const failed = helperError.safeParse(answer);
    if (failed.success) {
      const code = ERROR_CODES.find((c): c is ErrorCode => c === failed.data.code) ?? 'FAILED_PRECONDITION';
      throw new CairnError(code, failed.data.error);
    }
    if (result.exitCode !== 0) throw new CairnError('INTERNAL', `the read helper (as ${user.name}) exited with ${result.exitCode}`);
    return answer;
  }
}

/** The helper's answer, if it has the reply's shape (it is the person's process: its word is a claim). */
function answerOf<T>(schema: z.ZodType<T>, answer: unknown, user: JobUser): T {
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw new CairnError('INTERNAL', `the read helper (as ${user.name}) answered something that is not a reply`);
  return parsed.data;
}
