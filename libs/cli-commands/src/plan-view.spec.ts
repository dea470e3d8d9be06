import { pb } from '@cairn/contracts';
import { renderPlan } from './plan-view';
import { plain } from './workflow-fixtures';

const resources = { partition: 'cpu', cpus: 1, memoryMb: 512, timeLimitSeconds: 600, gpus: 0, gpuType: '', nodes: 1, resourceClass: '' };
const step = (path: string, needs: string[], extra: Partial<pb.StepPlan> = {}): pb.StepPlan => ({
  path,
  kind: pb.StepKind.STEP_KIND_RUN,
  needs,
  image: 'lab/x:1',
  imageDigest: `reg:5000/lab/x@sha256:${'a'.repeat(64)}`,
  resources,
  array: undefined,
  loop: undefined,
  ...extra,
});

describe('renderPlan', () => {
  it('draws levels, loops with their bodies, array packing, and a table', () => {
    const plan: pb.WorkflowPlan = {
      name: 'al',
      site: 'hpc1',
      slurmJobs: 3,
      steps: [
        step('prep', []),
        step('learn', ['prep'], {
          kind: pb.StepKind.STEP_KIND_LOOP,
          image: '',
          imageDigest: '',
          resources: undefined,
          loop: { maxIterations: 5, maxWallTimeSeconds: 3600, until: 'acc > 0.9', steps: [step('learn.train', []), step('learn.eval', ['learn.train'])] },
        }),
        step('sweep', ['prep'], {
          kind: pb.StepKind.STEP_KIND_ARRAY,
          array: { items: 1000, itemSeconds: 1, itemsPerElement: 100, elements: 10, arrays: ['0-9%4'], throttle: 4 },
        }),
      ],
    };
    expect(plain(renderPlan(plan))).toBe(
      [
        'al on site hpc1: 5 steps, 3 Slurm jobs per pass',
        '',
        '1. prep',
        '2. learn loop ≤5×, ≤1h00m, until acc > 0.9  ·  sweep [1000 items → 10 × 100 in 1 array (0-9%4)]',
        '   ⟳ 1. learn.train',
        '   ⟳ 2. learn.eval',
        '',
        'STEP         KIND   PARTITION  CPU  MEM   TIME    GPU  ARRAY                                     IMAGE',
        'prep         run    cpu        1    512M  10m00s                                                 lab/x@aaaaaaaaaaaa',
        'learn        loop',
        'learn.train  run    cpu        1    512M  10m00s                                                 lab/x@aaaaaaaaaaaa',
        'learn.eval   run    cpu        1    512M  10m00s                                                 lab/x@aaaaaaaaaaaa',
        'sweep        array  cpu        1    512M  10m00s       1000 items → 10 × 100 in 1 array (0-9%4)  lab/x@aaaaaaaaaaaa',
        '',
      ].join('\n'),
    );
  });
});
