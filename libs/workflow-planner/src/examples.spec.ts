import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SiteDescription, StepPlan } from '@cairn/contracts';
import { parseWorkflow } from '@cairn/workflow-language';
import { checkRunnable } from './runnable-check';
import { planWorkflow } from './workflow-plan';

const root = join(__dirname, '..', '..', '..');
const dir = join(root, 'docs', 'workflow-examples');

/** A site that offers what the examples ask for (GPUs, resource classes). */
const site: SiteDescription = {
  site: 'dev',
  maxArraySize: 1001,
  maxJobCount: 10_000,
  partitions: [{ name: 'batch', isDefault: true, up: true, cpusPerNode: 64, memoryMbPerNode: 512_000, nodes: 16, maxTimeSeconds: 7 * 86_400, gres: ['gpu:a100:8'], jobSlots: 1024 }],
  resourceClasses: { 'gpu-large': { partition: 'batch', gpuType: 'a100' }, small: { partition: 'batch' } },
};

describe('the documented workflow examples', () => {
  const files = [
    ...readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(dir, f)),
    ...readdirSync(join(root, 'examples'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(root, 'examples', d.name, 'workflow.yaml')),
  ];

  it('exist', () => expect(files.length).toBeGreaterThanOrEqual(4));

  it.each(files.map((f) => f.slice(root.length + 1)))('%s passes every check a dry run and a submission make', (file) => {
    const workflow = parseWorkflow(readFileSync(join(root, file), 'utf8'), file);
    expect(Object.keys(workflow.steps).length).toBeGreaterThan(0);
    const plan = planWorkflow(workflow, site);
    const pin = (steps: StepPlan[]) => steps.forEach((s) => (s.loop ? pin(s.loop.steps) : (s.imageDigest = `127.0.0.1:5000/lab/x@sha256:${'a'.repeat(64)}`)));
    pin(plan.steps);
    expect(checkRunnable(workflow, plan)).toEqual([]);
  });
});
