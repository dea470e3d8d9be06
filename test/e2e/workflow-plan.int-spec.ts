import { pb } from '@cairn/contracts';
import { GatewayError, WorkflowsClient } from '@cairn/client';
import { type CairnStack, startCairnStack, testEnv } from '@cairn/testing';

const SWEEP = `version: 1
name: sweep
defaults: { image: lab/busybox:1.36, resources: { memory: 64M, time: 5m } }
steps:
  prepare:
    command: [/bin/sh, -c, "seq 1 10000 > items.txt"]
    outputs: { items: items.txt }
  sweep:
    needs: [prepare]
    command: [/bin/echo, "\${{ item }}"]
    array: { range: { from: 1, to: 10000 }, itemEstimate: 2s, targetDuration: 10m, throttle: 16 }
  train:
    command: [/bin/true]
    resources: { class: small }
`;

describe('WorkflowService.SubmitWorkflow dry run [real: gateway, scheduler, images, agent, registry, sinfo, scontrol, slurmctld]', () => {
  let stack: CairnStack;
  let workflows: WorkflowsClient;
  const { partition } = testEnv();

  beforeAll(async () => {
    stack = await startCairnStack({ agentEnv: { CAIRN_RESOURCE_CLASSES: JSON.stringify({ small: { partition } }) } });
    workflows = new WorkflowsClient(stack.grpcAddress, stack.clientOptions());
  });

  afterAll(async () => {
    workflows?.close();
    await stack?.stop();
  });

  const refusal = async (source: string): Promise<GatewayError> => {
    const error = await workflows.submitWorkflow({ source, fileName: 'wf.yaml', dryRun: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  };

  it('plans a 10,000-item sweep as one throttled Slurm array (every wave full) on the real partition, with pinned images and resource classes', async () => {
    const before = (await stack.client.listJobs({ pageSize: 500 })).jobs.length;
    const { plan } = await workflows.submitWorkflow({ source: SWEEP, fileName: 'sweep.yaml', dryRun: true });
    expect(plan?.site).toBe(stack.site);
    expect(plan?.steps.map((s) => [s.path, pb.StepKind[s.kind], s.resources?.partition])).toEqual([
      ['prepare', 'STEP_KIND_RUN', partition],
      ['sweep', 'STEP_KIND_ARRAY', partition],
      ['train', 'STEP_KIND_RUN', partition],
    ]);
    const sweep = plan?.steps[1];
    expect(sweep?.needs).toEqual(['prepare']);
    // The dev partition runs 8 at once (fewer than the throttle): 34 elements become 40, five full waves.
    expect(sweep?.array).toEqual({ items: 10_000, itemSeconds: 2, itemsPerElement: 250, elements: 40, arrays: ['0-39%16'], throttle: 16 });
    expect(sweep?.imageDigest).toMatch(/^127\.0\.0\.1:5000\/lab\/busybox@sha256:[a-f0-9]{64}$/);
    expect(plan?.steps[2]?.resources?.resourceClass).toBe('small');
    expect(plan?.slurmJobs).toBe(3);
    expect((await stack.client.listJobs({ pageSize: 500 })).jobs.length).toBe(before);
  });

  it('splits at the MaxArraySize the cluster reports', async () => {
    const source = SWEEP.replace('itemEstimate: 2s, targetDuration: 10m, throttle: 16', 'itemEstimate: 20m, targetDuration: 10m').replace('to: 10000', 'to: 2500');
    const { plan } = await workflows.submitWorkflow({ source, dryRun: true });
    expect(plan?.steps[1]?.array?.arrays).toEqual(['0-1000', '0-1000', '0-497']);
  });

  it('refuses an invalid file with every problem located', async () => {
    const error = await refusal('version: 1\nname: x\nsteps:\n  a:\n    image: lab/busybox:1.36\n    comand: [/bin/true]\n');
    expect(error.codeName).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      'wf.yaml:6:5: steps.a.comand: unknown field "comand"; did you mean "command"?\nwf.yaml:4:3: steps.a.command: is required (or make this a loop step)',
    );
  });

  it('refuses steps the site cannot run, and unknown resource classes, naming each', async () => {
    const error = await refusal(SWEEP.replace('class: small', 'class: huge').replace('memory: 64M, time: 5m', 'cpus: 512, time: 5m'));
    expect(error.message.split('\n')).toEqual([
      expect.stringMatching(/^wf\.yaml: prepare: no node of partition \S+ on site \S+ can run it: 512 CPUs asked, nodes have \d+$/),
      expect.stringMatching(/^wf\.yaml: sweep: no node of partition .*512 CPUs asked/),
      'wf.yaml: train: resource class "huge" is not offered by site ' + stack.site + ' (it offers small)',
    ]);
  });

  it('refuses missing images, naming the steps that use them', async () => {
    const error = await refusal(SWEEP.replace('image: lab/busybox:1.36', 'image: lab/nowhere:9'));
    expect(error.codeName).toBe('NOT_FOUND');
    expect(error.message).toMatch(new RegExp(`^wf\\.yaml: steps\\.prepare, steps\\.sweep, steps\\.train: .*lab/nowhere.* not found .*registry ${testEnv().registry.replace(/\./g, '\\.')}$`));
  });

  it('a dry run returns the plan and starts nothing', async () => {
    const response = await workflows.submitWorkflow({ source: SWEEP, fileName: 'wf.yaml', dryRun: true });
    expect(response.plan?.steps.length).toBeGreaterThan(0);
    expect(response.workflow).toBeUndefined();
    expect((await workflows.listWorkflows({})).workflows).toEqual([]);
  });

  it('refuses an empty source and a hostile file name', async () => {
    expect((await refusal('  ')).message).toBe('source: is empty');
    const named = await workflows.submitWorkflow({ source: SWEEP, fileName: '$(id).yaml', dryRun: true }).catch((e: unknown) => e);
    expect((named as GatewayError).message).toBe('file_name: must be a file name: letters, digits, ".", "-", "_" and "/"');
  });
});
