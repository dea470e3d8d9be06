import fc from 'fast-check';
import { exportChunks } from './export';
import { toProvJson } from './prov-json';
import { roCrateEntries } from './ro-crate';
import { arbitraryRun } from './testing/arbitrary-run';
import { provRoundTrip, unzipEntries, validateCrate, validateProvJson } from './validate';

/** Random valid runs (hostile text wherever the contract allows any string) always export to valid documents. */
describe('exports of random runs', () => {
  it('are valid PROV-JSON', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryRun, async ({ graph, source }) => {
        expect(await validateProvJson(toProvJson(graph, source))).toEqual([]);
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('round-trip through python3-prov', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryRun, async ({ graph, source }) => {
        await provRoundTrip(toProvJson(graph, source));
      }),
      { numRuns: 8 },
    );
  }, 240_000);

  it('are valid Provenance Run Crates, zipped with every file the crate describes', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryRun, async ({ graph, source }) => {
        const chunks: Buffer[] = [];
        for await (const chunk of exportChunks('ro-crate', graph, source)) chunks.push(chunk);
        const entries = await unzipEntries(Buffer.concat(chunks));
        expect([...entries.keys()]).toEqual(roCrateEntries(graph, source).map((e) => e.path));
        const metadata: unknown = JSON.parse((entries.get('ro-crate-metadata.json') ?? Buffer.alloc(0)).toString('utf8'));
        expect(await validateCrate(metadata, entries)).toEqual([]);
      }),
      { numRuns: 10 },
    );
  }, 240_000);
});
