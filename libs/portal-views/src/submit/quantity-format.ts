/** "3 s", "4 min 5 s", "2 h 10 min", "3 d 4 h": whole seconds, two adjacent units at most. */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) return '—';
  const s = Math.floor(totalSeconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (a: number, an: string, b: number, bn: string) => (b > 0 ? `${a} ${an} ${b} ${bn}` : `${a} ${an}`);
  if (d > 0) return two(d, 'd', h, 'h');
  if (h > 0) return two(h, 'h', m, 'min');
  if (m > 0) return two(m, 'min', sec, 's');
  return `${sec} s`;
}

/** Memory in MiB: "512 MiB", "4 GiB", "1.5 TiB". */
export function formatMebibytes(mb: number): string {
  if (!Number.isFinite(mb) || mb <= 0) return '—';
  const trim = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
  if (mb >= 1024 * 1024) return `${trim(mb / (1024 * 1024))} TiB`;
  if (mb >= 1024) return `${trim(mb / 1024)} GiB`;
  return `${mb} MiB`;
}
