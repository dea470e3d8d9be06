import { describe, expect, it } from '@jest/globals';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  LoopIterationSchema,
  StepKind,
  StepPlanSchema,
  StepState,
  WorkflowPlanSchema,
  WorkflowSchema,
  WorkflowStepSchema,
  type StepPlan,
  type WorkflowStep,
} from '@cairn/portal-client';
import { MAX_DAG_NODES, planToDag, stepDetail, workflowToDag } from './workflow-dag';

/** The active-learning example's shape: prepare → learn (train → evaluate → decide) → report. */
const plan = create(WorkflowPlanSchema, {
  name: 'active-learning',
  site: 'dev',
  steps: [
    create(StepPlanSchema, { path: 'prepare', kind: StepKind.RUN, resources: { partition: 'debug', cpus: 2, gpus: 0 } }),
    create(StepPlanSchema, {
      path: 'learn',
      kind: StepKind.LOOP,
      needs: ['prepare'],
      loop: {
        maxIterations: 5,
        steps: [
          create(StepPlanSchema, { path: 'learn.train', kind: StepKind.RUN }),
          create(StepPlanSchema, { path: 'learn.score', kind: StepKind.ARRAY, needs: ['learn.train'], array: { items: 100, arrays: ['0-9'] } }),
          create(StepPlanSchema, { path: 'learn.decide', kind: StepKind.RUN, needs: ['learn.score'] }),
        ],
      },
    }),
    create(StepPlanSchema, { path: 'report', kind: StepKind.RUN, needs: ['learn'] }),
  ],
});

function step(key: string, path: string, state: StepState, more: MessageInitShape<typeof WorkflowStepSchema> = {}): WorkflowStep {
  const iteration = /\[(\d+)\]/.exec(key)?.[1];
  return create(WorkflowStepSchema, { key, path, state, kind: StepKind.RUN, attempt: 1, iteration: iteration === undefined ? 0 : Number(iteration), ...more });
}

function edgesOf(model: { edges: { from: string; to: string }[] }): string[] {
  return model.edges.map((e) => `${e.from} > ${e.to}`).sort();
}

describe('workflowToDag', () => {
  const run = create(WorkflowSchema, {
    runId: 'r1',
    plan,
    steps: [
      step('prepare', 'prepare', StepState.SUCCEEDED, { jobIds: ['job-1'] }),
      step('learn', 'learn', StepState.RUNNING, { kind: StepKind.LOOP }),
      step('learn[1].train', 'learn.train', StepState.SUCCEEDED, { jobIds: ['job-2'] }),
      step('learn[1].score', 'learn.score', StepState.SUCCEEDED, { kind: StepKind.ARRAY, items: { total: 100, succeeded: 100, failed: 0 } }),
      step('learn[1].decide', 'learn.decide', StepState.SUCCEEDED),
      step('learn[2].train', 'learn.train', StepState.RUNNING, { jobIds: ['job-3', 'job-4'], attempt: 2 }),
      step('report', 'report', StepState.WAITING),
    ],
    iterations: [create(LoopIterationSchema, { loop: 'learn', iteration: 1 }), create(LoopIterationSchema, { loop: 'learn', iteration: 2 })],
  });

  it('draws every step instance with its state, detail and a link to its latest job', () => {
    const model = workflowToDag(run);
    expect(model.hidden).toBe(0);
    expect(model.nodes.map((n) => [n.id, n.state])).toEqual([
      ['prepare', 'SUCCEEDED'],
      ['learn', 'RUNNING'],
      ['learn[1].train', 'SUCCEEDED'],
      ['learn[1].score', 'SUCCEEDED'],
      ['learn[1].decide', 'SUCCEEDED'],
      ['learn[2].train', 'RUNNING'],
      ['report', 'WAITING'],
    ]);
    const byId = new Map(model.nodes.map((n) => [n.id, n]));
    expect(byId.get('prepare')?.href).toBe('/jobs/job-1');
    expect(byId.get('learn[2].train')?.href).toBe('/jobs/job-4');
    expect(byId.get('learn[2].train')?.detail).toBe('attempt 2');
    expect(byId.get('learn[1].score')?.detail).toBe('100/100 items');
    expect(byId.get('learn')?.detail).toBe('loop, 2 iterations');
    expect(byId.get('report')?.href).toBeUndefined();
  });

  it('chains the loop: its needs, each iteration in order, then the loop node and what needs it', () => {
    expect(edgesOf(workflowToDag(run))).toEqual(
      [
        'prepare > learn[1].train',
        'learn[1].train > learn[1].score',
        'learn[1].score > learn[1].decide',
        'learn[1].decide > learn[2].train',
        'learn > report',
      ].sort(),
    );
  });

  it('joins the loop node to its needs while no iteration has started', () => {
    const waiting = create(WorkflowSchema, { plan, steps: [step('prepare', 'prepare', StepState.RUNNING), step('learn', 'learn', StepState.WAITING, { kind: StepKind.LOOP })] });
    expect(edgesOf(workflowToDag(waiting))).toEqual(['prepare > learn']);
  });

  it('keeps the drawing within its node budget by leaving out the oldest iterations', () => {
    const steps: WorkflowStep[] = [step('prepare', 'prepare', StepState.SUCCEEDED), step('learn', 'learn', StepState.RUNNING, { kind: StepKind.LOOP })];
    for (let i = 1; i <= 400; i++) steps.push(step(`learn[${i}].train`, 'learn.train', StepState.SUCCEEDED), step(`learn[${i}].score`, 'learn.score', StepState.SUCCEEDED), step(`learn[${i}].decide`, 'learn.decide', StepState.SUCCEEDED));
    const model = workflowToDag(create(WorkflowSchema, { plan, steps }));
    expect(model.nodes).toHaveLength(MAX_DAG_NODES);
    expect(model.hidden).toBe(steps.length - MAX_DAG_NODES);
    const ids = new Set(model.nodes.map((n) => n.id));
    expect(ids.has('prepare') && ids.has('learn') && ids.has('learn[400].decide')).toBe(true);
    expect(ids.has('learn[1].train')).toBe(false);
    for (const edge of model.edges) expect(ids.has(edge.from) && ids.has(edge.to)).toBe(true);
    expect(model.edges.some((e) => e.to === 'learn')).toBe(true);
  });

  it('draws a run with no plan (no edges) and keeps one node per repeated key', () => {
    const model = workflowToDag(create(WorkflowSchema, { steps: [step('a', 'a', StepState.RUNNING), step('a', 'a', StepState.FAILED)] }));
    expect(model.nodes.map((n) => [n.id, n.state])).toEqual([['a', 'FAILED']]);
    expect(model.edges).toEqual([]);
  });

  it('names nested loop instances and chains them inside their iteration', () => {
    const nested = create(WorkflowPlanSchema, {
      steps: [
        create(StepPlanSchema, {
          path: 'outer',
          kind: StepKind.LOOP,
          loop: { steps: [create(StepPlanSchema, { path: 'outer.inner', kind: StepKind.LOOP, loop: { steps: [create(StepPlanSchema, { path: 'outer.inner.fit', kind: StepKind.RUN })] } })] },
        }),
      ],
    });
    const model = workflowToDag(
      create(WorkflowSchema, {
        plan: nested,
        steps: [
          step('outer', 'outer', StepState.RUNNING, { kind: StepKind.LOOP }),
          step('outer[1].inner', 'outer.inner', StepState.RUNNING, { kind: StepKind.LOOP }),
          step('outer[1].inner[1].fit', 'outer.inner.fit', StepState.SUCCEEDED),
          step('outer[1].inner[2].fit', 'outer.inner.fit', StepState.RUNNING),
        ],
      }),
    );
    expect(edgesOf(model)).toEqual(['outer[1].inner > outer', 'outer[1].inner[1].fit > outer[1].inner[2].fit', 'outer[1].inner[2].fit > outer[1].inner'].sort());
  });
});

describe('stepDetail', () => {
  it('counts items, failures and attempts', () => {
    expect(stepDetail(step('s', 's', StepState.RUNNING, { kind: StepKind.ARRAY, attempt: 3, items: { total: 100, succeeded: 37, failed: 2 } }))).toBe('37/100 items, 2 failed, attempt 3');
    expect(stepDetail(step('s', 's', StepState.RUNNING))).toBeUndefined();
  });
});

describe('planToDag', () => {
  it('draws each planned step once with where it runs, and the loop body between its needs and its node', () => {
    const model = planToDag(plan);
    expect(model.nodes.map((n) => n.id)).toEqual(['prepare', 'learn', 'learn.train', 'learn.score', 'learn.decide', 'report']);
    expect(model.nodes.every((n) => n.state === undefined)).toBe(true);
    const byId = new Map(model.nodes.map((n) => [n.id, n.detail]));
    expect(byId.get('prepare')).toBe('debug, 2 CPUs');
    expect(byId.get('learn.score')).toBe('array, 100 items, 1 Slurm job');
    expect(byId.get('learn')).toBe('loop, at most 5 iterations');
    expect(edgesOf(model)).toEqual(['prepare > learn.train', 'learn.train > learn.score', 'learn.score > learn.decide', 'learn.decide > learn', 'learn > report'].sort());
  });

  it('keeps a huge plan within the node budget, every edge between drawn nodes', () => {
    const steps: StepPlan[] = Array.from({ length: 500 }, (_, i) => create(StepPlanSchema, { path: `s${i}`, kind: StepKind.RUN, needs: i === 0 ? [] : [`s${i - 1}`] }));
    const model = planToDag(create(WorkflowPlanSchema, { steps }));
    expect(model.nodes).toHaveLength(MAX_DAG_NODES);
    expect(model.hidden).toBe(500 - MAX_DAG_NODES);
    const ids = new Set(model.nodes.map((n) => n.id));
    for (const edge of model.edges) expect(ids.has(edge.from) && ids.has(edge.to)).toBe(true);
  });
});

describe('stepDetail of a loop', () => {
  it('counts its iterations, not its attempts', () => {
    expect(stepDetail(step('learn', 'learn', StepState.SUCCEEDED, { kind: StepKind.LOOP, attempt: 4 }), 4)).toBe('loop, 4 iterations');
  });
});
