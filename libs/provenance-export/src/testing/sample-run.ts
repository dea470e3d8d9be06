import type { ProvEdge, ProvNode, RunSourceReply } from '@cairn/contracts';

type RunSource = RunSourceReply;
interface RunGraph {
  nodes: ProvNode[];
  edges: ProvEdge[];
}

/** A recorded run shaped as docs/provenance.md describes: a prepare step, a two-iteration loop and an array step. */
export const RUN_ID = '0b6f3a52-8a7e-4c1e-9d3b-5f2a7c9e1d40';
const OTHER_RUN = '7d1c0e9a-2b4f-4a6e-8c3d-1e5f9a7b2c60';
const HEX = (c: string): string => c.repeat(64);
const PERSON = 'person:https://idp.example.edu#alice';
const SITE = 'site:hpc1';
const IMAGE = `image:sha256:${HEX('a')}`;
const IMAGE2 = `image:sha256:${HEX('b')}`;
const WF = `workflow:${HEX('c')}`;

const node = (id: string, kind: ProvNode['kind'], type: ProvNode['type'], attributes: Record<string, string>, runId = RUN_ID, label = ''): ProvNode => ({ id, kind, type, label, runId, attributes });
const edge = (relation: ProvEdge['relation'], from: string, to: string, attributes: Record<string, string> = {}): ProvEdge => ({ relation, from, to, attributes });

const t = (s: number): string => new Date(Date.UTC(2026, 10, 30, 12, 0, s)).toISOString();

export function sampleSource(overrides: Partial<RunSource> = {}): RunSource {
  return {
    runId: RUN_ID,
    name: 'active-learning',
    fileName: 'workflow.yaml',
    source: 'name: active-learning\nparams:\n  rounds: 2\nsteps:\n  prepare:\n    image: lab/python:3.12\n',
    sourceSha256: HEX('c'),
    site: 'hpc1',
    account: 'physics',
    params: { rounds: 2, rate: 0.5, label: 'first try', verbose: true },
    images: [
      { reference: 'lab/python:3.12', imageRef: `registry.example.edu:5000/lab/python@sha256:${HEX('a')}`, digest: `sha256:${HEX('a')}` },
      { reference: 'busybox', imageRef: `busybox@sha256:${HEX('b')}`, digest: `sha256:${HEX('b')}` },
    ],
    complete: true,
    ...overrides,
  };
}

export function sampleGraph(): RunGraph {
  const run = `run:${RUN_ID}`;
  const step = (key: string): string => `step:${RUN_ID}/${key}`;
  const file = (path: string): string => `file:${RUN_ID}/${path}`;
  const external = `file:hpc1:/data/pool.csv@${HEX('d')}`;
  const nodes: ProvNode[] = [
    node(run, 'activity', 'run', { name: 'active-learning', state: 'SUCCEEDED', file_name: 'workflow.yaml', account: 'physics', site: 'hpc1', start_time: t(0), end_time: t(50) }, RUN_ID, 'active-learning'),
    node(WF, 'entity', 'workflow-file', { sha256: HEX('c'), file_name: 'workflow.yaml', name: 'active-learning', size: '80' }, ''),
    node(`params:${RUN_ID}`, 'entity', 'params', { 'param.rounds': '2', 'param.rate': '0.5', 'param.label': '"first try"', 'param.verbose': 'true' }),
    node(IMAGE, 'entity', 'image', { digest: `sha256:${HEX('a')}`, reference: 'lab/python:3.12', image_ref: `registry.example.edu:5000/lab/python@sha256:${HEX('a')}` }, ''),
    node(IMAGE2, 'entity', 'image', { digest: `sha256:${HEX('b')}`, reference: 'busybox', image_ref: `busybox@sha256:${HEX('b')}` }, ''),
    node(PERSON, 'agent', 'person', { name: 'Alice Example', posix_user: 'alice', issuer: 'https://idp.example.edu', subject: 'alice' }, '', 'alice'),
    node(SITE, 'agent', 'site', { site: 'hpc1' }, ''),
    node(step('prepare'), 'activity', 'step', { path: 'prepare', kind: 'single', state: 'SUCCEEDED', attempt: '1', requeues: '0', slurm_job_ids: '101', start_time: t(1), end_time: t(10) }),
    node(step('learn[0].train'), 'activity', 'step', { path: 'learn/0/train', iteration: '0', state: 'SUCCEEDED', attempt: '2', requeues: '1', start_time: t(11), end_time: t(20) }),
    node(step('learn[1].train'), 'activity', 'step', { path: 'learn/1/train', iteration: '1', state: 'SUCCEEDED', attempt: '1', requeues: '0', start_time: t(21), end_time: t(30) }),
    node(step('sweep'), 'activity', 'step', { path: 'sweep', kind: 'array', state: 'FAILED', attempt: '1', requeues: '0', start_time: t(31), end_time: t(50) }),
    node(step('report'), 'activity', 'step', { path: 'report', state: 'SKIPPED' }),
    node(`iteration:${RUN_ID}/learn/0`, 'activity', 'iteration', { loop: 'learn', iteration: '0', state: 'SUCCEEDED', 'metric.loss': '0.25', decision: 'continue', start_time: t(11), end_time: t(20) }),
    node(`iteration:${RUN_ID}/learn/1`, 'activity', 'iteration', { loop: 'learn', iteration: '1', state: 'SUCCEEDED', 'metric.loss': '0.125', decision: 'stop', stop: 'converged', start_time: t(21), end_time: t(30) }),
    node(`decision:${RUN_ID}/learn/1`, 'entity', 'decision', { decision: '{"stop":true,"metrics":{"loss":0.125}}' }),
    node('job:11111111-1111-4111-8111-111111111111', 'activity', 'job', { name: 'prepare', state: 'COMPLETED', exit_code: '0', slurm_job_id: '101', host: 'node1', start_time: t(1), end_time: t(10), command: '["python","prep.py","--out","pool.npz"]', resources: '{"cpus":1}', items: '0', account: 'physics', site: 'hpc1' }),
    node('job:22222222-2222-4222-8222-222222222222', 'activity', 'job', { name: 'train', state: 'COMPLETED', exit_code: '0', slurm_job_id: '102', host: 'node2', start_time: t(11), end_time: t(20), items: '0' }),
    node('job:33333333-3333-4333-8333-333333333333', 'activity', 'job', { name: 'train', state: 'COMPLETED', exit_code: '0', slurm_job_id: '103', start_time: t(21), end_time: t(30), items: '0' }),
    node('job:44444444-4444-4444-8444-444444444444', 'activity', 'job', { name: 'sweep', state: 'FAILED', exit_code: '3', reason: 'an item failed', slurm_job_id: '104', items: '2' }),
    node(`item:${RUN_ID}/sweep/0`, 'activity', 'item', { index: '0', exit_code: '0', host: 'node3', start_time: t(31), end_time: t(40), slurm_job_id: '104_0' }),
    node(`item:${RUN_ID}/sweep/1`, 'activity', 'item', { index: '1', exit_code: '3', host: 'node4', start_time: t(31), end_time: t(50), slurm_job_id: '104_1' }),
    node(external, 'entity', 'file', { path: '/data/pool.csv', sha256: HEX('d'), size: '5000000000', kind: 'file' }, ''),
    node(file('prepare/pool.npz'), 'entity', 'file', { path: 'prepare/pool.npz', sha256: HEX('e'), size: '1024', kind: 'file' }),
    node(file('learn/0/train/model.npz'), 'entity', 'file', { path: 'learn/0/train/model.npz', sha256: HEX('f'), size: '2048', kind: 'file' }),
    node(file('learn/1/train/model.npz'), 'entity', 'file', { path: 'learn/1/train/model.npz', sha256: HEX('1'), size: '2048', kind: 'file' }),
    node(file('sweep/0/out'), 'entity', 'file', { path: 'sweep/0/out', sha256: HEX('2'), size: '0', kind: 'dir' }),
  ];
  const jobs = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333', '44444444-4444-4444-8444-444444444444'].map((j) => `job:${j}`);
  const [prep, train0, train1, sweep] = jobs as [string, string, string, string];
  const edges: ProvEdge[] = [
    edge('wasAssociatedWith', run, PERSON, { role: 'owner' }),
    edge('wasAssociatedWith', run, WF, { role: 'plan' }),
    edge('used', run, WF),
    edge('used', run, `params:${RUN_ID}`),
    ...jobs.flatMap((j) => [edge('wasAssociatedWith', j, PERSON, { role: 'owner' }), edge('wasAssociatedWith', j, SITE, { role: 'site' })]),
    edge('used', prep, IMAGE, { role: 'image' }),
    edge('used', train0, IMAGE, { role: 'image' }),
    edge('used', train1, IMAGE, { role: 'image' }),
    edge('used', sweep, IMAGE2, { role: 'image' }),
    edge('used', prep, external, { role: 'input' }),
    edge('used', train0, file('prepare/pool.npz'), { role: 'input' }),
    edge('used', train1, file('learn/0/train/model.npz'), { role: 'input' }),
    edge('used', `item:${RUN_ID}/sweep/0`, file('learn/1/train/model.npz'), { role: 'input' }),
    edge('used', `item:${RUN_ID}/sweep/0`, `file:${OTHER_RUN}/prepare/pool.npz`, { role: 'input' }),
    edge('wasGeneratedBy', file('prepare/pool.npz'), prep, { role: 'output', name: 'pool.npz' }),
    edge('wasGeneratedBy', file('learn/0/train/model.npz'), train0, { role: 'output', name: 'model.npz' }),
    edge('wasGeneratedBy', file('learn/1/train/model.npz'), train1, { role: 'output', name: 'model.npz' }),
    edge('wasGeneratedBy', file('sweep/0/out'), `item:${RUN_ID}/sweep/0`, { role: 'output', name: 'out' }),
    edge('wasGeneratedBy', `decision:${RUN_ID}/learn/1`, `iteration:${RUN_ID}/learn/1`),
    edge('wasDerivedFrom', file('prepare/pool.npz'), external),
    edge('wasDerivedFrom', file('learn/0/train/model.npz'), file('prepare/pool.npz')),
    edge('wasDerivedFrom', file('learn/1/train/model.npz'), file('learn/0/train/model.npz')),
    edge('wasDerivedFrom', run, `run:${OTHER_RUN}`),
    edge('wasInformedBy', step('learn[0].train'), step('prepare')),
    edge('wasInformedBy', step('learn[1].train'), step('learn[0].train')),
    edge('wasInformedBy', step('sweep'), step('learn[1].train')),
    edge('wasInformedBy', `iteration:${RUN_ID}/learn/1`, `iteration:${RUN_ID}/learn/0`),
    edge('partOf', step('prepare'), run),
    edge('partOf', step('learn[0].train'), `iteration:${RUN_ID}/learn/0`),
    edge('partOf', step('learn[1].train'), `iteration:${RUN_ID}/learn/1`),
    edge('partOf', step('sweep'), run),
    edge('partOf', step('report'), run),
    edge('partOf', `iteration:${RUN_ID}/learn/0`, run),
    edge('partOf', `iteration:${RUN_ID}/learn/1`, run),
    edge('partOf', prep, step('prepare')),
    edge('partOf', train0, step('learn[0].train')),
    edge('partOf', train1, step('learn[1].train')),
    edge('partOf', sweep, step('sweep')),
    edge('partOf', `item:${RUN_ID}/sweep/0`, step('sweep')),
    edge('partOf', `item:${RUN_ID}/sweep/1`, step('sweep')),
  ];
  return { nodes, edges };
}
