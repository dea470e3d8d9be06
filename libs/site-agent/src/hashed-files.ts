import { join } from 'node:path';
import { type FileDigest, MAX_HASHED_FILES, type RunFacts, runFactsSchema, sha256Hex, type WorkflowRunDir } from '@cairn/contracts';
import { z } from 'zod';
import { encodeArgv } from './batch-script';

/**
 * Provenance: the wrappers hash the files a job declared where it runs (cairn-hash.sh) and
 * write each digest by the declared path's POSITION in the agent's list, never by a path:
 * a record cannot name a file nobody declared, and stays small. The agent maps positions
 * back to the declared paths; everything declared and not hashed is reported unhashed.
 */

/** The agent's lists (NUL-separated, in the attempt's directory, not writable by jobs). */
export const HASH_OUTPUTS_FILE = 'hash-outputs';
export const HASH_INPUTS_FILE = 'hash-inputs';

/** One digest as a wrapper writes it. */
export const recordedDigestSchema = z
  .object({
    i: z.number().int().min(0).max(MAX_HASHED_FILES - 1),
    sha256: sha256Hex,
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    kind: z.enum(['file', 'dir']),
  })
  .strict();

/** A record's digests: at most MAX_HASHED_FILES entries, each checked on its own (digestsOf). */
export const recordedDigestsSchema = z.array(z.unknown()).max(MAX_HASHED_FILES);

/** The longest a reported path may be (fileDigestSchema.path). */
const MAX_PATH = 1024;

/**
 * The lists the agent writes for an attempt of a workflow run: `hash-outputs` holds the
 * run's directory on the host (the boundary no output may lead out of), the step's
 * directory (an array item's outputs are below <step dir>/<index>), then each declared
 * output; `hash-inputs` the declared inputs from outside the run. Nothing without a run.
 */
export function hashLists(run: WorkflowRunDir | undefined, runsDir: string, stepHostDir: string): { name: string; content: Buffer }[] {
  if (!run) return [];
  const lists: { name: string; content: Buffer }[] = [];
  const outputs = (run.outputs ?? []).slice(0, MAX_HASHED_FILES);
  const inputs = (run.inputs ?? []).slice(0, MAX_HASHED_FILES);
  if (outputs.length > 0) lists.push({ name: HASH_OUTPUTS_FILE, content: encodeArgv([join(runsDir, run.id), stepHostDir, ...outputs]) });
  if (inputs.length > 0) lists.push({ name: HASH_INPUTS_FILE, content: encodeArgv(inputs) });
  return lists;
}

/**
 * The digests a job-written record reports for the `declared` paths: only entries that
 * parse, each naming a declared position once (the first wins); the paths are the
 * declared ones with `prefix` (an item's "<index>/"). Declared paths without a digest
 * (missing, refused by the wrapper, or a bad entry) are `unhashed`. No record part at all
 * (`raw` undefined): every declared path is unhashed.
 */
export function digestsOf(raw: readonly unknown[] | undefined, declared: readonly string[], prefix = ''): { digests: FileDigest[]; unhashed: string[] } {
  const byIndex = new Map<number, FileDigest>();
  for (const entry of raw ?? []) {
    const parsed = recordedDigestSchema.safeParse(entry);
    if (!parsed.success) continue;
    const { i, sha256, size, kind } = parsed.data;
    const path = declared[i];
    if (path === undefined || byIndex.has(i)) continue;
    byIndex.set(i, { path: `${prefix}${path}`, sha256, size, kind });
  }
  const digests: FileDigest[] = [];
  const unhashed: string[] = [];
  for (const [i, path] of declared.slice(0, MAX_HASHED_FILES).entries()) {
    const digest = byIndex.get(i);
    if (`${prefix}${path}`.length > MAX_PATH) continue;
    if (digest) digests.push(digest);
    else unhashed.push(`${prefix}${path}`);
  }
  return { digests, unhashed };
}

const isoTime = z.iso.datetime({ offset: true });

/** What a wrapper recorded of where and when the command ran; job-written, so checked again. */
export interface RecordedRun {
  host?: string;
  startedAt?: string;
  endedAt?: string;
  outputs?: readonly unknown[];
  inputs?: readonly unknown[];
}

/**
 * The run facts of a record: host and times when they are well-formed, the digests of
 * the declared outputs and inputs (each list only when something was declared), and what
 * was declared but not hashed (at most MAX_HASHED_FILES). `declared.outputs` undefined:
 * outputs are not this record's to report (an array attempt's are its items').
 */
export function runFactsOf(record: RecordedRun, declared: { outputs?: readonly string[]; inputs?: readonly string[]; prefix?: string }): RunFacts {
  const facts: RunFacts = {};
  if (record.host) facts.host = record.host.slice(0, 255);
  if (record.startedAt && isoTime.safeParse(record.startedAt).success) facts.startTime = record.startedAt;
  if (record.endedAt && isoTime.safeParse(record.endedAt).success) facts.endTime = record.endedAt;
  const unhashed: string[] = [];
  if (declared.outputs?.length) {
    const outputs = digestsOf(record.outputs, declared.outputs, declared.prefix);
    facts.outputs = outputs.digests;
    unhashed.push(...outputs.unhashed);
  }
  if (declared.inputs?.length) {
    const inputs = digestsOf(record.inputs, declared.inputs);
    facts.inputs = inputs.digests;
    unhashed.push(...inputs.unhashed);
  }
  if (unhashed.length > 0) facts.unhashed = unhashed.slice(0, MAX_HASHED_FILES);
  // Everything above is bounded and checked; checking again keeps the event's contract sure.
  const checked = runFactsSchema.safeParse(facts);
  return checked.success ? checked.data : {};
}
