import { describe, expect, it } from '@jest/globals';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import {
  StepState,
  WatchWorkflowResponseSchema,
  WorkflowSchema,
  WorkflowState,
  WorkflowStepSchema,
  type WatchWorkflowResponse,
} from '@cairn/portal-client';
import { applyEvent, applyEvents, compareTime, fromSnapshot, type RunView } from './run-state';

const at = (seconds: number, nanos = 0) => create(TimestampSchema, { seconds: BigInt(seconds), nanos });

function event(sequence: number, time: number, init: MessageInitShape<typeof WatchWorkflowResponseSchema>): WatchWorkflowResponse {
  const e = create(WatchWorkflowResponseSchema, init);
  e.sequence = BigInt(sequence);
  e.time = at(time);
  if (e.state === WorkflowState.UNSPECIFIED) e.state = WorkflowState.RUNNING;
  return e;
}

const stepEvent = (sequence: number, time: number, key: string, state: StepState, more: MessageInitShape<typeof WorkflowStepSchema> = {}) =>
  event(sequence, time, { kind: 'step', step: { key, path: key, state, ...more } });

function snapshot(updated: number, init: MessageInitShape<typeof WorkflowSchema> = {}): RunView {
  const workflow = create(WorkflowSchema, init);
  Object.assign(workflow, { runId: 'r', name: 'al', state: WorkflowState.RUNNING, createTime: at(100), updateTime: at(updated) });
  return fromSnapshot(workflow);
}

describe('applyEvent', () => {
  it('adds a new step, then replaces it by key as it changes', () => {
    let view = snapshot(100);
    view = applyEvent(view, stepEvent(1, 101, 'train', StepState.RUNNING, { jobIds: ['j1'] }));
    view = applyEvent(view, stepEvent(2, 102, 'score', StepState.WAITING));
    view = applyEvent(view, stepEvent(3, 103, 'train', StepState.SUCCEEDED, { jobIds: ['j1'] }));
    expect(view.workflow.steps.map((s) => [s.key, s.state])).toEqual([
      ['train', StepState.SUCCEEDED],
      ['score', StepState.WAITING],
    ]);
    expect(view.lastSequence).toBe(3n);
    expect(compareTime(view.workflow.updateTime, at(103))).toBe(0);
  });

  it('adds and updates loop iterations with their metrics, decision and stop', () => {
    let view = snapshot(100);
    view = applyEvent(view, event(1, 101, { kind: 'iteration', iteration: { loop: 'learn', iteration: 1, state: StepState.RUNNING } }));
    view = applyEvent(view, event(2, 102, { kind: 'iteration', iteration: { loop: 'learn', iteration: 1, state: StepState.SUCCEEDED, metrics: { acc: 0.7 }, decision: '{"more":true}' } }));
    view = applyEvent(view, event(3, 103, { kind: 'iteration', iteration: { loop: 'learn', iteration: 2, state: StepState.SUCCEEDED, metrics: { acc: 0.9 }, stop: 'condition' } }));
    expect(view.workflow.iterations.map((i) => [i.iteration, i.metrics['acc'], i.decision, i.stop])).toEqual([
      [1, 0.7, '{"more":true}', ''],
      [2, 0.9, '', 'condition'],
    ]);
  });

  it('ends the run on a final run event: state, reason and end time', () => {
    const view = applyEvent(snapshot(100), event(9, 150, { kind: 'run', state: WorkflowState.FAILED, reason: 'step train failed' }));
    expect(view.workflow.state).toBe(WorkflowState.FAILED);
    expect(view.workflow.reason).toBe('step train failed');
    expect(compareTime(view.workflow.endTime, at(150))).toBe(0);
  });

  it('skips replayed sequences and changes older than the snapshot, applying those at its time again', () => {
    const base = snapshot(200, { steps: [create(WorkflowStepSchema, { key: 'train', state: StepState.SUCCEEDED })] });
    const old = applyEvent(base, stepEvent(1, 150, 'train', StepState.RUNNING));
    expect(old.workflow).toBe(base.workflow);
    expect(old.lastSequence).toBe(1n);
    const same = applyEvent(old, stepEvent(2, 200, 'train', StepState.SUCCEEDED));
    expect(same.workflow.steps[0]?.state).toBe(StepState.SUCCEEDED);
    const replay = applyEvent(same, stepEvent(2, 200, 'train', StepState.FAILED));
    expect(replay).toBe(same);
  });

  it('applies sequence-0 events (a finished run whose changes expired) every time', () => {
    const view = applyEvent(snapshot(500), event(0, 100, { kind: 'step', step: { key: 'x', state: StepState.SUCCEEDED }, state: WorkflowState.SUCCEEDED }));
    expect(view.workflow.steps.map((s) => s.key)).toEqual(['x']);
    expect(view.workflow.state).toBe(WorkflowState.SUCCEEDED);
  });

  it('keeps the sequences seen across a new snapshot', () => {
    const seen: RunView = { ...snapshot(100), lastSequence: 7n };
    expect(fromSnapshot(create(WorkflowSchema, {}), seen).lastSequence).toBe(7n);
  });

  it('ignores an event with no step or iteration, or an empty key, except for the run state', () => {
    const view = applyEvents(snapshot(100), [event(1, 101, { kind: 'step' }), event(2, 102, { kind: 'iteration', iteration: { loop: '' } }), event(3, 103, { kind: 'mystery', state: WorkflowState.CANCELLED })]);
    expect(view.workflow.steps).toEqual([]);
    expect(view.workflow.iterations).toEqual([]);
    expect(view.workflow.state).toBe(WorkflowState.CANCELLED);
  });

  it('for any stream replayed any number of times from the start, ends where one pass ends', () => {
    const keys = ['a', 'b', 'learn[1].c', 'learn[2].c'];
    const streams = fc.array(fc.tuple(fc.constantFrom(...keys), fc.constantFrom(StepState.WAITING, StepState.RUNNING, StepState.SUCCEEDED, StepState.FAILED)), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(streams, fc.integer({ min: 1, max: 4 }), fc.nat({ max: 39 }), (changes, replays, cut) => {
        const events = changes.map(([key, state], i) => stepEvent(i + 1, 1000 + i, key, state));
        const once = applyEvents(snapshot(0), events);
        // Drops after `cut` events, then the server replays from the first, `replays` times.
        let view = applyEvents(snapshot(0), events.slice(0, Math.min(cut, events.length)));
        for (let r = 0; r < replays; r++) view = applyEvents(view, events);
        expect(view.workflow.steps).toEqual(once.workflow.steps);
        expect(view.lastSequence).toBe(BigInt(events.length));
        // The final state of each step is its last event's.
        const last = new Map(changes.map(([key, state]) => [key, state]));
        expect(new Map(view.workflow.steps.map((s) => [s.key, s.state]))).toEqual(last);
      }),
      { numRuns: 100 },
    );
  });

  it('a snapshot taken mid-stream plus the whole replay equals the stream applied from nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 30 }), fc.nat({ max: 29 }), (keys, cutAt) => {
        const events = keys.map((key, i) => stepEvent(i + 1, 1000 + i, key, i % 2 === 0 ? StepState.RUNNING : StepState.SUCCEEDED, { attempt: i }));
        const full = applyEvents(snapshot(0), events);
        const cut = Math.min(cutAt, events.length - 1);
        const partial = applyEvents(snapshot(0), events.slice(0, cut + 1));
        // The server's snapshot at that point: its update_time is the last change's time.
        const mid = fromSnapshot({ ...partial.workflow, updateTime: at(1000 + cut) });
        const caughtUp = applyEvents(mid, events);
        expect(new Map(caughtUp.workflow.steps.map((s) => [s.key, s.attempt]))).toEqual(new Map(full.workflow.steps.map((s) => [s.key, s.attempt])));
      }),
      { numRuns: 100 },
    );
  });
});

describe('compareTime', () => {
  it('orders by seconds then nanos, unset first', () => {
    expect(compareTime(at(1, 5), at(1, 6))).toBe(-1);
    expect(compareTime(at(2), at(1, 999))).toBe(1);
    expect(compareTime(undefined, at(0))).toBe(-1);
    expect(compareTime(undefined, undefined)).toBe(0);
  });
});

