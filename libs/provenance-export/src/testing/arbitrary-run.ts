import type { ProvEdge, ProvNode, RunSourceReply } from '@cairn/contracts';
import fc from 'fast-check';

/**
 * Random recorded runs shaped as docs/provenance.md describes (steps in loop iterations,
 * Slurm jobs, array items, images, files, a person and a site), with hostile text wherever
 * the contract allows any string: labels, attribute names and values, file paths, the
 * person's subject, parameter names and values.
 */
export interface ArbitraryRun {
  graph: { nodes: ProvNode[]; edges: ProvEdge[] };
  source: RunSourceReply;
}

const hostile = (maxLength: number): fc.Arbitrary<string> => fc.oneof(fc.string({ maxLength }), fc.string({ unit: 'grapheme', maxLength }), fc.constantFrom('', ' ', '#', '@x', '%41', 'a:b/c', '"\'<>&', 'ü\u0000\n', '[0]'));
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const STATES = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'RUNNING', 'SKIPPED', 'WAITING'] as const;

const spec = fc.record({
  runId: fc.uuid({ version: 4 }),
  defs: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), { minLength: 1, maxLength: 4 }),
  iterations: fc.integer({ min: 1, max: 3 }),
  items: fc.integer({ min: 0, max: 3 }),
  subject: hostile(40),
  site: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
  fileName: hostile(30),
  workflow: fc.string({ maxLength: 200 }),
  paths: fc.array(hostile(30), { minLength: 1, maxLength: 4 }),
  images: fc.array(hex64, { minLength: 1, maxLength: 3 }),
  states: fc.array(fc.constantFrom(...STATES), { minLength: 1, maxLength: 4 }),
  exitCodes: fc.array(fc.integer({ min: -255, max: 255 }), { minLength: 1, maxLength: 4 }),
  sizes: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
  hashes: fc.array(hex64, { minLength: 1, maxLength: 4 }),
  labels: fc.array(hostile(40), { minLength: 1, maxLength: 4 }),
  extra: fc.array(fc.record({ name: hostile(20), value: hostile(60) }), { maxLength: 6 }),
  params: fc.dictionary(hostile(12), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()), { maxKeys: 4 }),
  rerun: fc.option(fc.uuid({ version: 4 }), { nil: undefined }),
  startSecond: fc.integer({ min: 0, max: 1_000_000 }),
});

const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length] as T;

export const arbitraryRun: fc.Arbitrary<ArbitraryRun> = spec.map((s) => {
  const nodes: ProvNode[] = [];
  const edges: ProvEdge[] = [];
  let n = 0;
  const time = (offset: number): string => new Date(Date.UTC(2026, 0, 1) + (s.startSecond + offset) * 1000).toISOString();
  const node = (id: string, kind: ProvNode['kind'], type: ProvNode['type'], attributes: Record<string, string>, runId = s.runId): ProvNode => {
    const extra = pick(s.extra.length > 0 ? s.extra : [undefined], n);
    const made: ProvNode = { id, kind, type, label: pick(s.labels, n), runId, attributes: extra ? { [extra.name]: extra.value, ...attributes } : attributes };
    n++;
    nodes.push(made);
    return made;
  };
  const edge = (relation: ProvEdge['relation'], from: string, to: string, attributes: Record<string, string> = {}): void => {
    edges.push({ relation, from, to, attributes });
  };
  const run = `run:${s.runId}`;
  const person = `person:https://idp.example.edu#${s.subject}`;
  const site = `site:${s.site}`;
  const images = s.images.map((h) => `image:sha256:${h}`);
  node(run, 'activity', 'run', { name: 'random', state: pick(s.states, 0), start_time: time(0), end_time: time(10_000), ...(s.rerun ? { rerun_of: s.rerun } : {}) });
  node(person, 'agent', 'person', { name: s.subject, posix_user: 'alice', subject: s.subject }, '');
  node(site, 'agent', 'site', { site: s.site }, '');
  node(`workflow:${pick(s.hashes, 0)}`, 'entity', 'workflow-file', { sha256: pick(s.hashes, 0), file_name: s.fileName, size: String(s.workflow.length) }, '');
  node(`params:${s.runId}`, 'entity', 'params', Object.fromEntries(Object.entries(s.params).map(([k, v]) => [`param.${k}`, JSON.stringify(v)])));
  s.images.forEach((h, i) => node(`image:sha256:${h}`, 'entity', 'image', { digest: `sha256:${h}`, reference: `lab/tool${i}:1.${i}`, image_ref: `registry.example.edu:5000/lab/tool${i}@sha256:${h}` }, ''));
  edge('wasAssociatedWith', run, person, { role: 'owner' });
  edge('wasAssociatedWith', run, `workflow:${pick(s.hashes, 0)}`, { role: 'plan' });
  edge('used', run, `workflow:${pick(s.hashes, 0)}`);
  edge('used', run, `params:${s.runId}`);
  if (s.rerun) edge('wasDerivedFrom', run, `run:${s.rerun}`);

  const external = `file:${s.site}:/data/${pick(s.paths, 1)}@${pick(s.hashes, 1)}`;
  node(external, 'entity', 'file', { path: `/data/${pick(s.paths, 1)}`, sha256: pick(s.hashes, 1), size: String(pick(s.sizes, 1)), kind: 'file' }, '');
  let previous: { step: string; file: string } | undefined;
  let k = 0;
  for (let it = 0; it < s.iterations; it++) {
    const iteration = `iteration:${s.runId}/loop/${it}`;
    if (s.iterations > 1) {
      node(iteration, 'activity', 'iteration', { loop: 'loop', iteration: String(it), state: pick(s.states, it), 'metric.loss': String(1 / (it + 1)), start_time: time(it * 100) });
      edge('partOf', iteration, run);
      if (it > 0) edge('wasInformedBy', iteration, `iteration:${s.runId}/loop/${it - 1}`);
    }
    for (const def of s.defs) {
      k++;
      const key = s.iterations > 1 ? `loop[${it}].${def}` : def;
      const step = `step:${s.runId}/${key}`;
      node(step, 'activity', 'step', { path: key, state: pick(s.states, k), attempt: '1', requeues: '0', start_time: time(k * 10), end_time: time(k * 10 + 5) });
      edge('partOf', step, s.iterations > 1 ? iteration : run);
      const job = `job:00000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
      node(job, 'activity', 'job', { name: def, state: pick(s.states, k + 1), exit_code: String(pick(s.exitCodes, k)), slurm_job_id: String(1000 + k), start_time: time(k * 10), end_time: time(k * 10 + 4), items: String(s.items) });
      edge('partOf', job, step);
      edge('wasAssociatedWith', job, person, { role: 'owner' });
      edge('wasAssociatedWith', job, site, { role: 'site' });
      edge('used', job, pick(images, k), { role: 'image' });
      const file = `file:${s.runId}/${key}/${pick(s.paths, k)}`;
      node(file, 'entity', 'file', { path: `${key}/${pick(s.paths, k)}`, sha256: pick(s.hashes, k), size: String(pick(s.sizes, k)), kind: k % 3 === 0 ? 'dir' : 'file' });
      edge('wasGeneratedBy', file, job, { role: 'output', name: pick(s.paths, k) });
      const input = previous?.file ?? external;
      edge('used', job, input, { role: 'input' });
      edge('wasDerivedFrom', file, input);
      if (previous) edge('wasInformedBy', step, previous.step);
      for (let item = 0; item < s.items; item++) {
        const itemId = `item:${s.runId}/${key}/${item}`;
        node(itemId, 'activity', 'item', { index: String(item), exit_code: String(pick(s.exitCodes, item)), start_time: time(k * 10 + 1), end_time: time(k * 10 + 2), slurm_job_id: `${1000 + k}_${item}` });
        edge('partOf', itemId, step);
        const out = `file:${s.runId}/${key}/${item}/out`;
        node(out, 'entity', 'file', { path: `${key}/${item}/out`, sha256: pick(s.hashes, item), size: String(pick(s.sizes, item)), kind: 'file' });
        edge('wasGeneratedBy', out, itemId, { role: 'output', name: 'out' });
        edge('used', itemId, input, { role: 'input' });
      }
      previous = { step, file };
    }
  }
  const source: RunSourceReply = {
    runId: s.runId,
    name: 'random',
    fileName: s.fileName,
    source: s.workflow,
    sourceSha256: pick(s.hashes, 0),
    site: s.site,
    account: 'physics',
    params: s.params,
    images: s.images.map((h, i) => ({ reference: `lab/tool${i}:1.${i}`, imageRef: `registry.example.edu:5000/lab/tool${i}@sha256:${h}`, digest: `sha256:${h}` })),
    complete: true,
    ...(s.rerun ? { rerunOf: s.rerun } : {}),
  };
  return { graph: { nodes, edges }, source };
});
