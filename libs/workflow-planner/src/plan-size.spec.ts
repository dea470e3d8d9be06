import fc from 'fast-check';
import type { SiteDescription } from '@cairn/contracts';
import { planArray, planArrayShape } from './array-plan';
import { parseWorkflow } from '@cairn/workflow-language';
import { checkPlanSize, MAX_PLAN_BYTES } from './plan-size';
import { planWorkflow } from './workflow-plan';

const site: SiteDescription = {
  site: 'hpc1',
  maxArraySize: 1001,
  maxJobCount: 100_000,
  partitions: [{ name: 'cpu', isDefault: true, up: true, cpusPerNode: 64, memoryMbPerNode: 256_000, nodes: 100, maxTimeSeconds: 2 * 86_400, gres: [], jobSlots: 6400 }],
  resourceClasses: {},
};

/** A small file: `steps` array steps of a million one-element items each. */
function sweeps(steps: number): string {
  const lines = ['version: 1', 'name: w', 'defaults: { image: lab/busybox:1.36 }', 'steps:'];
  for (let i = 0; i < steps; i += 1) {
    lines.push(`  s${i}: { command: [x, "\${{ item }}"], array: { range: { from: 1, to: 1000000 }, itemEstimate: 10m, targetDuration: 10m } }`);
  }
  return lines.join('\n');
}

describe('plan size', () => {
  it('refuses a small file whose plan expands past MAX_PLAN_BYTES with RESOURCE_EXHAUSTED naming the size and what to change', () => {
    const source = sweeps(40);
    expect(Buffer.byteLength(source)).toBeLessThan(8 * 1024);
    const plan = planWorkflow(parseWorkflow(source, 'w.yaml'), site);
    expect(plan.slurmJobs).toBe(40 * 1000);
    const size = Buffer.byteLength(JSON.stringify(plan));
    expect(size).toBeGreaterThan(MAX_PLAN_BYTES);
    expect(() => checkPlanSize(plan, 'w.yaml')).toThrow(expect.objectContaining({ code: 'RESOURCE_EXHAUSTED', message: expect.stringContaining(`w.yaml: the plan is ${size} bytes`) }));
  });

  it('accepts the same kind of file while its plan fits', () => {
    expect(() => checkPlanSize(planWorkflow(parseWorkflow(sweeps(5), 'w.yaml'), site), 'w.yaml')).not.toThrow();
  });

  it('counts without listing: planArrayShape agrees with planArray for any count and packing', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
        (count, itemSeconds, targetSeconds, maxArraySize, throttle) => {
          const input = { itemSeconds, targetSeconds, maxArraySize, ...(throttle ? { throttle, slots: throttle } : {}) };
          const full = planArray({ ...input, items: Array.from({ length: count }, (_, i) => i) });
          const shape = planArrayShape(count, input);
          expect(shape.arraySpecs).toEqual(full.chunks.map((c) => c.arraySpec));
          expect([shape.itemsPerElement, shape.elementCount]).toEqual([full.itemsPerElement, full.elementCount]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
