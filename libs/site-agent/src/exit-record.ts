import { z } from 'zod';

/** Bounded text in a job-written record: the job can write anything there. */
const text = (max: number) => z.string().max(max);
/** A process's exit status as the wrapper reports it (128 + n for signal n). */
export const exitCodeSchema = z.number().int().min(0).max(255);

/** What the wrapper writes when the command ends (exit.json) or starts (start.json). */
export const exitRecordSchema = z.object({
  startedAt: text(64),
  endedAt: text(64),
  host: text(255),
  exitCode: exitCodeSchema,
  slurmJobId: text(32),
});
export type ExitRecord = z.infer<typeof exitRecordSchema>;

export const startRecordSchema = z.object({ startedAt: text(64), host: text(255), slurmJobId: text(32) });
export type StartRecord = z.infer<typeof startRecordSchema>;

/** exit.json is one short line; anything bigger is not the wrapper's. */
export const EXIT_RECORD_MAX_BYTES = 4096;
