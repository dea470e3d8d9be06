import fc from 'fast-check';
import { collectPages } from './paged-read';

/** A source of `total` bytes served `pageBytes` at a time. */
function source(total: Buffer, pageBytes: number) {
  const calls: number[] = [];
  const page = (offset: number, end: number) => {
    calls.push(offset);
    return Promise.resolve({ data: total.subarray(offset, Math.min(end, offset + pageBytes)), offset, end });
  };
  return { page, calls };
}

describe('collectPages', () => {
  it('reassembles any range from pages of any size, asking once per page', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }), fc.nat(), async (bytes, pageBytes, startSeed) => {
        const total = Buffer.from(bytes);
        const start = total.length === 0 ? 0 : startSeed % (total.length + 1);
        const { page, calls } = source(total, pageBytes);
        const first = await page(start, total.length);
        const data = await collectPages(first, page);
        expect(data.equals(total.subarray(start))).toBe(true);
        expect(calls.length).toBe(Math.max(1, Math.ceil((total.length - start) / pageBytes)));
      }),
      { numRuns: 200 },
    );
  });

  it('stops at an empty page and refuses a page from the wrong offset', async () => {
    const first = { data: Buffer.from('abc'), offset: 0, end: 10 };
    await expect(collectPages(first, (offset, end) => Promise.resolve({ data: Buffer.alloc(0), offset, end }))).resolves.toEqual(Buffer.from('abc'));
    await expect(collectPages(first, (_offset, end) => Promise.resolve({ data: Buffer.from('d'), offset: 7, end }))).rejects.toThrow('a page answered from offset 7, not 3');
  });
});
