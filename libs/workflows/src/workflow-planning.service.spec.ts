import { CairnError, type PlanWorkflowCommand, type SiteDescription, subjects } from '@cairn/contracts';
import type { NatsRequester } from '@cairn/adapters/nats';
import { as, strictMock } from '@cairn/testing';
import type { Logger } from '@cairn/logging';
import { WorkflowPlanningService } from './workflow-planning.service';
import { WorkflowRunService } from './workflow-run.service';
import type { WorkflowStore } from './workflow.store';

const SITE: SiteDescription = {
  site: 'dev',
  maxArraySize: 1001,
  maxJobCount: 10_000,
  partitions: [{ name: 'cpu', isDefault: true, up: true, cpusPerNode: 8, memoryMbPerNode: 16_000, nodes: 2, maxTimeSeconds: 86_400, gres: [], jobSlots: 16 }],
  resourceClasses: {},
};
const DIGEST = `127.0.0.1:5000/lab/busybox@sha256:${'a'.repeat(64)}`;

/** The site's agent and the images service, as the planning service asks them. */
function requester(): NatsRequester {
  return strictMock<NatsRequester>(
    {
      request: (async (subject: string) => {
        if (subject === subjects.site('dev').describe) return SITE;
        if (subject === subjects.images.resolve) return { reference: 'lab/busybox:1.36', pinned: DIGEST, digest: `sha256:${'a'.repeat(64)}` };
        throw new Error(`unexpected request on ${subject}`);
      }) as NatsRequester['request'],
    },
    'requester',
  );
}

const command = (source: string): PlanWorkflowCommand => ({ source, fileName: 'w.yaml', defaultSite: 'dev', ...as.alice });
const file = (step: string) => `version: 1\nname: w\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n  s: ${step}\n`;

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CairnError);
  expect((error as CairnError).code).toBe('INVALID_ARGUMENT');
  return (error as CairnError).message;
}

describe('WorkflowPlanningService: one validator for dry runs and submissions', () => {
  const planning = new WorkflowPlanningService(requester(), ['dev']);
  // A submission that gets past planning would touch the store: none of these may (only the refusal's audit record is written).
  const audited: string[] = [];
  const store = strictMock<WorkflowStore>({ audit: async (entry) => void audited.push(entry.outcome), runningCounts: async () => ({ owner: 0, account: 0 }) }, 'store');
  const runs = new WorkflowRunService(store, planning, { engine: { wake: () => undefined }, outbox: { wake: () => undefined } }, strictMock<Logger>({}, 'logger'));

  it.each([
    ['a reserved variable that only the rendered job shows', file('{ command: [/bin/true], env: { SLURM_JOB_ID: "1" } }'), 'must not start with SLURM_ or CAIRN_'],
    ['more variables than a job may have', file(`{ command: [/bin/true], env: { ${Array.from({ length: 65 }, (_, i) => `V${i}: x`).join(', ')} } }`), 'has more than 64 entries'],
    ['a NUL in a description', 'version: 1\nname: w\ndescription: "\\0"\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n  s: { command: [/bin/true] }\n', 'contains a NUL byte'],
    ['a range of a billion items', file('{ command: [/bin/echo, "${{ item }}"], array: { range: { from: 1, to: 1000000000 } } }'), 'makes more than 1000000 items'],
    ['an item field', file('{ command: [/bin/echo, "${{ item.x }}"], array: { items: [a] } }'), 'items are scalars'],
  ])('refuses %s in a dry run and in a submission alike', async (_what, source, message) => {
    const dry = await refusal(planning.plan(command(source)));
    const submitted = await refusal(runs.submit(command(source)));
    expect(dry).toContain(message);
    expect(submitted).toBe(dry);
    expect(audited.pop()).toBe('INVALID_ARGUMENT');
  });

  it('plans what a submission accepts, with every image pinned', async () => {
    const plan = await planning.plan(command(file('{ command: [/bin/echo, "${{ params.constructor }}"] }').replace('steps:', 'params: { constructor: c }\nsteps:')));
    expect(plan.steps.map((s) => [s.path, s.imageDigest])).toEqual([['s', DIGEST]]);
  });
});
