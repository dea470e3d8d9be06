import { formatAbsolute, formatDuration, formatRelative, toDate, type TimestampLike } from './format';
import { useNow } from './now';

export interface RelativeTimeProps {
  readonly time: TimestampLike | Date | undefined;
}

/** `<time>` showing "5 min ago", the exact UTC time in its title; "—" when unset. */
export function RelativeTime({ time }: RelativeTimeProps) {
  const now = useNow();
  const date = time instanceof Date ? time : toDate(time);
  if (date === undefined) return <span aria-label="not yet">—</span>;
  return (
    <time dateTime={date.toISOString()} title={formatAbsolute(date)}>
      {formatRelative(date, now)}
    </time>
  );
}

export interface DurationProps {
  readonly from: TimestampLike | undefined;
  /** Unset: until now (it ticks). */
  readonly to?: TimestampLike;
}

/** How long between two times ("4 min 5 s"), or from one time until now. */
export function Duration({ from, to }: DurationProps) {
  const now = useNow();
  const start = toDate(from);
  if (start === undefined) return <span>—</span>;
  const end = toDate(to) ?? now;
  return <span>{formatDuration(Math.max(0, (end.getTime() - start.getTime()) / 1000))}</span>;
}
