import { CairnError } from '@cairn/contracts';

/** Bytes [offset, offset + data.length) of something read in pages that ends at `end`. */
export interface BytePage {
  data: Buffer;
  offset: number;
  end: number;
}

/**
 * Assembles a byte range read in pages (each small enough for one NATS message): starts
 * from `first` and asks `next(offset, end)` for the rest until `end`. A page that starts
 * elsewhere is a broken answer; an empty page ends the read early (the source shrank).
 */
export async function collectPages(first: BytePage, next: (offset: number, end: number) => Promise<BytePage>): Promise<Buffer> {
  const parts = [first.data];
  const end = first.end;
  let offset = first.offset + first.data.length;
  while (offset < end) {
    const page = await next(offset, end);
    if (page.offset !== offset) throw new CairnError('INTERNAL', `a page answered from offset ${page.offset}, not ${offset}`);
    if (page.data.length === 0) break;
    const data = page.data.subarray(0, end - offset);
    parts.push(data);
    offset += data.length;
  }
  return Buffer.concat(parts);
}
