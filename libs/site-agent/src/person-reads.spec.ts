import fc from 'fast-check';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProcessRepository } from '@cairn/adapters/process';
import { strictMock } from '@cairn/testing';
import { helperArgv, PersonReads } from './person-reads';
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
