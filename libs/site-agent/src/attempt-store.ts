import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type JobState, PAGE_BYTES, type SubmitAttemptCommand, submitAttemptCommand, UUID_PATTERN } from '@cairn/contracts';
import { z } from 'zod';
import { ITEM_RECORDS_MAX_BYTES, type ItemRecord, parseItemRecords } from './array-element';
import {
  EXIT_RECORD_MAX_BYTES,
  type ExitRecord,
  exitRecordSchema,
  INPUTS_RECORD_MAX_BYTES,
  inputsRecordSchema,
  START_RECORD_MAX_BYTES,
  type StartRecord,
  startRecordSchema,
} from './exit-record';
import { agentDir } from './job-fs';
import { openJobFile, readJobFile, readJsonRecord, type RecordRead } from './job-records';

/** What the agent remembers about an attempt, beside the command it was given. */
export const attemptStatusSchema = z.object({
  slurmJobId: z.string().optional(),
  /** Set just before sbatch runs: after a crash, look in squeue before submitting again. */
  submitting: z.boolean().default(false),
  cancelRequested: z.boolean().default(false),
  /** States already published, in order. */
  published: z.array(z.string()).default([]),
  final: z.boolean().default(false),
  /** For an array attempt: how many elements its Slurm array job has. */
  elements: z.number().int().min(1).optional(),
  /** Polls in a row that did not find the job in squeue. */
  missing: z.number().int().default(0),
  /**
   * A random value chosen when the attempt was accepted and put in its Slurm job's comment:
   * after a restart only a job carrying it is adopted (status.json is the agent's alone).
   */
  nonce: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  /**
   * For an attempt that runs as a person (its command's runAs): their uid and gid when it
   * was submitted. Files in out/ are read only when that uid owns them.
   */
  owner: z.object({ uid: z.number().int().min(1), gid: z.number().int().min(1) }).strict().optional(),
});
export type AttemptStatus = z.infer<typeof attemptStatusSchema>;

export interface Attempt {
  id: string;
  dir: string;
  /** Undefined for a tombstone: an attempt cancelled before the agent ever got it. */
  command?: SubmitAttemptCommand;
  status: AttemptStatus;
}


/** Directory (below an attempt's) that the job user owns: the wrapper's records and the job's output. */
export const OUT_DIR = 'out';

/**
 * The agent's durable memory: one directory per attempt under `root`, holding the command
 * (command.json) and the agent's status (status.json), both readable by the agent alone,
 * the batch script, the argv or element files (the agent's, readable but not writable by
 * jobs), and `out/` and `work/`, which the job user owns (the wrapper's records, the job's
 * output, its workspace). Files are replaced atomically (write, fsync, rename, fsync the
 * directory); an attempt's directory appears atomically, complete, or not at all.
 */
export class AttemptStore {
  constructor(readonly root: string) {}

  dirOf(attemptId: string): string {
    if (!UUID_PATTERN.test(attemptId)) throw new Error(`invalid attempt id ${JSON.stringify(attemptId)}`);
    return join(this.root, attemptId);
  }

  /** Where the job's records and output are (owned by the job user). */
  outDir(attempt: Pick<Attempt, 'dir'>): string {
    return join(attempt.dir, OUT_DIR);
  }

  /** Creates the root (listable by the agent alone) and clears creations a crash interrupted. */
  async init(): Promise<void> {
    await agentDir(this.root, 0o711);
    for (const name of await readdir(this.root)) {
      if (name.startsWith('.new-')) await rm(join(this.root, name), { recursive: true, force: true });
    }
  }

  async load(attemptId: string): Promise<Attempt | undefined> {
    const dir = this.dirOf(attemptId);
    const statusText = await readFile(join(dir, 'status.json'), 'utf8').catch(() => undefined);
    if (statusText === undefined) return undefined;
    const status = attemptStatusSchema.parse(JSON.parse(statusText));
    const commandText = await readFile(join(dir, 'command.json'), 'utf8').catch(() => undefined);
    const command = commandText === undefined ? undefined : submitAttemptCommand.parse(JSON.parse(commandText));
    return { id: attemptId, dir, command, status };
  }

  /** Every attempt on disk that is not final yet. */
  async loadOpen(): Promise<Attempt[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const open: Attempt[] = [];
    for (const name of names.filter((n) => UUID_PATTERN.test(n))) {
      const attempt = await this.load(name);
      if (attempt && !attempt.status.final) open.push(attempt);
    }
    return open;
  }

  /**
   * Records a new attempt durably; the reply to the scheduler is sent only after this.
   * Atomic: the attempt's directory is filled under a temporary name and renamed into
   * place, which fails when it exists, so of two deliveries of one attempt exactly one
   * creates it (undefined for the others).
   */
  async createIfAbsent(command: SubmitAttemptCommand): Promise<Attempt | undefined> {
    const status = attemptStatusSchema.parse({ nonce: randomBytes(16).toString('hex') });
    const dir = await this.createDir(command.attemptId, { 'command.json': JSON.stringify(command), 'status.json': JSON.stringify(status) });
    return dir === undefined ? undefined : { id: command.attemptId, dir, command, status };
  }

  /** Like createIfAbsent, for an attempt that must be new. */
  async create(command: SubmitAttemptCommand): Promise<Attempt> {
    const attempt = await this.createIfAbsent(command);
    if (!attempt) throw new Error(`attempt ${command.attemptId} exists already`);
    return attempt;
  }

  /** A tombstone: the attempt was cancelled before it arrived; it must never run. False when the attempt exists. */
  async createTombstone(attemptId: string): Promise<boolean> {
    const status = attemptStatusSchema.parse({ cancelRequested: true, final: true, published: ['CANCELLED'] });
    return (await this.createDir(attemptId, { 'status.json': JSON.stringify(status) })) !== undefined;
  }

  private async createDir(attemptId: string, files: Record<string, string>): Promise<string | undefined> {
    const dir = this.dirOf(attemptId);
    const tmp = join(this.root, `.new-${attemptId}-${randomBytes(6).toString('hex')}`);
    await mkdir(this.root, { recursive: true, mode: 0o711 });
    await mkdir(tmp, { mode: 0o711 });
    try {
      await chmod(tmp, 0o711);
      for (const [name, content] of Object.entries(files)) await writeSynced(join(tmp, name), content, 0o600);
      await syncDir(tmp);
      // rename(2) replaces only an EMPTY directory; an attempt's directory never is.
      await rename(tmp, dir);
    } catch (error) {
      await rm(tmp, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return undefined;
      throw error;
    }
    await syncDir(this.root);
    return dir;
  }

  async saveStatus(attempt: Attempt): Promise<void> {
    await writeAtomic(join(attempt.dir, 'status.json'), JSON.stringify(attempt.status), 0o600);
  }

  /** Writes one of the agent's launch files (readable by the job, never writable by it). */
  async writeFile(attempt: Attempt, name: string, content: string | Buffer, mode = 0o644): Promise<string> {
    const path = join(attempt.dir, name);
    await writeAtomic(path, content, mode);
    return path;
  }

  /** The wrapper's exit record: absent, valid, or invalid with the reason (the job can write it). */
  async readExitRecord(attempt: Attempt): Promise<RecordRead<ExitRecord>> {
    const record = await readJsonRecord(join(this.outDir(attempt), 'exit.json'), exitRecordSchema, EXIT_RECORD_MAX_BYTES, attempt.status.owner?.uid);
    const expected = attempt.status.slurmJobId;
    if (record.kind === 'ok' && expected && record.value.slurmJobId !== expected) {
      return { kind: 'invalid', reason: `it names Slurm job ${JSON.stringify(record.value.slurmJobId)}, not ${expected}` };
    }
    return record;
  }

  /**
   * The item records of an array attempt's elements (the last record of an item wins), and
   * why any element's records could not be read.
   */
  async readItemRecords(attempt: Attempt, elements: number): Promise<{ items: ItemRecord[]; elementsWithRecords: number; invalid: string[] }> {
    const items: ItemRecord[] = [];
    const invalid: string[] = [];
    let elementsWithRecords = 0;
    for (let k = 0; k < elements; k += 1) {
      const file = await readJobFile(join(this.outDir(attempt), `items-${k}.jsonl`), ITEM_RECORDS_MAX_BYTES, attempt.status.owner?.uid);
      if (file.kind === 'absent') continue;
      elementsWithRecords += 1;
      if (file.kind === 'invalid') {
        invalid.push(`element ${k}: ${file.reason}`);
        continue;
      }
      items.push(...parseItemRecords(file.data.toString('utf8')).values());
    }
    return { items: items.sort((a, b) => a.item - b.item), elementsWithRecords, invalid };
  }

  /** The wrapper's start record when it is there and valid (host and start time for RUNNING). */
  async readStartRecord(attempt: Attempt): Promise<StartRecord | undefined> {
    const record = await readJsonRecord(join(this.outDir(attempt), 'start.json'), startRecordSchema, START_RECORD_MAX_BYTES, attempt.status.owner?.uid);
    return record.kind === 'ok' ? record.value : undefined;
  }

  /** An array attempt's input digests, hashed once by its element 0 (undefined when absent or invalid). */
  async readInputsRecord(attempt: Attempt): Promise<readonly unknown[] | undefined> {
    const record = await readJsonRecord(join(this.outDir(attempt), 'inputs.json'), inputsRecordSchema, INPUTS_RECORD_MAX_BYTES, attempt.status.owner?.uid);
    return record.kind === 'ok' ? record.value.inputs : undefined;
  }

  async hasStarted(attempt: Attempt): Promise<boolean> {
    return lstat(join(this.outDir(attempt), 'start.json')).then(
      () => true,
      () => false,
    );
  }

  /**
   * One page of the last `maxBytes` of a job's output (an array's: its elements' outputs
   * one after another, element 0 first). Without `offset`, the page starts the window;
   * `end` (from the first page) keeps the window fixed while the job writes on. Reads at
   * most `pageBytes`, whatever the output's size: memory stays bounded. (While elements of
   * an array still run, their outputs grow in place and later pages may shift.)
   */
  async readOutput(
    attempt: Attempt,
    stream: 'stdout' | 'stderr',
    window: { maxBytes: number; offset?: number; end?: number },
    pageBytes = PAGE_BYTES,
  ): Promise<OutputWindowPage> {
    const files = attempt.status.elements
      ? Array.from({ length: attempt.status.elements }, (_, k) => join(this.outDir(attempt), `${stream}-${k}`))
      : [join(this.outDir(attempt), stream)];
    const sizes: number[] = [];
    for (const file of files) sizes.push(await lstat(file).then((s) => (s.isFile() ? s.size : 0), () => 0));
    const total = sizes.reduce((a, b) => a + b, 0);
    const end = Math.min(window.end ?? total, total);
    const windowStart = Math.max(0, end - window.maxBytes);
    const offset = Math.min(window.offset ?? windowStart, end);
    const data = await readRange(files, sizes, offset, Math.min(pageBytes, end - offset), attempt.status.owner?.uid);
    return { data, offset, end, truncated: windowStart > 0 };
  }
}

export interface OutputWindowPage {
  data: Buffer;
  /** Where `data` starts in the (concatenated) output. */
  offset: number;
  /** Where the window ends. */
  end: number;
  /** Output before the window was left out. */
  truncated: boolean;
}

/** `length` bytes from `offset` of the files read one after another (a short file reads as what it has). */
async function readRange(files: string[], sizes: number[], offset: number, length: number, owner?: number): Promise<Buffer> {
  const out = Buffer.alloc(Math.max(0, length));
  let filled = 0;
  let base = 0;
  for (const [k, file] of files.entries()) {
    const size = sizes[k] ?? 0;
    if (filled >= out.length) break;
    const from = offset + filled - base;
    base += size;
    if (from >= size) continue;
    // The job owns these files: never through a link it planted, never blocking on a FIFO.
    const handle = await openJobFile(file, owner).catch(() => undefined);
    if (!handle) continue;
    try {
      const want = Math.min(size - from, out.length - filled);
      const { bytesRead } = await handle.read(out, filled, want, from);
      filled += bytesRead;
      if (bytesRead < want) break;
    } finally {
      await handle.close();
    }
  }
  return out.subarray(0, filled);
}

export function hasPublished(attempt: Attempt, state: JobState): boolean {
  return attempt.status.published.includes(state);
}

/** write, fsync, rename, fsync the directory: after this the file is there, whole, across a crash. */
async function writeAtomic(path: string, content: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  await writeSynced(tmp, content, mode);
  await rename(tmp, path);
  await syncDir(dirname(path));
}

async function writeSynced(path: string, content: string | Buffer, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync of a directory: makes the creation, rename or removal of its entries durable. */
export async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
