import type { ImageEvent, JobEvent, Owner, WorkflowEvent } from '@cairn/contracts';
import type { ProvEvent } from './event-mapping';

/** A small recorded world for the specs: one workflow run of alice's and one job of bob's, as their events. */
export const ALICE: Owner = { issuer: 'http://127.0.0.1:5556', subject: 'alice', name: 'alice', posixUser: 'alice' };
export const BOB: Owner = { issuer: 'http://127.0.0.1:5556', subject: 'bob', name: 'bob', posixUser: 'bob' };
export const RUN = '11111111-1111-4111-8111-111111111111';
export const J_PREPARE = '22222222-2222-4222-8222-222222222201';
export const J_TRAIN1 = '22222222-2222-4222-8222-222222222202';
export const J_TRAIN2 = '22222222-2222-4222-8222-222222222203';
export const J_SWEEP = '22222222-2222-4222-8222-222222222204';
export const J_SUM = '22222222-2222-4222-8222-222222222205';
export const J_BOB = '33333333-3333-4333-8333-333333333301';
export const DIGEST = `sha256:${'a'.repeat(64)}`;
export const hash = (n: number): string => n.toString(16).padStart(64, '0');
const SOURCE = 'version: 1\nname: al\nsteps: {}\n';

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, s)).toISOString();

let jobSeq = new Map<string, number>();
function jobEvent(jobId: string, state: JobEvent['state'], t: number, extra: Partial<JobEvent> = {}): ProvEvent {
  const sequence = (jobSeq.get(jobId) ?? 0) + 1;
  jobSeq.set(jobId, sequence);
  const event: JobEvent = { jobId, sequence, state, exitCode: state === 'COMPLETED' ? 0 : null, slurmJobId: state === 'ACCEPTED' ? '' : `${100 + sequence}`, reason: '', time: at(t), ...extra };
  return { stream: 'jobs', id: `CAIRN_JOB_EVENTS:${jobId}:${sequence}`, event };
}

const facts = (owner: Owner, name: string, extra: Partial<NonNullable<JobEvent['facts']>> = {}): NonNullable<JobEvent['facts']> => ({
  owner,
  account: owner === ALICE ? 'alice-lab' : 'genomics',
  site: 'dev',
  name,
  image: 'lab/busybox:1.36',
  imageRef: `127.0.0.1:5000/lab/busybox@${DIGEST}`,
  digest: DIGEST,
  command: ['/bin/sh', '-c', 'echo hi'],
  resources: { cpus: 1, memory: '1G' },
  items: 0,
  ...extra,
});

let runSeq = 0;
function workflowEvent(t: number, body: Omit<WorkflowEvent, 'runId' | 'sequence' | 'time'>): ProvEvent {
  runSeq += 1;
  return { stream: 'workflows', id: `CAIRN_WORKFLOW_EVENTS:${RUN}:${runSeq}`, event: { runId: RUN, sequence: runSeq, time: at(t), ...body } };
}

const step = (key: string, path: string, iteration: number, kind: 'run' | 'array' | 'loop', state: 'RUNNING' | 'SUCCEEDED', jobIds: string[], needs?: string[]) => ({
  key,
  path,
  iteration,
  kind,
  state,
  attempt: 1,
  requeues: 0,
  items: { total: kind === 'array' ? 3 : 0, succeeded: 0, failed: 0 },
  failedItems: [],
  jobIds,
  slurmJobIds: [],
  reason: '',
  ...(needs ? { needs } : {}),
});

/** Every event of the world, in the order the services publish them. */
export function worldEvents(): ProvEvent[] {
  jobSeq = new Map();
  runSeq = 0;
  const image: ImageEvent = { reference: 'lab/busybox:1.36', imageRef: `127.0.0.1:5000/lab/busybox@${DIGEST}`, digest: DIGEST, registry: '127.0.0.1:5000', time: at(0) };
  return [
    { stream: 'images', id: 'CAIRN_IMAGE_EVENTS:1', seq: 1, event: image },
    workflowEvent(1, {
      kind: 'run',
      run: { state: 'RUNNING', reason: '' },
      submitted: {
        name: 'al',
        fileName: 'workflow.yaml',
        source: SOURCE,
        sourceSha256: hash(1),
        params: { rounds: 2, label: 'x' },
        owner: ALICE,
        account: 'alice-lab',
        site: 'dev',
        images: [{ reference: 'lab/busybox:1.36', imageRef: `127.0.0.1:5000/lab/busybox@${DIGEST}`, digest: DIGEST }],
      },
    }),
    workflowEvent(2, { kind: 'step', step: step('prepare', 'prepare', 0, 'run', 'RUNNING', [J_PREPARE]) }),
    jobEvent(J_PREPARE, 'ACCEPTED', 2, { facts: facts(ALICE, 'prepare', { runId: RUN, stepDir: 'prepare' }) }),
    jobEvent(J_PREPARE, 'RUNNING', 3, { run: { host: 'c1', startTime: at(3) } }),
    jobEvent(J_PREPARE, 'COMPLETED', 4, {
      run: { host: 'c1', startTime: at(3), endTime: at(4), outputs: [{ path: 'pool.npz', sha256: hash(2), size: 10, kind: 'file' }], inputs: [{ path: '/data/raw.csv', sha256: hash(3), size: 5, kind: 'file' }] },
    }),
    workflowEvent(5, { kind: 'step', step: step('prepare', 'prepare', 0, 'run', 'SUCCEEDED', [J_PREPARE]) }),
    workflowEvent(5, { kind: 'step', step: step('learn', 'learn', 0, 'loop', 'RUNNING', []) }),
    workflowEvent(6, { kind: 'step', step: step('learn[1].train', 'learn.train', 1, 'run', 'RUNNING', [J_TRAIN1]) }),
    jobEvent(J_TRAIN1, 'ACCEPTED', 6, { facts: facts(ALICE, 'train', { runId: RUN, stepDir: 'learn/1/train', uses: ['prepare/pool.npz'] }) }),
    jobEvent(J_TRAIN1, 'COMPLETED', 7, { run: { outputs: [{ path: 'model.npz', sha256: hash(4), size: 20, kind: 'file' }] } }),
    workflowEvent(8, { kind: 'iteration', iteration: { loop: 'learn', iteration: 1, state: 'SUCCEEDED', metrics: { val_accuracy: 0.8 }, decision: '{"next":true}', stop: '', startTime: at(6), endTime: at(8) } }),
    workflowEvent(9, { kind: 'step', step: step('learn[2].train', 'learn.train', 2, 'run', 'RUNNING', [J_TRAIN2]) }),
    jobEvent(J_TRAIN2, 'ACCEPTED', 9, { facts: facts(ALICE, 'train', { runId: RUN, stepDir: 'learn/2/train', uses: ['learn/1/train/model.npz'] }) }),
    jobEvent(J_TRAIN2, 'COMPLETED', 10, { run: { outputs: [{ path: 'model.npz', sha256: hash(5), size: 20, kind: 'file' }] } }),
    workflowEvent(11, { kind: 'iteration', iteration: { loop: 'learn', iteration: 2, state: 'SUCCEEDED', metrics: { val_accuracy: 0.95 }, decision: '', stop: 'condition', startTime: at(9), endTime: at(11) } }),
    workflowEvent(12, { kind: 'step', step: step('sweep', 'sweep', 0, 'array', 'RUNNING', [J_SWEEP]) }),
    jobEvent(J_SWEEP, 'ACCEPTED', 12, { facts: facts(ALICE, 'sweep', { runId: RUN, stepDir: 'sweep', items: 3, uses: ['learn/2/train/model.npz'] }) }),
    jobEvent(J_SWEEP, 'COMPLETED', 13),
    workflowEvent(14, {
      kind: 'items',
      items: {
        stepKey: 'sweep',
        items: [0, 1, 2].map((index) => ({ index, exitCode: 0, jobId: J_SWEEP, slurmJobId: `200_${index}`, host: 'c2', outputs: [{ path: `out/${index}.json`, sha256: hash(10 + index), size: 3, kind: 'file' as const }] })),
      },
    }),
    workflowEvent(14, { kind: 'step', step: step('summarise', 'summarise', 0, 'run', 'RUNNING', [J_SUM], ['sweep']) }),
    jobEvent(J_SUM, 'ACCEPTED', 14, { facts: facts(ALICE, 'summarise', { runId: RUN, stepDir: 'summarise', uses: ['sweep'] }) }),
    jobEvent(J_SUM, 'COMPLETED', 15, { run: { outputs: [{ path: 'summary.json', sha256: hash(20), size: 3, kind: 'file' }] } }),
    workflowEvent(15, { kind: 'run', run: { state: 'SUCCEEDED', reason: '' } }),
    jobEvent(J_BOB, 'ACCEPTED', 16, { facts: facts(BOB, 'solo') }),
    jobEvent(J_BOB, 'COMPLETED', 17, { run: { outputs: [{ path: 'result.txt', sha256: hash(2), size: 10, kind: 'file' }] } }),
  ];
}
