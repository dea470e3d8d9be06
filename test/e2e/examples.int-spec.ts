import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowsClient } from '@cairn/client';
import type { CairnStack } from '@cairn/testing';
import { ended, runState, startRun, stepOf, waitForRun, useWorkflowStack } from './workflow-helpers';

const example = (name: string) => readFileSync(join(__dirname, '..', '..', 'examples', name, 'workflow.yaml'), 'utf8');

/** Replaces one exact piece of an example file, failing loudly if the example changed. */
function edit(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`the example no longer contains ${JSON.stringify(from)}`);
  return source.replace(from, to);
}

describe('examples/ end to end [real: gateway, scheduler, images, agent, nats-server, PostgreSQL, registry, slurmctld, slurmd, ch-run, lab/cairn-examples:1]', () => {
  const env = useWorkflowStack();
  let stack: CairnStack;
  let client: WorkflowsClient;
  const runDir = env.runDir;

  beforeAll(() => {
    stack = env.stack();
    client = env.client();
  });

  it('active learning: a NumPy model trained in containers improves until val_accuracy reaches the threshold', async () => {
    const runId = await startRun(client, example('active-learning'), 'active-learning.yaml');
    const run = await waitForRun(client, runId, ended, 300_000);
    expect(runState(run.state)).toBe('SUCCEEDED');
    const accuracy = run.iterations.map((i) => i.metrics.val_accuracy ?? NaN);
    const labelled = run.iterations.map((i) => i.metrics.labelled ?? NaN);
    expect(run.iterations.length).toBeGreaterThanOrEqual(2);
    expect(run.iterations.length).toBeLessThan(10);
    expect(run.iterations[run.iterations.length - 1]?.stop).toBe('condition');
    expect(accuracy[accuracy.length - 1]).toBeGreaterThanOrEqual(0.92);
    expect(accuracy[0]).toBeLessThan(0.92);
    // Each decision labels one more batch of 50, fed to the next iteration's training.
    labelled.slice(1).forEach((n, i) => expect(n - (labelled[i] as number)).toBe(50));
    const decision = JSON.parse(run.iterations[0]?.decision ?? '{}') as { labelled: number[]; batch: number[] };
    expect(decision.batch).toHaveLength(50);
    expect(decision.labelled).toHaveLength((labelled[0] as number) + 50);
    expect(stepOf(run, 'learn').reason).toMatch(/^stopped after iteration \d: "val_accuracy >= 0.92 or labelled >= 2000" held$/);
  }, 360_000);

  it('active learning: a threshold the model cannot reach stops on maxIterations', async () => {
    let source = edit(example('active-learning'), 'until: "val_accuracy >= 0.92 or labelled >= 2000"', 'until: "val_accuracy >= 0.999"');
    source = edit(source, 'maxIterations: 10', 'maxIterations: 3');
    const runId = await startRun(client, source, 'active-learning.yaml');
    const run = await waitForRun(client, runId, ended, 300_000);
    expect(runState(run.state)).toBe('SUCCEEDED');
    expect(run.iterations.map((i) => i.stop)).toEqual(['', '', 'max-iterations']);
  }, 360_000);

  it('parameter sweep: items packed into one Slurm array job, then summarised', async () => {
    const source = edit(example('parameter-sweep'), 'range: { from: 0, to: 9999 }', 'range: { from: 0, to: 199 }');
    const runId = await startRun(client, source, 'parameter-sweep.yaml');
    const run = await waitForRun(client, runId, ended, 300_000);
    expect(runState(run.state)).toBe('SUCCEEDED');
    const sweep = stepOf(run, 'sweep');
    expect(sweep.items).toEqual({ total: 200, succeeded: 200, failed: 0 });
    expect(sweep.slurmJobIds).toHaveLength(1);
    const job = await stack.client.getJob(sweep.jobIds[0] as string);
    expect(job.spec?.array?.items).toHaveLength(200);
    const summary = JSON.parse(readFileSync(runDir(runId, 'summarise', 'summary.json'), 'utf8')) as { count: number };
    expect(summary.count).toBe(200);
  }, 360_000);
});
