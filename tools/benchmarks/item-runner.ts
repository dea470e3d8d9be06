/**
 * What one container start per array element saves (ADR 0016): the real wrappers, without
 * Slurm, run one element of N items in a Charliecloud image, in alternating rounds:
 *   - per item: cairn-wrap-array.sh, one `ch-run` per item (the path before ADR 0016);
 *   - per element: cairn-wrap-element.sh, one `ch-run` whose command is the item runner.
 * Each item is `/bin/sh -c 'sleep "$0"' <seconds>` (0 runs `/bin/true`). The launch vectors
 * are CharliecloudRuntime's; the records are written and parsed as the agent reads them.
 *
 *   node -r ./tools/register.js tools/benchmarks/item-runner.ts --image <converted .sqfs> --items 200 --seconds 0,0.02,0.2 --rounds 3
 *
 * (A converted image: any `<hex>.v2.sqfs` an agent made, e.g. under a stack's agent/images.)
 * Prints a markdown report to stdout (medians over the rounds: wall ms per item, CPU ms per
 * item of the wrapper and everything it started, makespan ÷ ideal, the ratio per item ÷ per
 * element), progress to stderr; asserts nothing. Needs ch-run, bash and gcc.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CharliecloudRuntime } from '@cairn/adapters/container-runtime';
import { ARRAY_WRAPPER_SCRIPT, buildItemRunner, ELEMENT_WRAPPER_SCRIPT, encodeArgv, encodeElement, encodeWorkList, parseItemRecords } from '@cairn/site-agent';
import { fmt, median, now, positiveOption, processes, progressLog, runMain, treeCommit, usageOnHelp, writeReport } from './bench-kit';

const USAGE = 'node -r ./tools/register.js tools/benchmarks/item-runner.ts --image <file.sqfs> [--items 200] [--seconds 0,0.02,0.2] [--rounds 3]';
const { values } = parseArgs({
  options: {
    image: { type: 'string' },
    items: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '0,0.02,0.2' },
    rounds: { type: 'string', default: '3' },
    help: { type: 'boolean' },
  },
});
usageOnHelp(values.help, USAGE);
if (!values.image) throw new Error(`--image is required: ${USAGE}`);
const image = { path: values.image, digest: `sha256:${'0'.repeat(64)}` };
const items = positiveOption('items', values.items);
const rounds = positiveOption('rounds', values.rounds);
const durations = values.seconds.split(',').map((s) => {
  const value = Number(s);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--seconds: expected durations in seconds, got ${s}`);
  return value;
});
const log = progressLog('item-runner');
const runtime = new CharliecloudRuntime(processes);

interface Measure {
  wallMs: number;
  cpuMs: number;
}

/** Runs `wrapper` on one element; wall time and the CPU time of everything it started (bash's `times`). */
async function timed(wrapper: string, attempt: string): Promise<Measure> {
  const started = now();
  const result = await processes.run('/bin/bash', ['-c', '"$0" "$1" >/dev/null 2>&1; times', wrapper, attempt], {
    timeoutMs: 1_800_000,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', USER: userInfo().username, SLURM_ARRAY_TASK_ID: '0' },
  });
  const wallMs = now() - started;
  const children = result.stdout.trim().split('\n').at(-1) ?? '';
  const cpuMs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + (Number(m[1]) * 60 + Number(m[2])) * 1000, 0);
  return { wallMs, cpuMs };
}

function argvOf(seconds: number): string[] {
  return seconds === 0 ? ['/bin/true'] : ['/bin/sh', '-c', 'sleep "$0"', String(seconds)];
}

/** One element of `items` items, per item or per element; checks every item was recorded with exit 0. */
async function runElement(mode: 'per-item' | 'per-element', seconds: number, runner: { dir: string; name: string }): Promise<Measure> {
  const root = mkdtempSync(join(tmpdir(), 'bench-items-'));
  try {
    const attempt = join(root, 'attempt');
    mkdirSync(join(attempt, 'out'), { recursive: true });
    mkdirSync(join(attempt, 'elements'));
    mkdirSync(join(attempt, 'work'));
    const binds = [{ source: join(attempt, 'work'), target: '/cairn/work' }];
    const base = { image, env: {}, scratchDir: attempt, binds, workDir: '/cairn/work' };
    const list = Array.from({ length: items }, (_, index) => index);
    let wrapper = join(attempt, 'wrap');
    if (mode === 'per-item') {
      writeFileSync(join(attempt, 'elements', '0'), encodeElement(list.map((index) => ({ index, argv: runtime.launch({ ...base, command: argvOf(seconds) }).argv }))));
      writeFileSync(wrapper, ARRAY_WRAPPER_SCRIPT, { mode: 0o755 });
    } else {
      writeFileSync(join(attempt, 'elements', '0'), encodeWorkList(list.map((index) => ({ index, workDir: '/cairn/work', argv: argvOf(seconds) }))));
      const plan = runtime.launch({ ...base, command: [`${runtime.toolsMount}/${runner.name}`], tools: runner.dir });
      writeFileSync(join(attempt, 'element-launch'), encodeArgv(plan.argv));
      wrapper = join(attempt, 'wrap-element');
      writeFileSync(wrapper, ELEMENT_WRAPPER_SCRIPT, { mode: 0o755 });
    }
    const measure = await timed(wrapper, attempt);
    const records = parseItemRecords(readFileSync(join(attempt, 'out', 'items-0.jsonl'), 'utf8'));
    const ok = [...records.values()].filter((r) => r.exitCode === 0).length;
    if (ok !== items) throw new Error(`${mode}: ${ok} of ${items} items recorded with exit 0`);
    return measure;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const runnerDir = mkdtempSync(join(tmpdir(), 'bench-runner-'));
  const runner = await buildItemRunner(runnerDir, processes);
  const rows: string[] = [];
  for (const seconds of durations) {
    const got: Record<'per-item' | 'per-element', Measure[]> = { 'per-item': [], 'per-element': [] };
    for (let round = 1; round <= rounds; round += 1) {
      for (const mode of ['per-item', 'per-element'] as const) {
        const m = await runElement(mode, seconds, runner);
        got[mode].push(m);
        log(`${seconds} s × ${items}, round ${round}, ${mode}: ${fmt(m.wallMs / items, 2)} ms/item wall, ${fmt(m.cpuMs / items, 2)} ms/item CPU`);
      }
    }
    const med = (mode: 'per-item' | 'per-element', key: keyof Measure) => median(got[mode].map((m) => m[key] / items));
    const ideal = seconds * 1000;
    const cell = (mode: 'per-item' | 'per-element') =>
      `${fmt(med(mode, 'wallMs'), 2)} | ${fmt(med(mode, 'cpuMs'), 2)} | ${ideal > 0 ? `${fmt(med(mode, 'wallMs') / ideal, 2)}×` : '–'}`;
    rows.push(`| ${seconds} s | ${cell('per-item')} | ${cell('per-element')} | ${fmt(med('per-item', 'wallMs') / med('per-element', 'wallMs'), 1)}× |`);
  }
  rmSync(runnerDir, { recursive: true, force: true });
  writeReport(
    `Item runner vs one ch-run per item: one element of ${items} items, ${rounds} rounds (medians), commit ${await treeCommit()}, ${new Date().toISOString().slice(0, 16)}Z`,
    ['item', 'per item: wall ms/item', 'CPU ms/item', 'wall ÷ ideal', 'per element: wall ms/item', 'CPU ms/item', 'wall ÷ ideal', 'per item ÷ per element (wall)'],
    rows,
  );
}

runMain(main);
