/** A protobuf Timestamp as the generated code holds it. */
export interface TimestampLike {
  readonly seconds: bigint;
  readonly nanos: number;
}

/** A Timestamp as a Date; undefined when unset. */
export function toDate(ts: TimestampLike | undefined): Date | undefined {
  if (ts === undefined) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000));
}

/** "3 s", "4 min 5 s", "2 h 10 min", "3 d 4 h": a duration in whole seconds, two units at most. */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) return '—';
  const s = Math.floor(totalSeconds);
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  if (minutes > 0) return seconds > 0 ? `${minutes} min ${seconds} s` : `${minutes} min`;
  return `${seconds} s`;
}

/** "just now" (also up to a minute ahead: clock skew), "5 min ago", "in 2 h", or the date for more than a week away. */
export function formatRelative(date: Date, now: Date): string {
  const diff = Math.round((now.getTime() - date.getTime()) / 1000);
  const abs = Math.abs(diff);
  // A time a little ahead is the server's clock being ahead of the browser's, not the future.
  if (diff > -60 && diff < 10) return 'just now';
  if (abs >= 7 * 86_400) return formatAbsolute(date);
  const units: readonly [number, string][] = [
    [86_400, 'd'],
    [3600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const [size, name] = units.find(([u]) => abs >= u) ?? [1, 's'];
  const n = Math.floor(abs / size);
  return diff >= 0 ? `${n} ${name} ago` : `in ${n} ${name}`;
}

/** "2026-12-01 19:57:06 UTC": a fixed, unambiguous form for titles and tables. */
export function formatAbsolute(date: Date): string {
  if (Number.isNaN(date.getTime())) return '—';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Memory in MiB as people read it: "512 MiB", "4 GiB", "1.5 TiB". */
export function formatMebibytes(mb: number | bigint): string {
  const n = Number(mb);
  if (!Number.isFinite(n) || n <= 0) return '—';
  if (n >= 1024 * 1024) return `${trim(n / (1024 * 1024))} TiB`;
  if (n >= 1024) return `${trim(n / 1024)} GiB`;
  return `${n} MiB`;
}

function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** A count with a noun: "1 job", "3 jobs". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
