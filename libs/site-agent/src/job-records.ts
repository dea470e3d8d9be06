import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { z } from 'zod';

/**
 * Files a job writes (its records and output) live in a directory the job user owns, so
 * the agent reads them as hostile input: never through a symbolic link (a job could point
 * one at any file the agent may read), never blocking on a FIFO, never more than a bound,
 * and a record that does not parse is reported, not thrown.
 */
export type JobFileRead = { kind: 'absent' } | { kind: 'invalid'; reason: string } | { kind: 'ok'; data: Buffer };
export type RecordRead<T> = { kind: 'absent' } | { kind: 'invalid'; reason: string } | { kind: 'ok'; value: T };

/**
 * Opens a job-written file for reading: a regular file, not through a link, and (with
 * `owner`) one that uid owns: what a person's job wrote, never a hard link to another's
 * file; undefined when absent.
 */
export async function openJobFile(path: string, owner?: number): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') throw new JobFileError(`${path} is a symbolic link`);
    throw error;
  }
  const stats = await handle.stat();
  if (!stats.isFile() || (owner !== undefined && stats.uid !== owner)) {
    await handle.close();
    throw new JobFileError(stats.isFile() ? `${path} belongs to uid ${stats.uid}, not to the job's user` : `${path} is not a regular file`);
  }
  return handle;
}

export class JobFileError extends Error {
  override readonly name = 'JobFileError';
}

/** Reads a whole job-written file of at most `maxBytes`. */
export async function readJobFile(path: string, maxBytes: number, owner?: number): Promise<JobFileRead> {
  let handle: FileHandle | undefined;
  try {
    handle = await openJobFile(path, owner);
  } catch (error) {
    if (error instanceof JobFileError) return { kind: 'invalid', reason: error.message };
    throw error;
  }
  if (!handle) return { kind: 'absent' };
  try {
    // Sized by the file when opened: bytes the job appends meanwhile are left for the next read.
    const { size } = await handle.stat();
    if (size > maxBytes) return { kind: 'invalid', reason: `${path} is larger than ${maxBytes} bytes` };
    const buffer = Buffer.alloc(size);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return { kind: 'ok', data: buffer.subarray(0, length) };
  } finally {
    await handle.close();
  }
}

/**
 * Reads and validates a one-object JSON record (exit.json, start.json, inputs.json). The
 * wrappers write each record in place as one line (no temporary file and rename: two
 * process starts a job saved), so a record is whole once its line has ended: a file that
 * is empty or does not end in a newline is one being written, or cut short by a SIGKILL,
 * and reads as absent, as an unrenamed temporary file did. (Item records follow the same
 * rule, line by line: parseItemRecords.)
 */
export async function readJsonRecord<T>(path: string, schema: z.ZodType<T>, maxBytes: number, owner?: number): Promise<RecordRead<T>> {
  const file = await readJobFile(path, maxBytes, owner);
  if (file.kind !== 'ok') return file;
  if (!isWholeLine(file.data)) return { kind: 'absent' };
  return parseJsonRecord(file.data.toString('utf8'), schema);
}

/** Whether a record's bytes end its line: written whole, not being written or cut short. */
export function isWholeLine(data: Buffer): boolean {
  return data.length > 0 && data[data.length - 1] === 0x0a;
}

export function parseJsonRecord<T>(text: string, schema: z.ZodType<T>): RecordRead<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'it is not JSON' };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'invalid', reason: `${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'invalid'}` };
  }
  return { kind: 'ok', value: parsed.data };
}
