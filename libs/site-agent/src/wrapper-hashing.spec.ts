import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { execFileSync as exec } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_HASHED_FILES } from '@cairn/contracts';
import fc from 'fast-check';
import { ARRAY_WRAPPER_SCRIPT, encodeElement, parseItemRecords } from './array-element';
import { encodeArgv, WRAPPER_SCRIPT } from './batch-script';
import { EXIT_RECORD_MAX_BYTES, exitRecordSchema } from './exit-record';
import { hashLists, runFactsOf } from './hashed-files';

const RUN_ID = '0b6f3c1e-0000-4000-8000-0000000000aa';
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** A directory's digest as docs/workflow-runtime.md defines it, computed by Node. */
function dirDigest(files: Record<string, string>): { sha256: string; size: number } {
  const lines = Object.entries(files).map(([path, content]) => `${sha256(content)}  ${path}\n`);
  lines.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return { sha256: sha256(lines.join('')), size: Object.values(files).reduce((n, c) => n + Buffer.byteLength(c), 0) };
}

/** An attempt directory beside a run directory, with the agent's hash lists written. */
function setUp(stepDir: string, declared: { outputs?: string[]; inputs?: string[] }) {
  const root = mkdtempSync(join(tmpdir(), 'hash-'));
  const attempt = join(root, 'attempt');
  const runsDir = join(root, 'runs');
  const step = join(runsDir, RUN_ID, stepDir);
  mkdirSync(join(attempt, 'out'), { recursive: true });
  mkdirSync(step, { recursive: true });
  for (const list of hashLists({ id: RUN_ID, stepDir, ...declared }, runsDir, step)) writeFileSync(join(attempt, list.name), list.content);
  return { root, attempt, step };
}

function run(wrapper: string, script: string, attempt: string, env: Record<string, string>): number {
  const path = join(attempt, wrapper);
  writeFileSync(path, script, { mode: 0o755 });
  try {
    execFileSync(path, [attempt], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', ...env } });
    return 0;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

describe('cairn-wrap hashes the declared files [real: bash, sha256sum]', () => {
  it('reports the sha256 and size of declared files and directories, equal to Node’s, and what it could not hash', () => {
    const outputs = ['model.npz', 'plots', 'missing.txt', 'escape', 'inside', 'fifo'];
    const { root, attempt, step } = setUp('train', { outputs, inputs: [] });
    const secret = join(root, 'outside.txt');
    writeFileSync(secret, 'not in the run');
    symlinkSync(secret, join(step, 'escape'));
    // The command writes the outputs (and a FIFO, which must not hang the wrapper).
    const script = [
      'printf "weights\\0\\1\\2" > model.npz',
      'mkdir -p plots/sub && printf a > plots/a.txt && printf "bb b" > "plots/sub/b c.txt" && printf x > plots/-n',
      'ln -s ../model.npz plots/link && ln -s model.npz inside && mkfifo fifo',
    ].join(' && ');
    writeFileSync(join(attempt, 'argv'), encodeArgv(['/bin/sh', '-c', `cd "$0" && ${script}`, step]));
    expect(run('cairn-wrap', WRAPPER_SCRIPT, attempt, { SLURM_JOB_ID: '5' })).toBe(0);

    const record = exitRecordSchema.parse(JSON.parse(readFileSync(join(attempt, 'out', 'exit.json'), 'utf8')));
    const facts = runFactsOf(record, { outputs });
    const plots = dirDigest({ 'a.txt': 'a', 'sub/b c.txt': 'bb b', '-n': 'x' });
    expect(facts.outputs).toEqual([
      { path: 'model.npz', sha256: sha256(Buffer.from('weights\u0000\u0001\u0002')), size: 10, kind: 'file' },
      { path: 'plots', sha256: plots.sha256, size: plots.size, kind: 'dir' },
      // A link that stays inside the run is followed: the file it names.
      { path: 'inside', sha256: sha256(Buffer.from('weights\u0000\u0001\u0002')), size: 10, kind: 'file' },
    ]);
    expect(facts.unhashed).toEqual(['missing.txt', 'escape', 'fifo']);
    expect(facts.host).toBeTruthy();
    expect(facts.startTime && facts.endTime && facts.startTime <= facts.endTime).toBe(true);
  });

  it('hashes the inputs before the command runs (a command that rewrites its input does not change the digest)', () => {
    const root = mkdtempSync(join(tmpdir(), 'inputs-'));
    const input = join(root, "data set's.csv");
    const dataDir = join(root, 'refs');
    writeFileSync(input, 'a,b\n1,2\n');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'r.txt'), 'ref');
    const inputs = [input, dataDir, join(root, 'absent')];
    const { attempt } = setUp('prep', { inputs });
    writeFileSync(join(attempt, 'argv'), encodeArgv(['/bin/sh', '-c', 'echo changed > "$0"', input]));
    expect(run('cairn-wrap', WRAPPER_SCRIPT, attempt, {})).toBe(0);
    expect(readFileSync(input, 'utf8')).toBe('changed\n');
    const record = exitRecordSchema.parse(JSON.parse(readFileSync(join(attempt, 'out', 'exit.json'), 'utf8')));
    expect(record.outputs).toBeUndefined();
    const facts = runFactsOf(record, { inputs });
    expect(facts.inputs).toEqual([
      { path: input, sha256: sha256('a,b\n1,2\n'), size: 8, kind: 'file' },
      { path: dataDir, ...dirDigest({ 'r.txt': 'ref' }), kind: 'dir' },
    ]);
    expect(facts.unhashed).toEqual([join(root, 'absent')]);
  });

  it(`hashes at most ${MAX_HASHED_FILES} outputs, all declared at the maximum, within the exit record's bound`, () => {
    const outputs = Array.from({ length: MAX_HASHED_FILES }, (_, k) => `o${k}`);
    const inputsRoot = mkdtempSync(join(tmpdir(), 'many-'));
    const inputs = Array.from({ length: MAX_HASHED_FILES }, (_, k) => join(inputsRoot, `i${k}`));
    for (const path of inputs) writeFileSync(path, path);
    const { attempt, step } = setUp('many', { outputs, inputs });
    writeFileSync(join(attempt, 'argv'), encodeArgv(['/bin/sh', '-c', 'cd "$0" && for k in $(seq 0 63); do echo $k > o$k; done', step]));
    expect(run('cairn-wrap', WRAPPER_SCRIPT, attempt, {})).toBe(0);
    expect(statSync(join(attempt, 'out', 'exit.json')).size).toBeLessThan(EXIT_RECORD_MAX_BYTES);
    const record = exitRecordSchema.parse(JSON.parse(readFileSync(join(attempt, 'out', 'exit.json'), 'utf8')));
    const facts = runFactsOf(record, { outputs, inputs });
    expect(facts.outputs?.map((d) => [d.path, d.sha256])).toEqual(outputs.map((o, k) => [o, sha256(`${k}\n`)]));
    expect(facts.inputs?.map((d) => d.sha256)).toEqual(inputs.map((i) => sha256(i)));
    expect(facts.unhashed).toBeUndefined();
  });
});

/**
 * What a declared output can be, planted in the step's directory; `hashed` says whether the
 * wrapper may hash it: only what lies inside the run, and only a regular file or directory.
 */
const OUTPUT_CLASSES: Record<string, { hashed: boolean; plant: (path: string, ctx: { step: string; root: string }) => void }> = {
  file: { hashed: true, plant: (path) => writeFileSync(path, 'data') },
  directory: { hashed: true, plant: (path) => mkdirSync(path) },
  'link to a file in the run': { hashed: true, plant: (path, { step }) => (writeFileSync(join(step, 'real.txt'), 'r'), symlinkSync('real.txt', path)) },
  'absolute link into the run': { hashed: true, plant: (path, { step }) => (mkdirSync(join(step, 'sub'), { recursive: true }), symlinkSync(join(step, 'sub'), path)) },
  'link to the run itself': { hashed: true, plant: (path) => symlinkSync('..', path) },
  'absolute link out of the run': { hashed: false, plant: (path, { root }) => symlinkSync(join(root, 'secret.txt'), path) },
  'relative link out of the run': { hashed: false, plant: (path) => symlinkSync('../../secret.txt', path) },
  'link to a directory out of the run': { hashed: false, plant: (path, { root }) => symlinkSync(root, path) },
  'link through a link out of the run': { hashed: false, plant: (path, { step }) => (symlinkSync('../../secret.txt', join(step, `hop-${path.slice(-1)}`)), symlinkSync(`hop-${path.slice(-1)}`, path)) },
  'link to a device': { hashed: false, plant: (path) => symlinkSync('/dev/zero', path) },
  'dangling link': { hashed: false, plant: (path) => symlinkSync('nowhere', path) },
  FIFO: { hashed: false, plant: (path) => exec('mkfifo', [path]) },
  missing: { hashed: false, plant: () => undefined },
};

describe('cairn-wrap never hashes outside the run, whatever the job leaves (hostile classes) [real: bash]', () => {
  it('hashes exactly the declared outputs that resolve inside the run to a file or directory, and never hangs', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...Object.keys(OUTPUT_CLASSES)), { minLength: 1, maxLength: 8 }), (classes) => {
        const outputs = classes.map((_c, k) => `o${k}`);
        const { root, attempt, step } = setUp('step', { outputs });
        writeFileSync(join(root, 'secret.txt'), 'outside the run');
        classes.forEach((c, k) => OUTPUT_CLASSES[c]?.plant(join(step, `o${k}`), { step, root }));
        writeFileSync(join(attempt, 'argv'), encodeArgv(['/bin/true']));
        expect(run('cairn-wrap', WRAPPER_SCRIPT, attempt, {})).toBe(0);
        const record = exitRecordSchema.parse(JSON.parse(readFileSync(join(attempt, 'out', 'exit.json'), 'utf8')));
        const facts = runFactsOf(record, { outputs });
        expect(facts.outputs?.map((d) => d.path)).toEqual(outputs.filter((_o, k) => OUTPUT_CLASSES[classes[k] ?? '']?.hashed));
        expect(facts.unhashed ?? []).toEqual(outputs.filter((_o, k) => !OUTPUT_CLASSES[classes[k] ?? '']?.hashed));
      }),
      { numRuns: 15 },
    );
  });

  it('leaves declared inputs that are devices, FIFOs or missing unhashed, without reading them', () => {
    const root = mkdtempSync(join(tmpdir(), 'dev-'));
    exec('mkfifo', [join(root, 'fifo')]);
    const inputs = ['/dev/zero', join(root, 'fifo'), join(root, 'none')];
    const { attempt } = setUp('s', { inputs });
    writeFileSync(join(attempt, 'argv'), encodeArgv(['/bin/true']));
    expect(run('cairn-wrap', WRAPPER_SCRIPT, attempt, {})).toBe(0);
    const record = exitRecordSchema.parse(JSON.parse(readFileSync(join(attempt, 'out', 'exit.json'), 'utf8')));
    expect(runFactsOf(record, { inputs })).toMatchObject({ inputs: [], unhashed: inputs });
  });
});

describe('cairn-wrap-array hashes each item’s declared outputs in its directory [real: bash]', () => {
  it('puts the digests in the item’s line, and element 0 hashes the job’s inputs once', () => {
    const inputRoot = mkdtempSync(join(tmpdir(), 'arr-in-'));
    const input = join(inputRoot, 'pool.txt');
    writeFileSync(input, 'pool');
    const outputs = ['result.json'];
    const { attempt, step } = setUp('sweep', { outputs, inputs: [input] });
    mkdirSync(join(attempt, 'elements'));
    const item = (index: number, body: string) => {
      mkdirSync(join(step, String(index)));
      return { index, argv: ['/bin/sh', '-c', `cd "$0" && ${body}`, join(step, String(index))] };
    };
    writeFileSync(join(attempt, 'elements', '0'), encodeElement([item(0, 'echo zero > result.json'), item(7, 'exit 3')]));
    writeFileSync(join(attempt, 'elements', '1'), encodeElement([item(9, 'printf nine > result.json')]));
    expect(run('cairn-wrap-array', ARRAY_WRAPPER_SCRIPT, attempt, { SLURM_ARRAY_TASK_ID: '0' })).toBe(1);
    expect(run('cairn-wrap-array', ARRAY_WRAPPER_SCRIPT, attempt, { SLURM_ARRAY_TASK_ID: '1' })).toBe(0);

    const records = new Map([
      ...parseItemRecords(readFileSync(join(attempt, 'out', 'items-0.jsonl'), 'utf8')),
      ...parseItemRecords(readFileSync(join(attempt, 'out', 'items-1.jsonl'), 'utf8')),
    ]);
    const factsOf = (index: number) => runFactsOf(records.get(index) ?? {}, { outputs, prefix: `${index}/` });
    expect(factsOf(0).outputs).toEqual([{ path: '0/result.json', sha256: sha256('zero\n'), size: 5, kind: 'file' }]);
    expect(factsOf(7)).toMatchObject({ outputs: [], unhashed: ['7/result.json'] });
    expect(factsOf(9).outputs).toEqual([{ path: '9/result.json', sha256: sha256('nine'), size: 4, kind: 'file' }]);
    const inputsRecord = JSON.parse(readFileSync(join(attempt, 'out', 'inputs.json'), 'utf8')) as { inputs: unknown[] };
    expect(runFactsOf({ inputs: inputsRecord.inputs }, { inputs: [input] }).inputs).toEqual([{ path: input, sha256: sha256('pool'), size: 4, kind: 'file' }]);
    // Element 1 never hashes the inputs: element 0 does, once for the job.
    expect(readFileSync(join(attempt, 'out', 'items-1.jsonl'), 'utf8')).not.toContain('inputs');
  });

  it('keeps the requeue check working: an item that succeeded is skipped when the element runs again', () => {
    const { attempt, step } = setUp('again', { outputs: ['out.txt'] });
    mkdirSync(join(attempt, 'elements'));
    mkdirSync(join(step, '0'));
    writeFileSync(join(attempt, 'elements', '0'), encodeElement([{ index: 0, argv: ['/bin/sh', '-c', 'echo x >> "$0/out.txt"', join(step, '0')] }]));
    expect(run('cairn-wrap-array', ARRAY_WRAPPER_SCRIPT, attempt, { SLURM_ARRAY_TASK_ID: '0' })).toBe(0);
    expect(run('cairn-wrap-array', ARRAY_WRAPPER_SCRIPT, attempt, { SLURM_ARRAY_TASK_ID: '0' })).toBe(0);
    expect(readFileSync(join(step, '0', 'out.txt'), 'utf8')).toBe('x\n');
  });
});
