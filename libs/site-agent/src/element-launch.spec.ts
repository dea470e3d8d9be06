import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessRepository } from '@cairn/adapters/process';
import { strictMock, waitFor } from '@cairn/testing';
import fc from 'fast-check';
import { parseItemRecords } from './array-element';
import { buildItemRunner, ELEMENT_WRAPPER_SCRIPT, encodeWorkList, ITEM_RUNNER_NAME, prepareItemRunner, type WorkItem } from './element-launch';
import { hashLists, runFactsOf } from './hashed-files';

const RUN_ID = '0b6f3c1e-0000-4000-8000-0000000000ab';
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

// The runner, built once as the agent builds it; the tests start it without a container (the
// element's launch vector is the runner alone), so wrapper and runner are what is tested here.
const runnerDir = mkdtempSync(join(tmpdir(), 'item-runner-'));
let runner = '';
beforeAll(async () => {
  const built = await buildItemRunner(runnerDir, new ProcessRepository());
  runner = join(built.dir, built.name);
}, 120_000);

/** An attempt directory with the element's work list and launch vector, as the agent writes them. */
function attemptWith(items: readonly WorkItem[], element = 0, outputs?: string[], itemDirs = true): { attempt: string; step: string } {
  const root = mkdtempSync(join(tmpdir(), 'element-'));
  const attempt = join(root, 'attempt');
  const step = join(root, 'runs', RUN_ID, 'sweep');
  mkdirSync(join(attempt, 'elements'), { recursive: true });
  mkdirSync(join(attempt, 'out'));
  mkdirSync(step, { recursive: true });
  if (itemDirs) for (const item of items) mkdirSync(item.workDir, { recursive: true });
  if (outputs) for (const list of hashLists({ id: RUN_ID, stepDir: 'sweep', outputs }, join(root, 'runs'), step)) writeFileSync(join(attempt, list.name), list.content);
  writeFileSync(join(attempt, 'elements', String(element)), encodeWorkList(items));
  writeFileSync(join(attempt, 'element-launch'), `${runner}\u0000`);
  writeFileSync(join(attempt, 'cairn-wrap-element'), ELEMENT_WRAPPER_SCRIPT, { mode: 0o755 });
  return { attempt, step };
}

function runElement(attempt: string, element = 0): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(join(attempt, 'cairn-wrap-element'), [attempt], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: '/usr/bin:/bin', SLURM_ARRAY_TASK_ID: String(element), CAIRN_ITEM_INDEX: 'leaked', SECRET: 'agent-only' },
    });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { status: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

const records = (attempt: string, element = 0) => parseItemRecords(readFileSync(join(attempt, 'out', `items-${element}.jsonl`), 'utf8'));

describe('the item runner: one container start runs an element’s items [real: bash, gcc -static, the runner]', () => {
  it('turns only well-formed reports into records: an item writing to its runner’s report pipe puts no text of its own in a record', () => {
    const root = mkdtempSync(join(tmpdir(), 'forge-'));
    const forged = '0 0 2026-01-01T00:00:00.000Z","host":"forged 2026-01-01T00:00:00.000Z';
    const { attempt } = attemptWith([
      { index: 0, workDir: join(root, '0'), argv: ['/bin/sh', '-c', 'printf "%s\\n" "$0" > /proc/$PPID/fd/3; exit 3', forged] },
    ]);
    expect(runElement(attempt).status).toBe(1);
    const lines = readFileSync(join(attempt, 'out', 'items-0.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ item: 0, exitCode: 3 });
    expect(lines[0]).not.toContain('forged');
  });

  it('is built once per source: a second start finds it by its name', async () => {
    expect(readdirSync(runnerDir)).toEqual([ITEM_RUNNER_NAME]);
    expect(await buildItemRunner(runnerDir, new ProcessRepository())).toEqual({ dir: runnerDir, name: ITEM_RUNNER_NAME });
  });

  it('is not used when it cannot be built: the agent says so and keeps one container per item', async () => {
    const warned: string[] = [];
    const logger = { info: () => undefined, warn: (_fields: object, message: string) => void warned.push(message) };
    const noGcc = strictMock<ProcessRepository>({
      check: async () => {
        throw new Error('spawn gcc ENOENT');
      },
    });
    expect(await prepareItemRunner(mkdtempSync(join(tmpdir(), 'agent-')), '/w/cairn-wrap-element', noGcc, logger)).toBeUndefined();
    expect(warned).toEqual(['the item runner could not be built (gcc -static): every array item starts its own container']);
    const workDir = mkdtempSync(join(tmpdir(), 'agent-'));
    expect(await prepareItemRunner(workDir, '/w/cairn-wrap-element', new ProcessRepository(), logger)).toEqual({
      dir: join(workDir, 'item-runner'),
      name: ITEM_RUNNER_NAME,
      wrapperPath: '/w/cairn-wrap-element',
    });
  }, 120_000);

  it('runs each item with its own argv, directory and CAIRN_ITEM_INDEX, the job variables only, and records every exit code', () => {
    const base = mkdtempSync(join(tmpdir(), 'dirs-'));
    const { attempt } = attemptWith(
      [
        { index: 10, workDir: join(base, '10'), argv: ['/usr/bin/printf', '%s|', 'a b', '$(id)', "it's"] },
        { index: 11, workDir: join(base, '11'), argv: ['/bin/sh', '-c', 'echo "item=$CAIRN_ITEM_INDEX dir=$(pwd) secret=${SECRET:-}"; exit 4'] },
        { index: 12, workDir: join(base, '12'), argv: ['/does/not/exist'] },
        { index: 13, workDir: join(base, '13'), argv: ['sh', '-c', 'kill -TERM $$'] },
        { index: 14, workDir: join(base, '14'), argv: ['echo', 'last'] },
      ],
      3,
    );
    const { status, stdout, stderr } = runElement(attempt, 3);
    expect(status).toBe(1);
    expect(stdout).toBe(`a b|$(id)|it's|item=11 dir=${join(base, '11')} secret=\nlast\n`);
    expect(stderr).toContain("cairn-items: can't execve(2): /does/not/exist: No such file or directory");
    const byItem = records(attempt, 3);
    expect([...byItem.values()].map((r) => [r.item, r.exitCode])).toEqual([
      [10, 0],
      [11, 4],
      [12, 1],
      [13, 143],
      [14, 0],
    ]);
    for (const record of byItem.values()) {
      expect(Date.parse(record.endedAt)).toBeGreaterThanOrEqual(Date.parse(record.startedAt));
      expect(record.host).toBe(execFileSync('hostname', { encoding: 'utf8' }).trim());
    }
  });

  it('makes each item’s directory when it is missing, and fails alone an item whose directory is a symbolic link or a file', () => {
    const step = mkdtempSync(join(tmpdir(), 'step-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'elsewhere-'));
    symlinkSync(elsewhere, join(step, '1'));
    writeFileSync(join(step, '2'), 'a file');
    mkdirSync(join(step, '3'));
    writeFileSync(join(step, '3', 'kept'), 'from an earlier attempt');
    const pwd = ['/bin/sh', '-c', 'pwd -P; ls'];
    const { attempt } = attemptWith(
      [0, 1, 2, 3].map((index) => ({ index, workDir: join(step, String(index)), argv: pwd })),
      0,
      undefined,
      false,
    );
    const { status, stdout, stderr } = runElement(attempt);
    expect(status).toBe(1);
    // Item 0's directory was made for it; item 3's was kept as it was.
    expect(stdout).toBe(`${join(step, '0')}\n${join(step, '3')}\nkept\n`);
    expect(stderr).toContain(`cairn-items: can't cd to ${join(step, '1')}: it is a symbolic link, not a directory`);
    expect(stderr).toContain(`cairn-items: can't cd to ${join(step, '2')}: Not a directory`);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect([...records(attempt).values()].map((r) => [r.item, r.exitCode])).toEqual([
      [0, 0],
      [1, 1],
      [2, 1],
      [3, 0],
    ]);
  });

  it('gives items the name passwd has for the uid the element runs as (USER, LOGNAME), whatever the environment said', () => {
    const base = mkdtempSync(join(tmpdir(), 'user-'));
    const { attempt } = attemptWith([{ index: 0, workDir: base, argv: ['/bin/sh', '-c', 'echo "$USER $LOGNAME $HOME"'] }]);
    const stdout = execFileSync(join(attempt, 'cairn-wrap-element'), [attempt], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', SLURM_ARRAY_TASK_ID: '0', USER: 'forged', LOGNAME: 'forged', HOME: '/forged' },
    });
    const name = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    expect(stdout).toBe(`${name} ${name} /tmp\n`);
    expect(records(attempt).get(0)?.exitCode).toBe(0);
  });

  it('skips items already recorded with exit code 0 when the element runs again (requeue), and runs the rest', () => {
    const marker = mkdtempSync(join(tmpdir(), 'flag-'));
    const { attempt } = attemptWith([
      { index: 0, workDir: marker, argv: ['/bin/sh', '-c', 'echo ran >> zero'] },
      { index: 1, workDir: marker, argv: ['/bin/sh', '-c', 'test -f fixed'] },
      { index: 2, workDir: marker, argv: ['/bin/sh', '-c', 'echo ran >> two'] },
    ]);
    expect(runElement(attempt).status).toBe(1);
    writeFileSync(join(marker, 'fixed'), '');
    expect(runElement(attempt).status).toBe(0);
    expect(readFileSync(join(marker, 'zero'), 'utf8')).toBe('ran\n');
    expect(readFileSync(join(marker, 'two'), 'utf8')).toBe('ran\n');
    expect([...records(attempt).values()].map((r) => [r.item, r.exitCode])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    // Everything done: a third run starts nothing.
    expect(runElement(attempt).status).toBe(0);
    expect(readFileSync(join(attempt, 'out', 'items-0.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
  });

  it('hashes each item’s declared outputs in its directory and puts them in its line', () => {
    const { attempt, step } = attemptWith([], 0, ['result.json']);
    const items: WorkItem[] = [
      { index: 0, workDir: join(step, '0'), argv: ['/bin/sh', '-c', 'echo zero > result.json'] },
      { index: 7, workDir: join(step, '7'), argv: ['/bin/sh', '-c', 'exit 3'] },
    ];
    for (const item of items) mkdirSync(item.workDir);
    writeFileSync(join(attempt, 'elements', '0'), encodeWorkList(items));
    expect(runElement(attempt).status).toBe(1);
    const byItem = records(attempt);
    expect(runFactsOf(byItem.get(0) ?? {}, { outputs: ['result.json'], prefix: '0/' }).outputs).toEqual([
      { path: '0/result.json', sha256: sha256('zero\n'), size: 5, kind: 'file' },
    ]);
    expect(runFactsOf(byItem.get(7) ?? {}, { outputs: ['result.json'], prefix: '7/' })).toMatchObject({ outputs: [], unhashed: ['7/result.json'] });
  });

  it('passes SIGTERM on to the running item, records it, and starts no other item', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'term-'));
    const { attempt } = attemptWith([
      { index: 0, workDir: dir, argv: ['/bin/sh', '-c', 'true'] },
      { index: 1, workDir: dir, argv: ['/bin/sh', '-c', 'touch started; exec sleep 600'] },
      { index: 2, workDir: dir, argv: ['/bin/sh', '-c', 'touch never'] },
    ]);
    const wrapper = spawn(join(attempt, 'cairn-wrap-element'), [attempt], { stdio: 'ignore', env: { PATH: '/usr/bin:/bin', SLURM_ARRAY_TASK_ID: '0' } });
    const exited = new Promise<number | null>((resolve) => wrapper.on('exit', (code) => resolve(code)));
    await waitFor('item 1 to start', async () => existsSync(join(dir, 'started')) || undefined, 30_000, 20);
    wrapper.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect([...records(attempt).values()].map((r) => [r.item, r.exitCode])).toEqual([
      [0, 0],
      [1, 143],
    ]);
  });

  it('ends at the runner’s last report even while another process of the runtime still holds the report pipe', () => {
    const dir = mkdtempSync(join(tmpdir(), 'held-'));
    const { attempt } = attemptWith([{ index: 0, workDir: dir, argv: ['/bin/true'] }]);
    // A runtime that leaves a process behind holding file descriptor 3 (as ch-run's SquashFUSE server does).
    const pidFile = join(dir, 'holder.pid');
    writeFileSync(join(attempt, 'element-launch'), ['/bin/sh', '-c', 'sleep 600 >/dev/null 2>&1 & echo $! > "$1"; exec "$0"', runner, pidFile].map((a) => `${a}\u0000`).join(''));
    try {
      expect(runElement(attempt).status).toBe(0);
      expect([...records(attempt).values()].map((r) => [r.item, r.exitCode])).toEqual([[0, 0]]);
    } finally {
      process.kill(Number(readFileSync(pidFile, 'utf8')));
    }
  });

  // A runtime that did not pass a channel through (ADR 0016: Apptainer's passing is verified
  // from its source, not at run time): the element fails, no item runs, none has a record.
  it.each([
    ['closes file descriptor 3 (the records)', '3>&-', 'file descriptor 3 (the records) is not open'],
    ['gives the runner an empty standard input', '</dev/null', 'the work list is empty'],
    ['closes standard input', '<&-', 'cannot read the work list'],
  ])('reports no item as run, let alone succeeded, when the runtime %s', (_what, redirection, said) => {
    const dir = mkdtempSync(join(tmpdir(), 'channel-'));
    const { attempt } = attemptWith([0, 1].map((index) => ({ index, workDir: dir, argv: ['/bin/sh', '-c', 'touch "ran-$CAIRN_ITEM_INDEX"'] })));
    writeFileSync(join(attempt, 'element-launch'), ['/bin/sh', '-c', `exec "$0" ${redirection}`, runner].map((a) => `${a}\u0000`).join(''));
    const { status, stderr } = runElement(attempt);
    expect(status).toBe(70);
    expect(stderr).toContain(`cairn-items: ${said}`);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(attempt, 'out', 'items-0.jsonl'))).toBe(false);
    // The runner alone, as any runtime would start it: exit code 70 before running anything.
    const alone = (() => {
      try {
        execFileSync('/bin/sh', ['-c', `exec "$0" ${redirection}`, runner], { input: encodeWorkList([{ index: 0, workDir: dir, argv: ['/usr/bin/touch', 'ran'] }]), stdio: ['pipe', 'ignore', 'ignore'] });
        return 0;
      } catch (error) {
        return (error as { status: number }).status;
      }
    })();
    expect(alone).toBe(70);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes a work list of a job’s whole 128 KiB of items, more than a pipe holds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'big-'));
    const { attempt } = attemptWith(Array.from({ length: 32 }, (_, index) => ({ index, workDir: dir, argv: ['/bin/sh', '-c', 'test "${#0}" = 4096', 'x'.repeat(4096)] })));
    expect(runElement(attempt).status).toBe(0);
    expect([...records(attempt).values()].filter((r) => r.exitCode === 0)).toHaveLength(32);
  });

  it.each([
    ['a first run (the runner checks the element file it is handed)', false, 'cairn-items: malformed work list'],
    ['a requeued run (the wrapper checks it while dropping the items done)', true, 'cairn-wrap-element: malformed element file'],
  ])('refuses a malformed work list before running anything: %s', (_run, requeued, said) => {
    const dir = mkdtempSync(join(tmpdir(), 'malformed-'));
    const { attempt } = attemptWith([]);
    const earlier = '{"item":7,"exitCode":0,"startedAt":"2026-12-03T00:00:00.000Z","endedAt":"2026-12-03T00:00:01.000Z","host":"h"}\n';
    const touch = (index: string) => [index, dir, '3', '/bin/sh', '-c', 'touch "ran-$CAIRN_ITEM_INDEX"'];
    for (const fields of [
      [...touch('0'), 'x', '/', '1', '/bin/true'],
      [...touch('0'), '1', '/', '3', '/bin/true'],
      ['x', '/', '1', '/bin/true', ...touch('1')],
    ]) {
      writeFileSync(join(attempt, 'out', 'items-0.jsonl'), requeued ? earlier : '');
      if (!requeued) rmSync(join(attempt, 'out', 'items-0.jsonl'));
      writeFileSync(join(attempt, 'elements', '0'), fields.map((f) => `${f}\u0000`).join(''));
      const { status, stderr } = runElement(attempt);
      expect(status).toBe(70);
      expect(stderr).toContain(said);
      expect(readdirSync(dir)).toEqual([]);
      expect(requeued ? readFileSync(join(attempt, 'out', 'items-0.jsonl'), 'utf8') : existsSync(join(attempt, 'out', 'items-0.jsonl'))).toBe(requeued ? earlier : false);
    }
  });

  it('starts nothing for an empty element file, first run or not', () => {
    const { attempt } = attemptWith([]);
    writeFileSync(join(attempt, 'element-launch'), ['/bin/sh', '-c', 'touch "$0"', join(attempt, 'started')].map((a) => `${a}\u0000`).join(''));
    expect(runElement(attempt).status).toBe(0);
    writeFileSync(join(attempt, 'out', 'items-0.jsonl'), '');
    expect(runElement(attempt).status).toBe(0);
    expect(existsSync(join(attempt, 'started'))).toBe(false);
  });

  it('checks the work list in the runner too (the wrapper is not its only caller in principle)', () => {
    for (const list of ['1\u0000relative\u00001\u0000/bin/true\u0000', '1\u0000/\u00000\u0000', '1\u0000/\u00001\u0000/bin/true', '99999999999\u0000/\u00001\u0000/bin/true\u0000']) {
      const status = (() => {
        try {
          execFileSync(runner, [], { input: list, stdio: ['pipe', 'ignore', 'ignore', 'pipe'] });
          return 0;
        } catch (error) {
          return (error as { status: number }).status;
        }
      })();
      expect(status).toBe(70);
    }
    expect(() => encodeWorkList([{ index: -1, workDir: '/', argv: ['a'] }])).toThrow(/item index/);
    expect(() => encodeWorkList([{ index: 0, workDir: 'rel', argv: ['a'] }])).toThrow(/working directory/);
    expect(() => encodeWorkList([{ index: 0, workDir: '/', argv: [] }])).toThrow(/no command/);
    expect(() => encodeWorkList([{ index: 0, workDir: '/', argv: ['a\u0000'] }])).toThrow(/NUL/);
  });

  it('hands every item its arguments literally, whatever they hold (hostile classes)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'literal-'));
    const arg = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('$(id)', '`id`', "'", '"', '\\', '*', '~', '-n', '--', '\n', ';rm -rf /', '${IFS}', '$0', ' ', ''),
    );
    const noNul = arg.filter((s) => !s.includes('\u0000'));
    fc.assert(
      fc.property(fc.array(fc.array(noNul, { maxLength: 6 }), { minLength: 1, maxLength: 4 }), (argvs) => {
        const { attempt } = attemptWith(argvs.map((args, index) => ({ index, workDir: dir, argv: ['/usr/bin/printf', '%s\\0', ...args, `end-${index}`] })));
        const { status, stdout } = runElement(attempt);
        expect(status).toBe(0);
        expect(stdout).toBe(argvs.map((args, index) => [...args, `end-${index}`].map((a) => `${a}\u0000`).join('')).join(''));
      }),
      { numRuns: 25 },
    );
  });
});
