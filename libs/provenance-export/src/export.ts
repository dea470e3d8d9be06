import { ZipFile } from 'yazl';
import type { RunGraph, RunSource } from './graph';
import { toProvJson } from './prov-json';
import { roCrateEntries, type CrateEntry } from './ro-crate';

export type ExportFormat = 'prov-json' | 'ro-crate';

/** Most bytes in one chunk of an export (one ExportRunResponse). */
export const EXPORT_CHUNK_BYTES = 64 * 1024;

/**
 * Every zip entry's time: a fixed DOS time (no Info-ZIP UTC field), so the same graph gives
 * the same bytes wherever and whenever it is exported. DOS times are local, so the Date is
 * built from local fields: the encoded fields are 1980-01-01 00:00:00 in every time zone.
 */
const ENTRY_TIME = new Date(1980, 0, 1, 0, 0, 0);

/** Content type and a suggested file name for the first chunk. */
export function exportMeta(format: ExportFormat, source: Pick<RunSource, 'runId'>): { contentType: 'application/json' | 'application/zip'; fileName: string } {
  return format === 'prov-json' ? { contentType: 'application/json', fileName: `${source.runId}.prov.json` } : { contentType: 'application/zip', fileName: `${source.runId}.crate.zip` };
}

/** Splits chunks so none exceeds `max` bytes (order kept, nothing empty). */
export async function* rechunk(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, max = EXPORT_CHUNK_BYTES): AsyncIterable<Buffer> {
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; at += max) yield chunk.subarray(at, Math.min(at + max, chunk.length));
  }
}

/** A zip of the entries, in their order, streamed (deflate, fixed times, mode 0644). */
export function zipStream(entries: readonly CrateEntry[]): AsyncIterable<Buffer> {
  const zip = new ZipFile();
  for (const entry of entries) {
    zip.addBuffer(entry.data, entry.path, { mtime: ENTRY_TIME, mode: 0o100644, compress: true, compressionLevel: 9, forceDosTimestamp: true });
  }
  zip.end();
  return zip.outputStream as AsyncIterable<Buffer>;
}

/** A run's export as bytes in chunks of at most EXPORT_CHUNK_BYTES, in order. */
export function exportChunks(format: ExportFormat, graph: RunGraph, source: RunSource): AsyncIterable<Buffer> {
  switch (format) {
    case 'prov-json':
      return rechunk([Buffer.from(JSON.stringify(toProvJson(graph, source)), 'utf8')]);
    case 'ro-crate':
      return rechunk(zipStream(roCrateEntries(graph, source)));
  }
}
