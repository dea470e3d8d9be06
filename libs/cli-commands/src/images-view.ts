import pc from 'picocolors';
import { pb } from '@cairn/contracts';
import { progressBar } from './progress-bar';
import { shown, table } from './render';

/** How images look in a terminal: sizes, the site's table with its quota, materialisation progress. */

/** Bytes as "812 B", "12.3 KiB", "1.5 GiB". */
export function bytes(count: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${count} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** "sha256:0123456789ab": the first 12 hex digits, enough to tell images apart on a screen. */
export const shortDigest = (digest: string): string => digest.slice(0, 'sha256:'.length + 12);

/** A time as "2026-12-02 10:00 UTC", or "-". */
export function when(date: Date | undefined): string {
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '-';
}

export const platformText = (platform: pb.Platform | undefined): string =>
  platform ? [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/') : '-';

/** The lines `cairn images resolve` prints. */
export function renderResolved(image: pb.ResolvedImage, site: string): string {
  const rows: Array<[string, string]> = [
    ['reference', shown(image.reference)],
    ['canonical', shown(image.canonical) || '-'],
    ['pinned', shown(image.pinned)],
    ['digest', image.digest],
    ['index', image.indexDigest || '-'],
    ['platform', shown(platformText(image.platform))],
    ['size', bytes(image.size)],
    ['site', shown(site)],
    ['resolved', `${when(image.resolvedAt)}${image.cached ? pc.dim(' (from the tag cache)') : ''}`],
  ];
  return `${rows.map(([name, value]) => `${pc.dim(name.padEnd(10))}${value}`).join('\n')}\n`;
}

/** `cairn images list`: one row per image, then the site's quota. */
export function renderImageList(reply: pb.ListImagesResponse): string {
  const header = `${pc.bold(shown(reply.site))} ${pc.dim(`${shown(reply.runtime)} · ${shown(platformText(reply.platform))}`)}\n`;
  const quota = `${pc.dim('quota')} ${progressBar(reply.usedBytes, reply.quotaBytes, 20)} ${bytes(reply.usedBytes)} of ${bytes(reply.quotaBytes)} used\n`;
  if (reply.images.length === 0) return `${header}${pc.dim('no images at this site yet')}\n${quota}`;
  const rows = reply.images.map((image) => [
    shortDigest(image.digest),
    shown(image.pinned.replace(/@sha256:[0-9a-f]{64}$/, '')),
    bytes(image.size),
    when(image.lastUsed),
    String(image.runIds.length),
    // Said in words, not only in colour.
    image.inUse ? pc.yellow('in use') : '-',
  ]);
  return `${header}${table(['DIGEST', 'PINNED FROM', 'SIZE', 'LAST USED', 'RUNS', 'IN USE'], rows)}\n${quota}`;
}

const PHASE_NAMES: Record<number, string> = {
  [pb.MaterializePhase.MATERIALIZE_PHASE_RESOLVING]: 'resolving',
  [pb.MaterializePhase.MATERIALIZE_PHASE_WAITING]: 'waiting for a conversion under way',
  [pb.MaterializePhase.MATERIALIZE_PHASE_PULLING]: 'pulling',
  [pb.MaterializePhase.MATERIALIZE_PHASE_VERIFYING]: 'verifying',
  [pb.MaterializePhase.MATERIALIZE_PHASE_UNPACKING]: 'unpacking',
  [pb.MaterializePhase.MATERIALIZE_PHASE_CONVERTING]: 'converting',
  [pb.MaterializePhase.MATERIALIZE_PHASE_READY]: 'ready',
};

export const phaseName = (phase: pb.MaterializePhase): string => PHASE_NAMES[phase] ?? `phase ${phase}`;

/** One progress line: the phase, a bar when the total is known, the bytes. */
export function progressLine(message: pb.MaterializeImageResponse): string {
  const name = phaseName(message.phase).padEnd(10);
  if (message.bytesTotal <= 0 || message.phase === pb.MaterializePhase.MATERIALIZE_PHASE_RESOLVING) return name.trimEnd();
  return `${name} ${progressBar(message.bytesDone, message.bytesTotal, 24)} ${bytes(message.bytesDone)} / ${bytes(message.bytesTotal)}`;
}
