import type { ListImagesResponse, Platform, SiteImage } from '@cairn/portal-client';

/** What the images page shows, from ListImages and ListSites: pure, so it is tested without a browser. */

/** A protobuf Timestamp as a Date (portal-ui's toDate, without loading its styles here). */
function toDate(ts: { readonly seconds: bigint; readonly nanos: number } | undefined): Date | undefined {
  return ts === undefined ? undefined : new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000));
}

/** Bytes as people read them: "812 B", "12.3 KiB", "1.5 GiB". */
export function formatBytes(count: number | bigint): string {
  const n = Number(count);
  if (!Number.isFinite(n) || n < 0) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** "sha256:0123456789ab": enough of a digest to tell images apart (the whole one is in the title). */
export const shortDigest = (digest: string): string => digest.slice(0, 'sha256:'.length + 12);

/** "linux/arm64/v8", or "—" when unknown. */
export const platformText = (platform: Platform | undefined): string =>
  platform && platform.os ? [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/') : '—';

/** The repository an image was pulled from: its pinned reference without the digest. */
export const pulledFrom = (pinned: string): string => pinned.replace(/@sha256:[0-9a-f]{64}$/, '');

export interface ImageRow {
  readonly digest: string;
  readonly short: string;
  readonly pinned: string;
  readonly from: string;
  readonly size: string;
  readonly lastUsed: Date | undefined;
  readonly materializedAt: Date | undefined;
  /** The runs the person may see, each with the page that shows it (runs and lone jobs alike have a provenance page). */
  readonly runs: readonly { readonly id: string; readonly short: string; readonly href: string }[];
  readonly inUse: boolean;
  readonly conversions: number;
}

export function imageRow(image: SiteImage): ImageRow {
  return {
    digest: image.digest,
    short: shortDigest(image.digest),
    pinned: image.pinned,
    from: pulledFrom(image.pinned),
    size: formatBytes(image.size),
    lastUsed: toDate(image.lastUsed),
    materializedAt: toDate(image.materializedAt),
    runs: image.runIds.map((id) => ({ id, short: id.slice(0, 8), href: `/provenance/${encodeURIComponent(id)}` })),
    inUse: image.inUse,
    conversions: image.conversions,
  };
}

export interface QuotaModel {
  readonly used: number;
  readonly quota: number;
  /** 0..100, whole. */
  readonly percent: number;
  /** "6.0 MiB of 10.0 GiB used (1 %)". */
  readonly text: string;
  /** At or over the quota: the next materialisation evicts the least recently used images not in use. */
  readonly full: boolean;
}

export function quotaModel(list: Pick<ListImagesResponse, 'usedBytes' | 'quotaBytes'>): QuotaModel {
  const used = Number(list.usedBytes);
  const quota = Number(list.quotaBytes);
  const percent = quota > 0 ? Math.min(100, Math.round((used / quota) * 100)) : 0;
  return { used, quota, percent, text: quota > 0 ? `${formatBytes(used)} of ${formatBytes(quota)} used (${percent} %)` : `${formatBytes(used)} used (no quota set)`, full: quota > 0 && used >= quota };
}

/** The site to show: the one asked for in the address if it is a configured site, else the first (ListSites sorts by name). */
export function chosenSite(sites: readonly { readonly name: string }[], asked: string | null): string {
  if (asked !== null && sites.some((s) => s.name === asked)) return asked;
  return sites[0]?.name ?? '';
}

/** Whether the text could be a reference worth sending (the gateway checks it fully and names what is wrong). */
export function referenceProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return 'Enter an image reference, e.g. python:3.12';
  if (trimmed.length > 255) return `A reference is at most 255 characters (this one has ${trimmed.length})`;
  return undefined;
}
