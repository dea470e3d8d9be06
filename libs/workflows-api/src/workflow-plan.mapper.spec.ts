import { CairnError, pb, type WorkflowPlan } from '@cairn/contracts';
import { toPbPlan, toPlanCommand } from './workflow-plan.mapper';

const request = (patch: Partial<pb.SubmitWorkflowRequest>): pb.SubmitWorkflowRequest => ({ source: 'version: 1', fileName: '', dryRun: true, site: '', requestId: '', account: '', ...patch });

describe('toPlanCommand', () => {
  it('names the file "workflow" when the request does not, and passes the sites on', () => {
    expect(toPlanCommand(request({}), 'dev')).toEqual({ source: 'version: 1', fileName: 'workflow', defaultSite: 'dev' });
    expect(toPlanCommand(request({ fileName: 'a/b.yaml', site: 'hpc1' }), 'dev')).toMatchObject({ fileName: 'a/b.yaml', site: 'hpc1' });
  });
  it.each([
    [{ source: '' }, 'source: is empty'],
    [{ source: 'x'.repeat(256 * 1024 + 1) }, 'source: is 262145 bytes; at most 262144 (256 KiB)'],
    [{ fileName: 'a b.yaml' }, 'file_name: must be a file name: letters, digits, ".", "-", "_" and "/"'],
  ])('refuses %#', (patch, message) => {
    expect(() => toPlanCommand(request(patch), 'dev')).toThrow(new CairnError('INVALID_ARGUMENT', message));
  });
});

describe('toPbPlan', () => {
  it('maps kinds, unknown item counts and loops', () => {
    const plan: WorkflowPlan = {
      name: 'w',
      site: 'dev',
      slurmJobs: 1,
      steps: [
        { path: 'each', kind: 'array', needs: [], image: 'i', imageDigest: 'r/i@sha256:x', array: { items: null, itemSeconds: 2.4, itemsPerElement: 10, elements: null, arrays: [] } },
        { path: 'l', kind: 'loop', needs: ['each'], loop: { maxIterations: 3, steps: [] } },
      ],
    };
    const pbPlan = toPbPlan(plan);
    expect(pbPlan.steps[0]).toMatchObject({ kind: pb.StepKind.STEP_KIND_ARRAY, array: { items: undefined, elements: undefined, itemSeconds: 2, throttle: 0 } });
    expect(pbPlan.steps[1]).toMatchObject({ kind: pb.StepKind.STEP_KIND_LOOP, image: '', loop: { maxIterations: 3, until: '', maxWallTimeSeconds: 0 } });
  });
});
