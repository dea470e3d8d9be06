import { Command, InvalidArgumentError } from 'commander';
import pc from 'picocolors';
import { AUDIT_OUTCOMES, excerpt, type pb } from '@cairn/contracts';
import type { AuditClient } from '@cairn/client';
import { durationSeconds } from '@cairn/workflow-language';
import { parseCount } from './parse-options';
import { shown, table } from './render';
import type { Output } from './watch-view';

export interface AuditCliIo {
  out: Output;
  client: () => Pick<AuditClient, 'list'>;
  /** The clock `--since 1h` counts back from. */
  now?: () => Date;
}

/** The most events one `cairn audit` prints (it pages through the log up to this many). */
export const MAX_AUDIT_EVENTS = 10_000;

/** A time: ISO 8601 ("2026-12-01T10:00:00Z"), or a duration back from now ("90m", "2h", "7d"). */
export function parseTime(text: string, now: Date): Date {
  const seconds = durationSeconds(text);
  if (seconds !== undefined) return new Date(now.getTime() - seconds * 1000);
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const at = new Date(text);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new InvalidArgumentError(`${excerpt(text)} is not a time: give an ISO 8601 time (2026-12-01T10:00:00Z) or how long ago (90m, 2h, 7d)`);
}

function parseOutcome(text: string): string {
  const outcome = text.toUpperCase();
  if (!(AUDIT_OUTCOMES as readonly string[]).includes(outcome)) throw new InvalidArgumentError(`${excerpt(text)} is not an outcome: one of ${AUDIT_OUTCOMES.join(', ')}`);
  return outcome;
}

interface AuditOptions {
  subject?: string;
  outcome?: string;
  since?: string;
  until?: string;
  limit: number;
  json?: boolean;
}

/** `cairn audit`: the audit log, newest first (admins only: anyone else gets PERMISSION_DENIED). */
export function auditCommand(io: AuditCliIo): Command {
  return new Command('audit')
    .description('show the audit log, newest first: every state-changing call and every refusal (admins only)')
    .option('--subject <sub>', "only this person's events (their token's subject, as `cairn whoami` shows it)")
    .option('--outcome <outcome>', 'only events with this outcome: OK, NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED, ...', parseOutcome)
    .option('--since <time>', 'only events at or after this time (ISO 8601, or how long ago: 90m, 2h, 7d)')
    .option('--until <time>', 'only events before this time (as --since)')
    .option('-n, --limit <n>', `at most this many events (1 to ${MAX_AUDIT_EVENTS})`, parseCount, 50)
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (opts: AuditOptions) => {
      if (opts.limit < 1 || opts.limit > MAX_AUDIT_EVENTS) throw new InvalidArgumentError(`--limit must be 1 to ${MAX_AUDIT_EVENTS}`);
      const now = io.now?.() ?? new Date();
      const since = opts.since ? parseTime(opts.since, now) : undefined;
      const until = opts.until ? parseTime(opts.until, now) : undefined;
      const events: pb.AuditEvent[] = [];
      let pageToken = '';
      do {
        const page = await io.client().list({
          pageSize: Math.min(500, opts.limit - events.length),
          pageToken,
          subject: opts.subject ?? '',
          outcome: opts.outcome ?? '',
          since,
          until,
        });
        events.push(...page.events.slice(0, opts.limit - events.length));
        pageToken = page.nextPageToken;
      } while (pageToken && events.length < opts.limit);
      if (opts.json) {
        for (const e of events) io.out.write(`${JSON.stringify({ ...e, time: e.time?.toISOString() })}\n`);
        return;
      }
      if (events.length === 0) {
        io.out.write(pc.dim('no audit events\n'));
        return;
      }
      const rows = events.map((e) => [
        e.time?.toISOString() ?? '',
        e.outcome === 'OK' ? pc.green(e.outcome) : pc.red(e.outcome),
        shown(e.posixUser || e.name || e.subject || '-'),
        shown(e.rpc.replace(/^\/cairn\.v1\./, '')),
        shown(e.ids.join(',')),
        shown(e.peer),
        shown(e.reason),
      ]);
      io.out.write(`${table(['TIME', 'OUTCOME', 'WHO', 'CALL', 'IDS', 'FROM', 'REASON'], rows)}\n`);
      if (pageToken) io.out.write(pc.dim(`(more: --limit ${Math.min(MAX_AUDIT_EVENTS, opts.limit * 2)} or --until ${events[events.length - 1]?.time?.toISOString() ?? ''})\n`));
    });
}
