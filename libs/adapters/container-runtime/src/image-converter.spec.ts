import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandFailedError, ProcessRepository, type RunOptions, type RunResult } from '@cairn/adapters/process';
import { apptainerBuildArgv, CharliecloudConverter, SifConverter } from './image-converter';
import { pullRefusal } from './image-pull';
import { skopeoCopyArgv, skopeoInspectArgv } from './registry-source';

const pinned = `registry.example.org:5443/lab/tool@sha256:${'b'.repeat(64)}`;

/** Records the argument vectors instead of starting programs; `apptainer build` writes its output file. */
class ArgvRecorder extends ProcessRepository {
  readonly calls: { file: string; args: readonly string[] }[] = [];
  override run(file: string, args: readonly string[], _options?: RunOptions): Promise<RunResult> {
    this.calls.push({ file, args });
    if (file === 'apptainer') writeFileSync(args[4] ?? '', 'SIF');
    if (file === 'umoci') mkdirSync(join(args[4] ?? '', 'rootfs'), { recursive: true });
    return Promise.resolve({ exitCode: 0, stdout: '', stderr: '' });
  }
}

describe('Apptainer conversion (the argument vectors it renders, ADR 0007)', () => {
  it('builds a SIF from the verified OCI layout: `apptainer build --force --tmpdir <work> <sif> oci:<layout>:img`', () => {
    expect(apptainerBuildArgv('/cache/.pull-x/image.sif', '/cache/.pull-x/layout', '/cache/.pull-x')).toEqual([
      'build',
      '--force',
      '--tmpdir',
      '/cache/.pull-x',
      '/cache/.pull-x/image.sif',
      'oci:/cache/.pull-x/layout:img',
    ]);
  });

  it('runs apptainer once, its temporary files in the work directory, and returns the SIF there', async () => {
    const work = mkdtempSync(join(tmpdir(), 'cairn-sif-'));
    try {
      const processes = new ArgvRecorder();
      const phases: string[] = [];
      const file = await new SifConverter(processes).convert(join(work, 'layout'), work, (phase) => phases.push(phase));
      expect(file).toBe(join(work, 'image.sif'));
      expect(phases).toEqual(['converting']);
      expect(processes.calls.map((c) => [c.file, ...c.args])).toEqual([['apptainer', 'build', '--force', '--tmpdir', work, join(work, 'image.sif'), `oci:${join(work, 'layout')}:img`]]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('Charliecloud directory conversion (ADR 0021)', () => {
  it('unpacks once with umoci, adds the /cairn bind targets, and returns the root filesystem to seal (no mksquashfs)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'cairn-dir-'));
    try {
      const processes = new ArgvRecorder();
      const phases: string[] = [];
      const rootfs = await new CharliecloudConverter(processes, 'directory').convert(join(work, 'layout'), work, (phase) => phases.push(phase));
      expect(rootfs).toBe(join(work, 'bundle', 'rootfs'));
      expect(phases).toEqual(['unpacking', 'converting']);
      expect(processes.calls.map((c) => [c.file, ...c.args])).toEqual([['umoci', 'unpack', '--rootless', '--image', `${join(work, 'layout')}:img`, join(work, 'bundle')]]);
      for (const target of ['cairn/work', 'cairn/run', 'cairn/data']) expect(existsSync(join(rootfs, target))).toBe(true);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('skopeo argument vectors', () => {
  it('copies by digest with --preserve-digests, the auth file when configured, TLS off only for listed registries', () => {
    expect(skopeoCopyArgv(pinned, '/w/layout', { insecureRegistries: [] })).toEqual(['copy', '--preserve-digests', '--quiet', `docker://${pinned}`, 'oci:/w/layout:img']);
    expect(skopeoCopyArgv(pinned, '/w/layout', { insecureRegistries: ['registry.example.org:5443'], authFile: '/etc/cairn/auth.json' })).toEqual([
      'copy',
      '--preserve-digests',
      '--quiet',
      '--src-authfile=/etc/cairn/auth.json',
      '--src-tls-verify=false',
      `docker://${pinned}`,
      'oci:/w/layout:img',
    ]);
    expect(skopeoInspectArgv(pinned, { insecureRegistries: ['registry.example.org:5443'], authFile: '/a.json' })).toEqual(['inspect', '--raw', '--authfile=/a.json', '--tls-verify=false', `docker://${pinned}`]);
  });

  it('refuses a reference that is not pinned', () => {
    expect(() => skopeoCopyArgv('registry.example.org/lab/tool:1', '/w', { insecureRegistries: [] })).toThrow(/not a pinned image reference/);
  });
});

describe('pullRefusal', () => {
  const failed = (stderr: string, exitCode = 1) => new CommandFailedError('skopeo', [], { exitCode, stdout: '', stderr });
  it.each([
    ['time="x" level=fatal msg="writing blob: Digest did not match, expected sha256:' + 'c'.repeat(64) + ', got sha256:' + 'd'.repeat(64) + '"', 'FAILED_PRECONDITION', `blob sha256:${'c'.repeat(64)} of ${pinned} does not match its digest`],
    ['reading manifest sha256:x in r/lab/tool: manifest unknown: manifest unknown', 'NOT_FOUND', `image ${pinned} is not in its registry`],
    ['initializing source: reading manifest: unauthorized: authentication required', 'PERMISSION_DENIED', 'credentials missing or not accepted'],
    ['pinging container registry: Get "https://r/v2/": dial tcp 127.0.0.1:5443: connect: connection refused', 'UNAVAILABLE', 'cannot be reached'],
    ['something else entirely', 'INTERNAL', `pulling ${pinned} failed: something else entirely`],
  ])('maps %j to %s', (stderr, code, text) => {
    const error = pullRefusal(failed(stderr), pinned);
    expect(error).toMatchObject({ code });
    expect(error.message).toContain(text);
  });
});
