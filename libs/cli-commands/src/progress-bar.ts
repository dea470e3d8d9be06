import pc from 'picocolors';

const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/**
 * A bar `width` cells wide: `done` of `total` in green (to an eighth of a cell), then
 * `failed` as red ▓ (at least one cell when any failed), the rest dim ░: readable without
 * colour too (NO_COLOR, CI logs). An unknown total
 * (0) draws an empty bar.
 */
export function progressBar(done: number, total: number, width = 20, failed = 0): string {
  if (total <= 0 || width <= 0) return pc.dim('░'.repeat(Math.max(0, width)));
  const ok = Math.min(Math.max(0, done), total);
  const bad = Math.min(Math.max(0, failed), total - ok);
  const failedCells = bad > 0 ? Math.min(width, Math.max(1, Math.round((bad / total) * width))) : 0;
  const room = width - failedCells;
  let eighths = Math.min(room * 8, Math.floor((ok / total) * width * 8));
  if (ok > 0 && ok + bad >= total) eighths = room * 8; // finished: no gap left by rounding
  if (ok > 0 && eighths === 0) eighths = 1; // some progress always shows
  const full = Math.floor(eighths / 8);
  const partial = PARTIAL[eighths % 8] ?? '';
  const rest = room - full - (partial ? 1 : 0);
  const paint = (color: (s: string) => string, cells: string) => (cells ? color(cells) : '');
  return paint(pc.green, '█'.repeat(full) + partial) + paint(pc.red, '▓'.repeat(failedCells)) + paint(pc.dim, '░'.repeat(rest));
}
