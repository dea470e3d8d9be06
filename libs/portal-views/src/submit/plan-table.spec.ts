import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { StepKind, WorkflowPlanSchema } from '@cairn/portal-client';
import { planRows, planSummary } from './plan-table';
import { formatDuration, formatMebibytes } from './quantity-format';

const plan = create(WorkflowPlanSchema, {
  name: 'active-learning',
  site: 'dev',
  slurmJobs: 4,
  steps: [
    { path: 'prepare', kind: StepKind.RUN, image: 'lab/cairn-examples:1', imageDigest: '127.0.0.1:5000/lab/cairn-examples@sha256:ab', resources: { partition: 'debug', cpus: 1, memoryMb: 1024, timeLimitSeconds: 300 } },
    {
      path: 'learn',
      kind: StepKind.LOOP,
      needs: ['prepare'],
      loop: {
        maxIterations: 10,
        maxWallTimeSeconds: 1800,
        until: 'val_accuracy >= 0.92',
        steps: [{ path: 'learn.train', kind: StepKind.RUN, image: 'lab/x:1', resources: { partition: 'debug', cpus: 2, memoryMb: 512, timeLimitSeconds: 60 } }],
      },
    },
    {
      path: 'sweep',
      kind: StepKind.ARRAY,
      needs: ['learn'],
      image: 'lab/x:1',
      resources: { partition: 'batch', cpus: 1, memoryMb: 512, timeLimitSeconds: 300, gpus: 1, gpuType: 'a100' },
      array: { items: 200, itemSeconds: 1, itemsPerElement: 8, elements: 25, arrays: ['0-24%8'], throttle: 8 },
    },
    { path: 'later', kind: StepKind.ARRAY, image: 'lab/x:1', array: { itemSeconds: 0, itemsPerElement: 1, arrays: [] } },
  ],
});

describe('planRows: the dry run as a table', () => {
  it('lists every step in plan order with a loop\'s body under it, and says where and how each runs', () => {
    expect(planRows(plan)).toEqual([
      { path: 'prepare', depth: 0, kind: 'run', needs: '', partition: 'debug', resources: '1 CPU, 1 GiB, 5 min', packing: '', image: '127.0.0.1:5000/lab/cairn-examples@sha256:ab' },
      { path: 'learn', depth: 0, kind: 'loop', needs: 'prepare', partition: '', resources: '', packing: 'at most 10 iterations; at most 30 min in all; until val_accuracy >= 0.92', image: '' },
      { path: 'learn.train', depth: 1, kind: 'run', needs: '', partition: 'debug', resources: '2 CPUs, 512 MiB, 1 min', packing: '', image: 'lab/x:1' },
      {
        path: 'sweep',
        depth: 0,
        kind: 'array',
        needs: 'learn',
        partition: 'batch',
        resources: '1 CPU, 512 MiB, 5 min, 1 GPU (a100)',
        packing: '200 items in 1 Slurm array job (0-24%8); 25 elements of 8 items; about 1 s per item; at most 8 elements at once',
        image: 'lab/x:1',
      },
      { path: 'later', depth: 0, kind: 'array', needs: '', partition: '', resources: '', packing: 'items known at run time in Slurm array jobs decided at run time', image: 'lab/x:1' },
    ]);
    expect(planSummary(plan)).toBe('5 steps of active-learning on site dev: 4 Slurm jobs per pass (a loop\'s body counted once)');
  });

  it('formats durations and memory as people read them', () => {
    expect([0, 59, 60, 61, 3600, 3660, 86_400, 90_000, -1].map(formatDuration)).toEqual(['0 s', '59 s', '1 min', '1 min 1 s', '1 h', '1 h 1 min', '1 d', '1 d 1 h', '—']);
    expect([512, 1024, 1536, 1_048_576, 0].map(formatMebibytes)).toEqual(['512 MiB', '1 GiB', '1.5 GiB', '1 TiB', '—']);
  });
});
