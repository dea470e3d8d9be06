import type { SiteDescription } from '@cairn/contracts';
import { parseWorkflow } from '@cairn/workflow-language';
import { PlanError, planWorkflow } from './workflow-plan';

const site: SiteDescription = {
  site: 'hpc1',
  maxArraySize: 1001,
  maxJobCount: 100_000,
  partitions: [
    { name: 'cpu', isDefault: true, up: true, cpusPerNode: 64, memoryMbPerNode: 256_000, nodes: 100, maxTimeSeconds: 2 * 86_400, gres: [], jobSlots: 6400 },
    { name: 'gpu', isDefault: false, up: true, cpusPerNode: 32, memoryMbPerNode: 512_000, nodes: 8, maxTimeSeconds: 86_400, gres: ['gpu:a100:4'], jobSlots: 256 },
  ],
  resourceClasses: { 'gpu-large': { partition: 'gpu', gpuType: 'a100' } },
};

const wf = (steps: string) => parseWorkflow(`version: 1\nname: w\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n${steps}`, 'w.yaml');

describe('planWorkflow', () => {
  it('places steps, maps resource classes to partitions and packs a 10,000-item sweep into one array, filling every wave of 16', () => {
    const plan = planWorkflow(
      wf(
        [
          '  train: { command: [t], resources: { class: gpu-large, gpus: 2, time: 2h } }',
          '  sweep:',
          '    needs: [train]',
          '    command: [s, "${{ item }}"]',
          '    resources: { memory: 2G, time: 5m }',
          '    array: { range: { from: 1, to: 10000 }, itemEstimate: 2s, targetDuration: 10m, throttle: 16 }',
        ].join('\n'),
      ),
      site,
    );
    expect(plan.steps.map((s) => [s.path, s.kind, s.resources?.partition])).toEqual([
      ['train', 'run', 'gpu'],
      ['sweep', 'array', 'cpu'],
    ]);
    expect(plan.steps[0]?.resources).toMatchObject({ gpus: 2, gpuType: 'a100', timeLimitSeconds: 7200, resourceClass: 'gpu-large' });
    // 10 minutes per element would be 34 elements: 3 waves of 16, the last with 2. 48 fill them.
    expect(plan.steps[1]?.array).toEqual({ items: 10_000, itemSeconds: 2, itemsPerElement: 209, elements: 48, arrays: ['0-47%16'], throttle: 16 });
    expect(plan.steps[1]?.needs).toEqual(['train']);
    expect(plan.slurmJobs).toBe(2);
  });

  it('splits a sweep of long items at MaxArraySize', () => {
    const plan = planWorkflow(wf('  s: { command: [s], array: { range: { from: 0, to: 2499 } }, resources: { time: 15m } }'), site);
    expect(plan.steps[0]?.array?.arrays).toEqual(['0-1000', '0-1000', '0-497']);
    expect(plan.slurmJobs).toBe(3);
  });

  it('plans loops and leaves run-time item counts open', () => {
    const plan = planWorkflow(
      wf(
        [
          '  make: { command: [m], outputs: { list: list.json } }',
          '  each: { command: [e, "${{ item }}"], array: { from: "${{ steps.make.outputs.list }}" } }',
          '  l:',
          '    loop:',
          '      maxIterations: 5',
          '      steps: { a: { command: [a] } }',
        ].join('\n'),
      ),
      site,
    );
    expect(plan.steps.find((s) => s.path === 'each')?.array).toMatchObject({ items: null, elements: null, arrays: [] });
    expect(plan.steps.find((s) => s.path === 'l')?.loop?.steps.map((s) => s.path)).toEqual(['l.a']);
  });

  it('refuses steps no node can run, naming each step and why', () => {
    const attempt = () =>
      planWorkflow(
        wf(
          [
            '  big: { command: [b], resources: { cpus: 128 } }',
            '  fat: { command: [f], resources: { memory: 1T } }',
            '  long: { command: [l], resources: { class: gpu-large, gpus: 1, time: 3d } }',
            '  h100: { command: [h], resources: { class: gpu-large, gpus: 1, gpuType: h100 } }',
            '  many: { command: [m], resources: { class: gpu-large, gpus: 8 } }',
            '  odd: { command: [o], resources: { class: quantum } }',
          ].join('\n'),
        ),
        site,
      );
    expect(attempt).toThrow(PlanError);
    expect(() => attempt()).toThrow(
      [
        'big: no node of partition cpu on site hpc1 can run it: 128 CPUs asked, nodes have 64',
        'fat: no node of partition cpu on site hpc1 can run it: 1048576 MiB asked, nodes have 256000 MiB',
        'long: no node of partition gpu on site hpc1 can run it: 259200 s asked, the partition allows 86400 s',
        'h100: no node of partition gpu on site hpc1 can run it: 1 h100 GPU(s) asked, nodes have 0 of type h100',
        'many: no node of partition gpu on site hpc1 can run it: 8 a100 GPU(s) asked, nodes have 4 of type a100',
        'odd: resource class "quantum" is not offered by site hpc1 (it offers gpu-large)',
      ].join('\n'),
    );
  });
});
