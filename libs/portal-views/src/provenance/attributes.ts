// Pure (no React, no portal-ui import at run time), so its spec runs in Node.

/** "2026-12-01 19:57:06 UTC", as portal-ui's formatAbsolute writes times. */
const absolute = (date: Date): string => `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** "3 s", "4 min 5 s", "2 h 10 min", "3 d 4 h" (portal-ui's formatDuration, for whole seconds). */
function duration(totalSeconds: number): string {
  const s = Math.floor(totalSeconds);
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return '0 s';
  return parts
    .slice(first, first + 2)
    .filter(([n], i) => i === 0 || n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(' ');
}

/** One row of a node's facts in the side panel. */
export interface AttributeRow {
  /** The attribute's name as recorded (sha256, exit_code, metric.val_accuracy ...), or "duration". */
  readonly key: string;
  /** What a person reads: "SHA-256", "Exit code", "Metric val_accuracy". */
  readonly name: string;
  readonly value: string;
  /** Long text (JSON, hashes) shown in a code block. */
  readonly code: boolean;
}

const NAMES: Readonly<Record<string, string>> = {
  sha256: 'SHA-256',
  size: 'Size',
  digest: 'Image digest',
  reference: 'Image (as written)',
  image_ref: 'Image (pinned)',
  path: 'Path',
  kind: 'Kind',
  name: 'Name',
  state: 'State',
  reason: 'Reason',
  exit_code: 'Exit code',
  host: 'Host',
  slurm_job_id: 'Slurm job id',
  slurm_job_ids: 'Slurm job ids',
  start_time: 'Started',
  end_time: 'Ended',
  duration: 'Duration',
  attempt: 'Attempt',
  requeues: 'Requeues',
  iteration: 'Iteration',
  loop: 'Loop',
  index: 'Item',
  decision: 'Decision',
  stop: 'Stop reason',
  posix_user: 'POSIX user',
  issuer: 'Issuer',
  subject: 'Subject',
  account: 'Account',
  site: 'Site',
  file_name: 'File',
  rerun_of: 'Re-run of',
  command: 'Command',
  resources: 'Resources',
  items: 'Items',
};

/** The order facts are listed in; the rest follow alphabetically. */
const ORDER = Object.keys(NAMES);
const CODE = new Set(['sha256', 'digest', 'image_ref', 'decision', 'command', 'resources', 'path', 'subject', 'issuer']);

/** "1.5 MiB (1,572,864 bytes)" from a byte count as text; the text itself when it is no count. */
export function formatBytes(text: string): string {
  if (!/^\d{1,20}$/.test(text)) return text;
  const n = Number(text);
  const exact = `${BigInt(text).toLocaleString('en-US')} byte${text === '1' ? '' : 's'}`;
  const units: readonly [number, string][] = [
    [2 ** 40, 'TiB'],
    [2 ** 30, 'GiB'],
    [2 ** 20, 'MiB'],
    [2 ** 10, 'KiB'],
  ];
  const unit = units.find(([size]) => n >= size);
  if (unit === undefined) return exact;
  const value = n / unit[0];
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${unit[1]} (${exact})`;
}

/** An RFC 3339 time as "2026-12-01 19:57:06 UTC"; the text itself when it is no time. */
export function formatTime(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return text;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : absolute(date);
}

/** JSON text pretty-printed (two spaces); other text as it is. */
export function formatJson(text: string): string {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return text;
  try {
    return JSON.stringify(JSON.parse(t) as unknown, null, 2);
  } catch {
    return text;
  }
}

function nameOf(key: string): string {
  if (key.startsWith('metric.')) return `Metric ${key.slice('metric.'.length)}`;
  if (key.startsWith('param.')) return `Parameter ${key.slice('param.'.length)}`;
  return NAMES[key] ?? key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

function valueOf(key: string, value: string): string {
  if (key === 'size') return formatBytes(value);
  if (key.endsWith('_time')) return formatTime(value);
  if (key === 'decision' || key === 'command' || key === 'resources' || key.startsWith('param.')) return formatJson(value);
  return value;
}

function rank(key: string): number {
  const i = ORDER.indexOf(key);
  if (i >= 0) return i;
  if (key.startsWith('metric.')) return ORDER.length;
  if (key.startsWith('param.')) return ORDER.length + 1;
  return ORDER.length + 2;
}

/**
 * A node's recorded facts as rows for people: known names first in a fixed order (hash,
 * size, digest, state, exit code, host, times ...), then metrics, parameters and the rest
 * by name; sizes in bytes with a unit, times in UTC, JSON pretty-printed, and a duration
 * when both times are known.
 */
export function attributeRows(attributes: Readonly<Record<string, string>>): AttributeRow[] {
  const keys = Object.keys(attributes).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const rows: AttributeRow[] = keys.map((key) => {
    const value = valueOf(key, attributes[key] ?? '');
    return { key, name: nameOf(key), value, code: CODE.has(key) || value.includes('\n') };
  });
  const start = Date.parse(attributes['start_time'] ?? '');
  const end = Date.parse(attributes['end_time'] ?? '');
  if (Number.isFinite(start) && Number.isFinite(end) && end >= start) {
    const at = rows.findIndex((r) => r.key === 'end_time');
    rows.splice(at + 1, 0, { key: 'duration', name: 'Duration', value: duration((end - start) / 1000), code: false });
  }
  return rows;
}
