/** The two export formats, as the page names them. */
export type ExportKind = 'prov-json' | 'ro-crate';

/** A safe file name for a download: the server's suggestion without any path, control or reserved character; else one made from the run. */
export function downloadName(suggested: string, runId: string, kind: ExportKind): string {
  const base = suggested.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^\.+/, '').slice(0, 200);
  if (clean !== '' && /[A-Za-z0-9]/.test(clean)) return clean;
  const run = runId.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '').slice(0, 100) || 'run';
  return kind === 'prov-json' ? `${run}.prov.json` : `${run}.crate.zip`;
}

/** "128 KiB received", while an export streams in. */
export function receivedText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes received`;
  if (bytes < 1024 * 1024) return `${Math.floor(bytes / 1024)} KiB received`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB received`;
}

/** The chunks of a stream as one array of bytes, in order. */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
