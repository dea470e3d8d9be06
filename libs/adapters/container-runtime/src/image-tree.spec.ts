import { execFileSync } from 'node:child_process';
import { chmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { imageTreeBytes, sealedMode, sealImageTree } from './image-tree';

describe('sealedMode', () => {
  it('never leaves a write bit for group or others, nor set-user-id, set-group-id or sticky; the owner reads all; directories are traversable', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0o177777 }), fc.boolean(), (mode, directory) => {
        const sealed = sealedMode(mode, directory);
        expect(sealed & 0o7022).toBe(0);
        expect(sealed & 0o444).toBe(0o444);
        if (directory) expect(sealed).toBe(0o755);
        else expect(sealed).toBe(mode & 0o111 ? 0o755 : 0o644);
      }),
    );
  });

  it('keeps a file executable for everyone when the image made it executable for anyone', () => {
    expect([0o4755, 0o700, 0o010, 0o001, 0o1777].map((mode) => sealedMode(mode, false))).toEqual([0o755, 0o755, 0o755, 0o755, 0o755]);
    expect([0o666, 0o600, 0o000, 0o6644].map((mode) => sealedMode(mode, false))).toEqual([0o644, 0o644, 0o644, 0o644]);
  });
});

describe('sealImageTree [real: filesystem]', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cairn-tree-'));
  });
  afterEach(() => {
    // A directory left closed by a failed test would stop rmSync.
    execFileSync('chmod', ['-R', 'u+rwx', root]);
    rmSync(root, { recursive: true, force: true });
  });

  /** An image as an unpacked layer could leave it: a sticky world-writable /tmp, a set-user-id program, a closed directory, links. */
  function hostileTree(): string {
    const rootfs = join(root, 'rootfs');
    mkdirSync(join(rootfs, 'tmp'), { recursive: true });
    mkdirSync(join(rootfs, 'bin'));
    mkdirSync(join(rootfs, 'root', 'deep'), { recursive: true });
    writeFileSync(join(rootfs, 'bin', 'su'), 'x'.repeat(100));
    chmodSync(join(rootfs, 'bin', 'su'), 0o4755);
    writeFileSync(join(rootfs, 'root', 'deep', 'secret'), 'y'.repeat(10));
    chmodSync(join(rootfs, 'root', 'deep', 'secret'), 0o600);
    linkSync(join(rootfs, 'bin', 'su'), join(rootfs, 'bin', 'su-again'));
    writeFileSync(join(rootfs, 'tmp', 'left'), 'z'.repeat(7));
    chmodSync(join(rootfs, 'tmp', 'left'), 0o666);
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    chmodSync(join(rootfs, 'root', 'deep'), 0o700);
    chmodSync(join(rootfs, 'root'), 0o000);
    // A link out of the image: never followed, its target never changed.
    writeFileSync(join(root, 'outside'), 'host');
    chmodSync(join(root, 'outside'), 0o600);
    symlinkSync(join(root, 'outside'), join(rootfs, 'etc-link'));
    execFileSync('mkfifo', ['-m', '0666', join(rootfs, 'tmp', 'fifo')]);
    return rootfs;
  }

  it('leaves nothing writable but by the owner, no set-id or sticky bit, everything readable, links untouched; counts each file once', async () => {
    const rootfs = hostileTree();

    const bytes = await sealImageTree(rootfs);

    expect(bytes).toBe(100 + 10 + 7);
    const modes = Object.fromEntries(
      ['', 'tmp', 'tmp/left', 'tmp/fifo', 'bin/su', 'bin/su-again', 'root', 'root/deep', 'root/deep/secret'].map((path) => [path, lstatSync(join(rootfs, path)).mode & 0o7777]),
    );
    expect(modes).toEqual({
      '': 0o755,
      tmp: 0o755,
      'tmp/left': 0o644,
      'tmp/fifo': 0o644,
      'bin/su': 0o755,
      'bin/su-again': 0o755,
      root: 0o755,
      'root/deep': 0o755,
      'root/deep/secret': 0o644,
    });
    expect(readlinkSync(join(rootfs, 'etc-link'))).toBe(join(root, 'outside'));
    expect(statSync(join(root, 'outside')).mode & 0o777).toBe(0o600);
    expect(await imageTreeBytes(rootfs)).toBe(bytes);
  });

  it('counts an empty image as 0 bytes and seals its root', async () => {
    const rootfs = join(root, 'empty');
    mkdirSync(rootfs, { mode: 0o777 });
    chmodSync(rootfs, 0o777);
    expect(await sealImageTree(rootfs)).toBe(0);
    expect(statSync(rootfs).mode & 0o7777).toBe(0o755);
  });
});
