import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { CommanderError } from 'commander';
import { pb } from '@cairn/contracts';
import type { ExportChunk, LineageOptions, LineageStart, LineageWalk, RunGraph } from '@cairn/client';
import { UsageError } from './cli.errors';
import { provenanceCommands } from './provenance.commands';
import { MAX_SHOWN_OUTPUTS } from './provenance-view';
import { aWorkflow } from './workflow-fixtures';

const RUN = '3f1c2a9e-0000-4000-8000-000000000001';
const NEW = '3f1c2a9e-0000-4000-8000-000000000002';
const HASH = 'ab'.repeat(32);
const DIGEST = `sha256:${'cd'.repeat(32)}`;
const K = pb.ProvKind;
const node = (id: string, type: string, label: string, attributes: Record<string, string> = {}, kind = K.PROV_KIND_ENTITY): pb.ProvNode => ({ id, kind, type, label, runId: RUN, attributes });
const edge = (relation: string, from: string, to: string): pb.ProvEdge => ({ relation, from, to, attributes: {} });

function sweepGraph(outputs = 2): RunGraph {
  const files = Array.from({ length: outputs }, (_, i) => node(`file:${RUN}/out/${i}.json`, 'file', `${i}.json`, { path: `out/${i}.json`, sha256: HASH, size: String(2048 * (i + 1)) }));
  return {
    runId: RUN,
    complete: true,
    rerunOf: '',
    nodes: [
      node(`run:${RUN}`, 'run', 'sweep', { state: 'SUCCEEDED', site: 'dev', account: 'alice-lab', start_time: '2026-12-01T10:00:00Z', end_time: '2026-12-01T10:05:00Z' }, K.PROV_KIND_ACTIVITY),
      node('person:https://idp#a', 'person', 'alice', { posix_user: 'alice' }, K.PROV_KIND_AGENT),
      node(`workflow:${HASH}`, 'workflow-file', 'sweep.yaml', { sha256: HASH, file_name: 'sweep.yaml' }),
      node(`params:${RUN}`, 'params', 'parameters', { 'param.seeds': '4', 'param.label': '"a\u001b[2Jb"' }),
      node(`image:${DIGEST}`, 'image', 'lab/sim:1', { reference: 'lab/sim:1', digest: DIGEST }),
      node(`step:${RUN}/sim`, 'step', 'sim', {}, K.PROV_KIND_ACTIVITY),
      node('job:1', 'job', 'sim', {}, K.PROV_KIND_ACTIVITY),
      node(`item:${RUN}/sim/0`, 'item', 'sim[0]', {}, K.PROV_KIND_ACTIVITY),
      node(`item:${RUN}/sim/1`, 'item', 'sim[1]', {}, K.PROV_KIND_ACTIVITY),
      node(`file:${RUN}/in.csv`, 'file', 'in.csv', { path: 'in.csv', sha256: HASH }),
      ...files,
    ],
    edges: files.map((f) => edge('wasGeneratedBy', f.id, 'job:1')),
  };
}

interface Calls {
  lineage: Array<{ start: LineageStart; options: LineageOptions }>;
  reruns: Array<{ runId: string; options: unknown }>;
}

async function run(args: string[], more: { graph?: RunGraph; walk?: LineageWalk; chunks?: ExportChunk[]; abortAfter?: number; isTTY?: boolean; cwd?: string } = {}) {
  const output: string[] = [];
  const calls: Calls = { lineage: [], reruns: [] };
  const abort = new AbortController();
  let exitCode = 0;
  const command = provenanceCommands({
    out: { write: (s) => void output.push(s), isTTY: more.isTTY ?? false },
    client: () => ({
      getRunGraph: async () => more.graph ?? sweepGraph(),
      lineageAll: async (start: LineageStart, options: LineageOptions = {}) => {
        calls.lineage.push({ start, options });
        return more.walk ?? { nodes: [], depths: [], edges: [], depthLimited: false };
      },
      exportRun: async function* () {
        let n = 0;
        for (const chunk of more.chunks ?? []) {
          yield chunk;
          n += 1;
          if (n === more.abortAfter) abort.abort();
          if (abort.signal.aborted) return;
        }
      },
      rerun: async (runId: string, options = {}) => {
        calls.reruns.push({ runId, options });
        return { runId: NEW, rerunOf: runId };
      },
    }),
    workflows: () => ({
      getWorkflow: async (runId: string) => aWorkflow({ runId }),
      watchWorkflow: async function* () {
        yield { sequence: 1, kind: 'run', state: pb.WorkflowState.WORKFLOW_STATE_SUCCEEDED, reason: '', step: undefined, iteration: undefined, time: new Date(0) } as pb.WatchWorkflowResponse;
      },
    }),
    setExitCode: (code) => {
      exitCode = code;
    },
    signal: abort.signal,
    now: () => 0,
  });
  command.exitOverride();
  for (const sub of command.commands) sub.exitOverride();
  const cwd = process.cwd();
  if (more.cwd) process.chdir(more.cwd);
  try {
    await command.parseAsync(args, { from: 'user' });
  } finally {
    process.chdir(cwd);
  }
  return { text: stripVTControlCharacters(output.join('')), raw: output.join(''), calls, exitCode };
}

const failure = async (args: string[], more: Parameters<typeof run>[1] = {}): Promise<unknown> => {
  try {
    await run(args, more);
  } catch (error) {
    return error;
  }
  throw new Error('did not fail');
};

describe('cairn provenance', () => {
  it('show: the run, who, where, the file\'s hash, parameters, images by digest, counts and outputs with hashes', async () => {
    const { text } = await run(['show', RUN]);
    expect(text).toContain(`run ${RUN} sweep SUCCEEDED\n`);
    expect(text).toContain('by alice (posix user alice)');
    expect(text).toContain('at site dev, account alice-lab');
    expect(text).toContain(`workflow sweep.yaml sha256:${HASH}`);
    expect(text).toContain('  label = "a\uFFFD[2Jb"\n  seeds = 4');
    expect(text).toContain(`  lab/sim:1  ${DIGEST}`);
    expect(text).toContain('activities 1 steps, 1 jobs, 2 items, 0 iterations');
    expect(text).toMatch(new RegExp(`outputs 2\\nPATH +SHA256 +SIZE\\nout/0.json +sha256:${HASH} +2.0 KiB\\nout/1.json +sha256:${HASH} +4.0 KiB`));
    expect(text).not.toContain('in.csv');
  });

  it('show: a run not yet complete says so, a re-run names its original, and long output lists stop at the limit', async () => {
    const { text } = await run(['show', RUN], { graph: { ...sweepGraph(MAX_SHOWN_OUTPUTS + 3), complete: false, rerunOf: NEW } });
    expect(text).toContain('(not complete: the run goes on or provenance is catching up)');
    expect(text).toContain(`re-run of ${NEW}`);
    expect(text).toContain(`outputs ${MAX_SHOWN_OUTPUTS + 3}`);
    expect(text).toContain('… and 3 more (--json lists them all)');
  });

  it('show --json prints the whole graph', async () => {
    const { text } = await run(['show', RUN, '--json']);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(sweepGraph())));
  });

  it('lineage: starts from exactly one of a node, --sha256 or --image, with direction and depth, drawn by depth', async () => {
    const walk: LineageWalk = {
      nodes: [node(`image:${DIGEST}`, 'image', 'lab/sim:1', { digest: DIGEST }), node('job:1', 'job', 'sim', { state: 'COMPLETED' }), node(`file:${RUN}/out/0.json`, 'file', '0.json', { sha256: HASH })],
      depths: [0, 1, 2],
      edges: [],
      depthLimited: true,
    };
    const { text, calls } = await run(['lineage', '--image', DIGEST, '--downstream', '--depth', '2'], { walk });
    expect(calls.lineage).toEqual([{ start: { imageDigest: DIGEST }, options: { direction: 'downstream', maxDepth: 2 } }]);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`● image lab/sim:1 sha256:cdcdcdcdcdcdcdcdcdcd… image:${DIGEST}`);
    expect(lines[1]).toBe('  ↓ job sim COMPLETED job:1');
    expect(lines[2]).toBe(`    ↓ file 0.json sha256:abababababababababab… file:${RUN}/out/0.json`);
    expect(text).toContain('3 nodes downstream, 2 relations deep');
    expect(text).toContain('more lies beyond depth 2');
    expect((await run(['lineage', `run:${RUN}`])).calls.lineage[0]).toEqual({ start: { nodeId: `run:${RUN}` }, options: { direction: 'upstream', maxDepth: 10 } });
    expect((await run(['lineage', '--sha256', HASH])).text).toBe('nothing found\n');
  });

  it('lineage refuses no start, two starts and a depth outside 1..50', async () => {
    expect(await failure(['lineage'])).toEqual(new UsageError('give exactly one start: a node id, --sha256 <hash> or --image sha256:<digest>'));
    expect(await failure(['lineage', 'x', '--sha256', HASH])).toBeInstanceOf(UsageError);
    for (const depth of ['0', '51', '-1', '2.5', 'ten']) expect(await failure(['lineage', 'x', '--depth', depth])).toBeInstanceOf(CommanderError);
    expect((await run(['lineage', 'x', '--depth', '50'])).calls.lineage[0]?.options.maxDepth).toBe(50);
  });

  it('export writes the chunks to the suggested file, through a .part file renamed when complete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-export-'));
    const chunks = [
      { data: Buffer.from('PK\u0003\u0004 first'), contentType: 'application/zip', fileName: `${RUN}.crate.zip` },
      { data: Buffer.from([0, 255, 1]), contentType: '', fileName: '' },
    ];
    const { text } = await run(['export', RUN, '--format', 'ro-crate'], { chunks, cwd: dir });
    expect(readdirSync(dir)).toEqual([`${RUN}.crate.zip`]);
    expect(readFileSync(join(dir, `${RUN}.crate.zip`))).toEqual(Buffer.concat(chunks.map((c) => c.data)));
    expect(text).toMatch(new RegExp(`^exported ${RUN}.crate.zip \\(13 B in 0.0s\\)\\n$`));
    const tty = await run(['export', RUN, '--format', 'ro-crate', '-o', join(dir, 'x.zip')], { chunks, isTTY: true });
    expect(tty.raw).toContain('\r');
    expect(tty.text).toContain('exporting 13 B');
  });

  it('export never writes outside the directory it is told, and an interrupted export leaves nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-export-'));
    await run(['export', RUN, '--format', 'prov-json'], { chunks: [{ data: Buffer.from('{}'), contentType: 'application/json', fileName: '../../etc/evil.json' }], cwd: dir });
    expect(readdirSync(dir)).toEqual(['evil.json']);
    const chunks = [1, 2, 3].map((i) => ({ data: Buffer.from(`part ${i}`), contentType: '', fileName: 'r.zip' }));
    expect(await failure(['export', RUN, '--format', 'ro-crate', '-o', join(dir, 'half.zip')], { chunks, abortAfter: 1 })).toEqual(new UsageError('export interrupted; nothing written'));
    expect(existsSync(join(dir, 'half.zip')) || existsSync(join(dir, 'half.zip.part'))).toBe(false);
  });

  it('export -o - prints PROV-JSON, decoding characters split between chunks; a crate is refused there', async () => {
    const text = Buffer.from('{"label":"café ✓"}');
    const chunks = [text.subarray(0, 15), text.subarray(15)].map((data, i) => ({ data, contentType: i ? '' : 'application/json', fileName: i ? '' : 'x.json' }));
    expect((await run(['export', RUN, '--format', 'prov-json', '-o', '-'], { chunks })).text).toBe('{"label":"café ✓"}');
    expect(await failure(['export', RUN, '--format', 'ro-crate', '-o', '-'], { chunks })).toEqual(new UsageError('an RO-Crate is a zip: write it to a file (-o FILE)'));
    expect(await failure(['export', RUN, '--format', 'turtle'])).toBeInstanceOf(CommanderError);
    expect(await failure(['export', RUN])).toBeInstanceOf(CommanderError);
  });

  it('rerun sends the parameters, account and request id, and prints the new run; --watch follows it', async () => {
    const { text, calls } = await run(['rerun', RUN, '-p', 'seeds=8', '--param', 'label=a=b', '--account', 'shared', '--request-id', 'r1']);
    expect(calls.reruns).toEqual([{ runId: RUN, options: { params: { seeds: '8', label: 'a=b' }, account: 'shared', requestId: 'r1' } }]);
    expect(text).toBe(`submitted ${NEW} (a re-run of ${RUN})\nfollow it: cairn workflow watch ${NEW}\n`);
    expect(await failure(['rerun', RUN, '-p', 'seeds'])).toBeInstanceOf(UsageError);
    expect(JSON.parse((await run(['rerun', RUN, '--json'])).text)).toEqual({ runId: NEW, rerunOf: RUN });
    const watched = await run(['rerun', RUN, '--watch']);
    expect(watched.text).toContain(`submitted ${NEW}`);
    expect(watched.exitCode).toBe(0);
  });
});
