import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessRepository, type RunOptions, type RunResult } from '@cairn/adapters/process';
import { errorCode } from '@cairn/testing';
import { PULL_PROGRESS_INTERVAL_MS, pullToLayout } from './image-pull';

const pinned = `127.0.0.1:5000/lab/tool@sha256:${'c'.repeat(64)}`;
const manifest = JSON.stringify({ schemaVersion: 2, config: { size: 100 }, layers: [{ size: 2000 }, { size: 3000 }] });

/** skopeo as far as pullToLayout sees it: `inspect --raw` prints the manifest; `copy` writes blobs over time (or fails). */
class FakeSkopeo extends ProcessRepository {
  readonly calls: string[][] = [];
  constructor(private readonly copy: (layoutDir: string) => Promise<RunResult>) {
    super();
  }
  override async run(file: string, args: readonly string[], _options?: RunOptions): Promise<RunResult> {
    this.calls.push([file, ...args]);
    if (args[0] === 'inspect') return { exitCode: 0, stdout: manifest, stderr: '' };
    const target = args.at(-1) ?? '';
    return this.copy(target.slice('oci:'.length, target.lastIndexOf(':')));
  }
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pull-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('pullToLayout', () => {
  it("reports the layout's blob bytes against the manifest's total while skopeo copies, ending at the total, nothing after it", async () => {
    const layout = join(root, 'layout-1');
    const total = Buffer.byteLength(manifest) + 5100;
    const heard: [number, number][] = [];
    // Each blob is written, then the copy goes on once a measurement has seen it.
    const skopeo = new FakeSkopeo(async (dir) => {
      mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
      let written = 0;
      for (const [name, size] of [['a', 100], ['b', 2000], ['c', 3000]] as const) {
        writeFileSync(join(dir, 'blobs', 'sha256', name), Buffer.alloc(size));
        written += size;
        while (!heard.some(([done]) => done === written)) await sleep(20);
      }
      return { exitCode: 0, stdout: '', stderr: '' };
    });

    await pullToLayout(skopeo, pinned, layout, { insecureRegistries: ['127.0.0.1:5000'] }, (done, all) => heard.push([done, all]));
    const count = heard.length;
    await sleep(PULL_PROGRESS_INTERVAL_MS * 2);

    expect(heard).toHaveLength(count);
    expect(heard[0]).toEqual([0, total]);
    expect(heard.at(-1)).toEqual([total, total]);
    expect(heard.map(([done]) => done)).toEqual(expect.arrayContaining([100, 2100, 5100]));
    expect(heard.every(([done, all], i) => all === total && done <= total && done >= (heard[i - 1]?.[0] ?? 0))).toBe(true);
    expect(skopeo.calls.map((call) => call.slice(0, 3))).toEqual([
      ['skopeo', 'inspect', '--raw'],
      ['skopeo', 'copy', '--preserve-digests'],
    ]);
  });

  it('turns a failed copy into a clear error and reports nothing after it', async () => {
    const skopeo = new FakeSkopeo(async () => ({ exitCode: 1, stdout: '', stderr: 'Error: reading blob: Digest did not match, expected sha256:' + 'd'.repeat(64) }));
    const heard: number[] = [];
    expect(await errorCode(pullToLayout(skopeo, pinned, join(root, 'layout-2'), { insecureRegistries: [] }, (done) => heard.push(done)))).toBe('FAILED_PRECONDITION');
    expect(heard).toEqual([0]);
  });
});
