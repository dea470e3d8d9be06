import { z } from 'zod';
import { recordedDigestsSchema } from './hashed-files';

/** Bounded text in a job-written record: the job can write anything there. */
const text = (max: number) => z.string().max(max);
/** A process's exit status as the wrapper reports it (128 + n for signal n). */
export const exitCodeSchema = z.number().int().min(0).max(255);

/**
 * What the wrapper writes when the command ends (exit.json) or starts (start.json). The
 * digests of the declared outputs and inputs are checked entry by entry (hashed-files.ts):
 * a bad entry is left out, never the reason the attempt fails.
 */
export const exitRecordSchema = z.object({
  startedAt: text(64),
  endedAt: text(64),
  host: text(255),
  exitCode: exitCodeSchema,
  slurmJobId: text(32),
  outputs: recordedDigestsSchema.optional(),
  inputs: recordedDigestsSchema.optional(),
});
export type ExitRecord = z.infer<typeof exitRecordSchema>;

export const startRecordSchema = z.object({ startedAt: text(64), host: text(255), slurmJobId: text(32) });
export type StartRecord = z.infer<typeof startRecordSchema>;

/**
 * exit.json is one line: its fields and at most 64 output and 64 input digests of about
 * 110 bytes each (a digest names its declared path by position, not by the path), under
 * 15 KiB; anything bigger is not the wrapper's.
 */
export const EXIT_RECORD_MAX_BYTES = 32 * 1024;
/** start.json is one short line. */
export const START_RECORD_MAX_BYTES = 4096;

/** An array job's inputs, hashed once by element 0 (out/inputs.json). */
export const inputsRecordSchema = z.object({ inputs: recordedDigestsSchema });
export const INPUTS_RECORD_MAX_BYTES = 16 * 1024;
