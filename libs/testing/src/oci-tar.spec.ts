import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { tarArchive } from './oci-tar';

describe('tarArchive', () => {
  it('writes an archive GNU tar lists and extracts, owner root, mode and content kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oci-tar-'));
    try {
      const content = Buffer.from('x'.repeat(513));
      writeFileSync(join(dir, 'a.tar'), tarArchive([{ name: 'marker', content }, { name: 'd/exe', content: Buffer.from('#!/bin/sh\n'), mode: 0o755 }], 1_700_000_000));
      const listing = execFileSync('tar', ['-tvf', join(dir, 'a.tar'), '--numeric-owner'], { encoding: 'utf8' });
      expect(listing).toMatch(/^-rw-r--r-- 0\/0 +513 2023-11-1\d \d\d:\d\d marker$/m);
      expect(listing).toMatch(/^-rwxr-xr-x 0\/0 +10 .* d\/exe$/m);
      execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
      expect(readFileSync(join(dir, 'marker'))).toEqual(content);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is a whole number of 512-byte blocks ending in two zero blocks', () => {
    const tar = tarArchive([{ name: 'a', content: Buffer.from('1') }]);
    expect(tar.length).toBe(512 * 4);
    expect(tar.subarray(1024).every((b) => b === 0)).toBe(true);
  });

  it('refuses names that are absolute, climb out, empty or longer than 100 bytes', () => {
    const bad = fc.oneof(
      fc.constant(''),
      fc.string({ minLength: 1, maxLength: 20 }).map((s) => `/${s}`),
      fc.string({ maxLength: 20 }).map((s) => `${s}/../x`),
      fc.string({ minLength: 101, maxLength: 200 }),
    );
    fc.assert(
      fc.property(bad, (name) => {
        expect(() => tarArchive([{ name, content: Buffer.alloc(0) }])).toThrow(/is not a relative path of 1 to 100 bytes/);
      }),
      { numRuns: 200 },
    );
  });
});
