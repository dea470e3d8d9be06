import { open, mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type JobState, type SubmitAttemptCommand, submitAttemptCommand } from '@cairn/contracts';
import { z } from 'zod';
import { type ItemRecord, parseItemRecords } from './array-element';
import { type ExitRecord, exitRecordSchema } from './exit-record';

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
});
export type AttemptStatus = z.infer<typeof attemptStatusSchema>;

export interface Attempt {
  id: string;
  dir: string;
  /** Undefined for a tombstone: an attempt cancelled before the agent ever got it. */
  command?: SubmitAttemptCommand;
  status: AttemptStatus;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The agent's durable memory: one directory per attempt under `root`, holding the command
 * (command.json), the agent's status (status.json), the batch script, the argv, the job's
 * output and the wrapper's records. Files are replaced atomically (write, fsync, rename).
 */
export class AttemptStore {
  constructor(readonly root: string) {}

  dirOf(attemptId: string): string {
    if (!ID.test(attemptId)) throw new Error(`invalid attempt id ${JSON.stringify(attemptId)}`);
    return join(this.root, attemptId);
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
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
    for (const name of names.filter((n) => ID.test(n))) {
      const attempt = await this.load(name);
      if (attempt && !attempt.status.final) open.push(attempt);
    }
    return open;
  }

  /** Records a new attempt durably; the reply to the scheduler is sent only after this. */
  async create(command: SubmitAttemptCommand): Promise<Attempt> {
    const dir = this.dirOf(command.attemptId);
    await mkdir(dir, { recursive: true });
    await writeAtomic(join(dir, 'command.json'), JSON.stringify(command));
    const status = attemptStatusSchema.parse({});
    await writeAtomic(join(dir, 'status.json'), JSON.stringify(status));
    return { id: command.attemptId, dir, command, status };
  }

  /** A tombstone: the attempt was cancelled before it arrived; it must never run. */
  async createTombstone(attemptId: string): Promise<void> {
    const dir = this.dirOf(attemptId);
    await mkdir(dir, { recursive: true });
    const status = attemptStatusSchema.parse({ cancelRequested: true, final: true, published: ['CANCELLED'] });
    await writeAtomic(join(dir, 'status.json'), JSON.stringify(status));
  }

  async saveStatus(attempt: Attempt): Promise<void> {
    await writeAtomic(join(attempt.dir, 'status.json'), JSON.stringify(attempt.status));
  }

  async writeFile(attempt: Attempt, name: string, content: string | Buffer, mode = 0o644): Promise<string> {
    const path = join(attempt.dir, name);
    await writeAtomic(path, content, mode);
    return path;
  }

  async readExitRecord(attempt: Attempt): Promise<ExitRecord | undefined> {
    const text = await readFile(join(attempt.dir, 'exit.json'), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const parsed = exitRecordSchema.safeParse(safeJson(text));
    return parsed.success ? parsed.data : undefined;
  }

  /** The item records of an array attempt's elements (the last record of an item wins). */
  async readItemRecords(attempt: Attempt, elements: number): Promise<{ items: ItemRecord[]; elementsWithRecords: number }> {
    const items: ItemRecord[] = [];
    let elementsWithRecords = 0;
    for (let k = 0; k < elements; k += 1) {
      const text = await readFile(join(attempt.dir, `items-${k}.jsonl`), 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      elementsWithRecords += 1;
      items.push(...parseItemRecords(text).values());
    }
    return { items: items.sort((a, b) => a.item - b.item), elementsWithRecords };
  }

  async hasStarted(attempt: Attempt): Promise<boolean> {
    return stat(join(attempt.dir, 'start.json')).then(
      () => true,
      () => false,
    );
  }

  /** The last `maxBytes` of a job's output (an array's: its elements' outputs in order). */
  async tail(attempt: Attempt, stream: 'stdout' | 'stderr', maxBytes: number): Promise<{ data: Buffer; truncated: boolean }> {
    if (attempt.status.elements) {
      const parts: Buffer[] = [];
      for (let k = 0; k < attempt.status.elements; k += 1) {
        parts.push(await readFile(join(attempt.dir, `${stream}-${k}`)).catch(() => Buffer.alloc(0)));
      }
      const all = Buffer.concat(parts);
      return { data: all.subarray(Math.max(0, all.length - maxBytes)), truncated: all.length > maxBytes };
    }
    const handle = await open(join(attempt.dir, stream), 'r').catch(() => undefined);
    if (!handle) return { data: Buffer.alloc(0), truncated: false };
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, maxBytes);
      const data = Buffer.alloc(length);
      await handle.read(data, 0, length, size - length);
      return { data, truncated: size > length };
    } finally {
      await handle.close();
    }
  }
}

export function hasPublished(attempt: Attempt, state: JobState): boolean {
  return attempt.status.published.includes(state);
}

async function writeAtomic(path: string, content: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const handle = await open(tmp, 'w', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
