import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CairnError, MAX_ROWS_REPLY_BYTES, PAGE_BYTES } from '@cairn/contracts';
import { errorCode, strictMock } from '@cairn/testing';
import { AgentNatsController } from './agent.nats.controller';
import { RunFiles } from './run-files';
import { globRun } from './run-glob';
import type { SiteAgent } from './site-agent.service';
import type { SiteImages } from './site-images';
import { PersonReads } from './person-reads';
import type { RunAsUsers } from './run-as-user';
import type { ProcessRepository } from '@cairn/adapters/process';

const RUN = '7a0e5c1d-0000-4000-8000-0000000000aa';
const OTHER_RUN = '7a0e5c1d-0000-4000-8000-0000000000bb';

/** <root>/runs/<RUN>/{produce/out.txt, consume/}, a secret outside the runs, another run. */
function setup() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'run-files-')));
  const runs = join(root, 'runs');
  const run = join(runs, RUN);
  mkdirSync(join(run, 'produce'), { recursive: true });
  mkdirSync(join(run, 'consume'));
  writeFileSync(join(run, 'produce', 'out.txt'), 'hello\n');
  writeFileSync(join(root, 'secret'), 'top secret\n');
  mkdirSync(join(runs, OTHER_RUN));
  writeFileSync(join(runs, OTHER_RUN, 'other.txt'), 'other run\n');
  return { root, run, files: new RunFiles(runs) };
}

const text = (reply: { dataBase64: string }) => Buffer.from(reply.dataBase64, 'base64').toString('utf8');
const ESCAPES = 'path escapes the run directory';
const MAX = 1 << 20;

describe('RunFiles [real: filesystem]', () => {
  it('reads a file of the run', async () => {
    const { files } = setup();
    const reply = await files.read({ runId: RUN, path: 'produce/out.txt', maxBytes: 1024 });
    expect(reply).toEqual({ exists: true, dataBase64: Buffer.from('hello\n').toString('base64'), truncated: false, size: 6 });
    expect(text(await files.read({ runId: RUN, path: './produce//out.txt', maxBytes: 1024 }))).toBe('hello\n');
  });

  it('returns at most maxBytes, from the start, and says when the file is longer', async () => {
    const { files } = setup();
    const cut = await files.read({ runId: RUN, path: 'produce/out.txt', maxBytes: 4 });
    expect([text(cut), cut.truncated]).toEqual(['hell', true]);
    const exact = await files.read({ runId: RUN, path: 'produce/out.txt', maxBytes: 6 });
    expect([text(exact), exact.truncated]).toEqual(['hello\n', false]);
  });

  it('serves a file up to maxBytes (1 MiB at most) in pages of PAGE_BYTES from an offset, each fitting a message', async () => {
    const { run, files } = setup();
    const content = Buffer.alloc(MAX, 'a');
    content.write('tail', MAX - 4);
    writeFileSync(join(run, 'produce', 'big.txt'), Buffer.concat([content, Buffer.from('beyond')]));
    const parts: Buffer[] = [];
    let offset = 0;
    let size = 0;
    while (offset < Math.min(size || MAX, MAX)) {
      const page = await files.read({ runId: RUN, path: 'produce/big.txt', maxBytes: MAX, offset });
      const data = Buffer.from(page.dataBase64, 'base64');
      expect(data.length).toBeLessThanOrEqual(PAGE_BYTES);
      expect(page.truncated).toBe(true);
      size = page.size ?? 0;
      parts.push(data);
      offset += data.length;
    }
    expect(parts).toHaveLength(MAX / PAGE_BYTES);
    expect(Buffer.concat(parts).equals(content)).toBe(true);
    expect(size).toBe(MAX + 6);
  });

  it('answers exists: false for a missing file, a missing run, and a path through a file', async () => {
    const { files } = setup();
    const missing = { exists: false, dataBase64: '', truncated: false };
    expect(await files.read({ runId: RUN, path: 'produce/none.txt', maxBytes: 10 })).toEqual(missing);
    expect(await files.read({ runId: RUN, path: 'nostep/none.txt', maxBytes: 10 })).toEqual(missing);
    expect(await files.read({ runId: '7a0e5c1d-0000-4000-8000-0000000000cc', path: 'a', maxBytes: 10 })).toEqual(missing);
    expect(await files.read({ runId: RUN, path: 'produce/out.txt/x', maxBytes: 10 })).toEqual(missing);
  });

  it('refuses a directory, and anything that is not a regular file', async () => {
    const { run, files } = setup();
    await expect(files.read({ runId: RUN, path: 'produce', maxBytes: 10 })).rejects.toThrow('produce is a directory');
    expect(await errorCode(files.read({ runId: RUN, path: '.', maxBytes: 10 }))).toBe('INVALID_ARGUMENT');
    execFileSync('mkfifo', [join(run, 'produce', 'pipe')]);
    await expect(files.read({ runId: RUN, path: 'produce/pipe', maxBytes: 10 })).rejects.toThrow('produce/pipe is not a regular file');
  });

  it('refuses "..", absolute paths and a bad run id even when called directly', async () => {
    const { files } = setup();
    for (const path of ['../x', 'produce/../../secret', '/etc/passwd', '']) {
      const error = await files.read({ runId: RUN, path, maxBytes: 10 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CairnError);
      expect((error as CairnError).code).toBe('INVALID_ARGUMENT');
    }
    expect(await errorCode(files.read({ runId: '../runs', path: 'x', maxBytes: 10 }))).toBe('INVALID_ARGUMENT');
  });

  it('follows symbolic links that stay inside the run, relative or absolute', async () => {
    const { run, files } = setup();
    symlinkSync('../produce/out.txt', join(run, 'consume', 'input'));
    symlinkSync(join(run, 'produce'), join(run, 'latest'));
    symlinkSync('latest/out.txt', join(run, 'chain'));
    expect(text(await files.read({ runId: RUN, path: 'consume/input', maxBytes: 100 }))).toBe('hello\n');
    expect(text(await files.read({ runId: RUN, path: 'latest/out.txt', maxBytes: 100 }))).toBe('hello\n');
    expect(text(await files.read({ runId: RUN, path: 'chain', maxBytes: 100 }))).toBe('hello\n');
  });

  it('refuses a symbolic link out of the run, to a file or a directory, existing or not, or into another run', async () => {
    const { root, run, files } = setup();
    symlinkSync(join(root, 'secret'), join(run, 'consume', 'secret'));
    symlinkSync('../../../secret', join(run, 'consume', 'relative'));
    symlinkSync(root, join(run, 'up'));
    symlinkSync(join(root, 'no-such-file'), join(run, 'dangling'));
    symlinkSync(`../${OTHER_RUN}/other.txt`, join(run, 'sibling'));
    symlinkSync('/cairn/run/produce/out.txt', join(run, 'container-path'));
    for (const path of ['consume/secret', 'consume/relative', 'up/secret', 'up/no-such-file', 'dangling', 'sibling', 'container-path']) {
      await expect(files.read({ runId: RUN, path, maxBytes: 100 })).rejects.toThrow(ESCAPES);
    }
  });

  it('refuses a loop of symbolic links', async () => {
    const { run, files } = setup();
    symlinkSync('b', join(run, 'a'));
    symlinkSync('a', join(run, 'b'));
    await expect(files.read({ runId: RUN, path: 'a', maxBytes: 10 })).rejects.toThrow('too many symbolic links in a');
  });
});

describe('AgentNatsController agent.run-file', () => {
  const controller = (reads: PersonReads) => new AgentNatsController(strictMock<SiteAgent>({}, 'SiteAgent'), reads, strictMock<SiteImages>({}, 'SiteImages'));

  it('validates the payload, then reads the file', async () => {
    const { files } = setup();
    const reply = await controller(asAgent(files)).readRunFile({ runId: RUN, path: 'produce/out.txt', maxBytes: 3 });
    expect([text(reply), reply.truncated]).toEqual(['hel', true]);
  });

  it('answers INVALID_ARGUMENT for "..", an absolute path, a bad run id or size, without touching the disk', async () => {
    const reads: unknown[] = [];
    const files = strictMock<PersonReads>(
      {
        runFile: async (query) => {
          reads.push(query);
          return { exists: false, dataBase64: '', truncated: false };
        },
      },
      'PersonReads',
    );
    const bad = [
      { runId: RUN, path: '../x', maxBytes: 10 },
      { runId: RUN, path: '/etc/passwd', maxBytes: 10 },
      { runId: 'x', path: 'a', maxBytes: 10 },
      { runId: RUN, path: 'a', maxBytes: 0 },
      { runId: RUN, path: 'a', maxBytes: 10, extra: true },
    ];
    for (const payload of bad) {
      let code: unknown;
      try {
        await controller(files).readRunFile(payload);
      } catch (error) {
        code = (error as CairnError).code;
      }
      expect([payload, code]).toEqual([payload, 'INVALID_ARGUMENT']);
    }
    expect(reads).toEqual([]);
  });
});

describe('AgentNatsController agent.run-glob', () => {
  it('serves a glob of more paths than fit one message in pages, in the same order as the whole list', async () => {
    const { run, files } = setup();
    mkdirSync(join(run, 'many'));
    // 4,000 names of 240 bytes: about 1 MB of paths, more than one reply may hold.
    for (let i = 0; i < 4000; i += 1) writeFileSync(join(run, 'many', `${String(i).padStart(4, '0')}${'n'.repeat(236)}`), '');
    const controller = new AgentNatsController(strictMock<SiteAgent>({}, 'SiteAgent'), asAgent(files), strictMock<SiteImages>({}, 'SiteImages'));
    const pages: string[][] = [];
    for (let more = true; more; ) {
      const page = await controller.globRun({ runId: RUN, pattern: 'many/*', limit: 1_000_000, offset: pages.flat().length });
      expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(MAX_ROWS_REPLY_BYTES + 100);
      pages.push(page.paths);
      more = page.more;
    }
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat()).toEqual(await globRun(files.root, { runId: RUN, pattern: 'many/*', limit: 1_000_000 }));
    expect(pages.flat()).toHaveLength(4000);
    // 4,000 files written and globbed several times: more than Jest's default 5 s on a loaded machine.
  }, 60_000);
});

/** Reads of runs the agent's own job user owns: done by the agent itself (no helper, no lookup). */
function asAgent(files: RunFiles): PersonReads {
  return new PersonReads(files.root, { uid: process.getuid?.() ?? 0, switchUser: false }, strictMock<RunAsUsers>({}, 'RunAsUsers'), strictMock<ProcessRepository>({}, 'ProcessRepository'));
}
