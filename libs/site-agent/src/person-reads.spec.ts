import fc from 'fast-check';
import { chownSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProcessRepository } from '@cairn/adapters/process';
import { strictMock } from '@cairn/testing';
import { helperArgv, MAX_HELPERS, PersonReads } from './person-reads';
import { personReadsMain } from './person-reads.helper';
import type { RunAsUsers } from './run-as-user';

const RUN = '7a0e5c1d-0000-4000-8000-0000000000aa';
const program = { node: '/usr/bin/node', args: ['-r', '/opt/cairn/tools/register.js', '/opt/cairn/helper.ts'] };

describe('helperArgv (the read helper as a person)', () => {
  it('drops to the uid and gid with no supplementary groups, then runs the fixed helper with its operation, root and query', () => {
    expect(helperArgv({ uid: 1001, gid: 1001 }, program, 'run-file', '/runs', { runId: RUN, path: 'a', maxBytes: 1 })).toEqual([
      '--reuid=1001',
      '--regid=1001',
      '--clear-groups',
      '--',
      '/usr/bin/node',
      '-r',
      '/opt/cairn/tools/register.js',
      '/opt/cairn/helper.ts',
      'run-file',
      '/runs',
      JSON.stringify({ runId: RUN, path: 'a', maxBytes: 1 }),
    ]);
  });

  it('refuses root, group 0 and ids that are not whole positive numbers', () => {
    for (const [uid, gid] of [[0, 1001], [1001, 0], [-1, 5], [1.5, 5], [Number.NaN, 5]] as const) {
      expect(() => helperArgv({ uid, gid }, program, 'run-file', '/runs', {})).toThrow(/refusing to run the helper as id/);
    }
  });

  it('passes any query as ONE argument after the fixed part, whatever its text (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 1, max: 2 ** 31 }), (path, uid) => {
        const args = helperArgv({ uid, gid: uid }, program, 'run-glob', '/runs', { runId: RUN, pattern: path, limit: 5 });
        return args.length === 11 && args[3] === '--' && args[4] === program.node && JSON.parse(args[10] as string).pattern === path;
      }),
      { numRuns: 300 },
    );
  });
});

describe('personReadsMain (the helper itself) [real: filesystem]', () => {
  it('reads a run file and globs a run with the agent’s own checks, and answers an error as one JSON line with exit 3', async () => {
    const root = mkdtempSync(join(tmpdir(), 'helper-'));
    mkdirSync(join(root, RUN, 's'), { recursive: true });
    writeFileSync(join(root, RUN, 's', 'm.json'), 'hello');
    const read = await personReadsMain(['run-file', root, JSON.stringify({ runId: RUN, path: 's/m.json', maxBytes: 100 })]);
    expect([read.code, JSON.parse(read.out)]).toEqual([0, { exists: true, dataBase64: Buffer.from('hello').toString('base64'), truncated: false, size: 5 }]);
    const glob = await personReadsMain(['run-glob', root, JSON.stringify({ runId: RUN, pattern: '*/*.json', limit: 10 })]);
    expect(JSON.parse(glob.out)).toEqual({ paths: ['s/m.json'] });
    const bad = await personReadsMain(['run-file', root, JSON.stringify({ runId: RUN, path: '../x', maxBytes: 1 })]);
    expect(bad.code).toBe(3);
    expect(JSON.parse(bad.out)).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await personReadsMain(['rm', root, '{}'])).code).toBe(3);
    expect((await personReadsMain(['run-file', 'relative', '{}'])).code).toBe(3);
  });
});

describe('PersonReads (who reads a run)', () => {
  it('reads the site job user’s runs itself: no helper, no lookup; a run that does not exist is an answer', async () => {
    const root = mkdtempSync(join(tmpdir(), 'reads-'));
    mkdirSync(join(root, RUN));
    writeFileSync(join(root, RUN, 'f'), 'x');
    const reads = new PersonReads(root, { uid: process.getuid?.() ?? 0, switchUser: true }, strictMock<RunAsUsers>({}, 'RunAsUsers'), strictMock<ProcessRepository>({}, 'ProcessRepository'));
    expect((await reads.runFile({ runId: RUN, path: 'f', maxBytes: 10 })).exists).toBe(true);
    expect(await reads.runGlob({ runId: RUN, pattern: '*', limit: 10 })).toEqual(['f']);
    expect(await reads.runFile({ runId: '7a0e5c1d-0000-4000-8000-0000000000bb', path: 'f', maxBytes: 10 })).toEqual({ exists: false, dataBase64: '', truncated: false });
    expect(reads.spawns).toBe(0);
  });
});

describe('PersonReads (a person’s run, through the helper)', () => {
  it('asks the helper as the run’s owner, at most MAX_HELPERS at once, and parses its answer as a claim', async () => {
    const root = mkdtempSync(join(tmpdir(), 'reads-'));
    mkdirSync(join(root, RUN));
    chownSync(join(root, RUN), 5000, 5000);
    const person = { name: 'p', uid: 5000, gid: 5000, group: 'p', switchUser: true, home: '/home/p' };
    const asked: number[] = [];
    const users = strictMock<RunAsUsers>({ byUid: async (uid: number) => (asked.push(uid), person) }, 'RunAsUsers');
    let running = 0;
    let most = 0;
    const argvs: string[][] = [];
    const processes = strictMock<ProcessRepository>(
      {
        run: async (file: string, args: readonly string[]) => {
          expect(file).toBe('setpriv');
          argvs.push([...args]);
          running += 1;
          most = Math.max(most, running);
          await new Promise((resolve) => setImmediate(resolve));
          running -= 1;
          return { exitCode: 0, stdout: `${JSON.stringify({ exists: true, dataBase64: 'eA==', truncated: false, size: 1 })}\n`, stderr: '' };
        },
      },
      'ProcessRepository',
    );
    const reads = new PersonReads(root, { uid: 4242, switchUser: true }, users, processes, program);
    const replies = await Promise.all(Array.from({ length: 10 }, () => reads.runFile({ runId: RUN, path: 'f', maxBytes: 10 })));
    expect(replies.every((r) => r.exists && r.dataBase64 === 'eA==')).toBe(true);
    expect([most, reads.spawns, new Set(asked)]).toEqual([MAX_HELPERS, 10, new Set([5000])]);
    expect(argvs[0]?.slice(0, 3)).toEqual(['--reuid=5000', '--regid=5000', '--clear-groups']);
  });

  it('turns the helper’s error line into the same error, and a reply that is not the schema into INTERNAL', async () => {
    const root = mkdtempSync(join(tmpdir(), 'reads-'));
    mkdirSync(join(root, RUN));
    chownSync(join(root, RUN), 5000, 5000);
    const person = { name: 'p', uid: 5000, gid: 5000, group: 'p', switchUser: true, home: '/home/p' };
    const answers = [
      { exitCode: 3, stdout: '{"error":"path escapes the run directory","code":"INVALID_ARGUMENT"}\n', stderr: '' },
      { exitCode: 0, stdout: '{"exists":"yes"}\n', stderr: '' },
      { exitCode: 1, stdout: 'not json', stderr: 'boom' },
    ];
    const processes = strictMock<ProcessRepository>({ run: async () => answers.shift() ?? { exitCode: 1, stdout: '', stderr: '' } }, 'ProcessRepository');
    const reads = new PersonReads(root, { uid: 4242, switchUser: true }, strictMock<RunAsUsers>({ byUid: async () => person }, 'RunAsUsers'), processes, program);
    const query = { runId: RUN, path: 'f', maxBytes: 10 };
    await expect(reads.runFile(query)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'path escapes the run directory' });
    await expect(reads.runFile(query)).rejects.toMatchObject({ code: 'INTERNAL', message: 'the read helper (as p) answered something that is not a reply' });
    await expect(reads.runFile(query)).rejects.toMatchObject({ code: 'INTERNAL', message: 'the read helper (as p) failed: exit 1: boom' });
  });
});
