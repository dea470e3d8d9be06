import { CairnError } from '@cairn/contracts';
import type { AuditEntry } from './audit-row';

/** The record of one call, given how it ended (its outcome and, for a refusal, the reason). */
export type AuditOf = (outcome: AuditEntry['outcome'], reason?: string) => AuditEntry;

/**
 * Runs `change`; a refusal it throws (a CairnError) is recorded with its code and message
 * before it passes on to the caller. A record that cannot be written is reported through
 * `lost` and never hides the refusal. (Changes that succeed write their own record in the
 * change's transaction.)
 */
export async function refusalsAudited<T>(
  record: (entry: AuditEntry) => Promise<void>,
  lost: (error: unknown) => void,
  audit: AuditOf,
  change: () => Promise<T>,
): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof CairnError) await record(audit(error.code, error.message)).catch(lost);
    throw error;
  }
}
