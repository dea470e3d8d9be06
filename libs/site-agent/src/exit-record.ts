import { z } from 'zod';

/** What the wrapper writes when the command ends (exit.json) or starts (start.json). */
export const exitRecordSchema = z.object({
  startedAt: z.string(),
  endedAt: z.string(),
  host: z.string(),
  exitCode: z.number().int(),
  slurmJobId: z.string(),
});
export type ExitRecord = z.infer<typeof exitRecordSchema>;

export const startRecordSchema = z.object({ startedAt: z.string(), host: z.string(), slurmJobId: z.string() });
export type StartRecord = z.infer<typeof startRecordSchema>;
