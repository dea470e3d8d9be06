/** An array step's items: how many are done, failed and running of the total. */
export interface ItemProgress {
  total: number;
  done: number;
  failed: number;
  /** Items queued or running; when unknown, what is neither done nor failed is "to do". */
  running?: number;
}

/** The largest count (ItemCounts are uint32). */
export const MAX_COUNT = 4_294_967_295;

/** The counts made consistent: whole, from 0 to MAX_COUNT, and adding up to at most the total. */
export function normalise(p: ItemProgress): Required<ItemProgress> & { rest: number } {
  const count = (n: number | undefined) => (n !== undefined && Number.isFinite(n) && n > 0 ? Math.min(MAX_COUNT, Math.floor(n)) : 0);
  const done = count(p.done);
  const failed = count(p.failed);
  const total = Math.max(count(p.total), done + failed);
  const running = Math.min(count(p.running), total - done - failed);
  return { total, done, failed, running, rest: total - done - failed - running };
}

/** "37 of 100 done, 2 failed, 61 running" (failed and running only when there are some). */
export function progressText(p: ItemProgress): string {
  const n = normalise(p);
  const parts = [`${n.done} of ${n.total} done`];
  if (n.failed > 0) parts.push(`${n.failed} failed`);
  if (n.running > 0) parts.push(`${n.running} running`);
  return parts.join(', ');
}

/** Each part's share of the bar in percent (0 to 100, adding up to 100 unless the total is 0). */
export function progressShares(p: ItemProgress): { done: number; failed: number; running: number; rest: number } {
  const n = normalise(p);
  if (n.total === 0) return { done: 0, failed: 0, running: 0, rest: 0 };
  const share = (k: number) => (k / n.total) * 100;
  return { done: share(n.done), failed: share(n.failed), running: share(n.running), rest: share(n.rest) };
}
