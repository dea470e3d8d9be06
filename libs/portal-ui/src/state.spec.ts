import { describe, expect, it } from '@jest/globals';
import { JobState, StepState, WorkflowState } from '@cairn/portal-client';
import { isFinalJobState, isFinalWorkflowState, jobStateName, stateTone, stepStateName, workflowStateName } from './state';

describe('state names', () => {
  it('drops the enum prefix', () => {
    expect(jobStateName(JobState.RUNNING)).toBe('RUNNING');
    expect(workflowStateName(WorkflowState.SUCCEEDED)).toBe('SUCCEEDED');
    expect(stepStateName(StepState.SKIPPED)).toBe('SKIPPED');
    expect(jobStateName(99 as JobState)).toBe('UNSPECIFIED');
  });

  it('knows final states', () => {
    expect([JobState.ACCEPTED, JobState.PENDING, JobState.RUNNING].some(isFinalJobState)).toBe(false);
    expect([JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED, JobState.TIMEOUT].every(isFinalJobState)).toBe(true);
    expect(isFinalWorkflowState(WorkflowState.RUNNING)).toBe(false);
    expect(isFinalWorkflowState(WorkflowState.CANCELLED)).toBe(true);
  });

  it('gives every name a tone, unknown ones (even __proto__) grey', () => {
    expect(stateTone('SUCCEEDED')).toBe('success');
    expect(stateTone('TIMEOUT')).toBe('failure');
    expect(stateTone('QUEUED')).toBe('waiting');
    expect(stateTone('__proto__')).toBe('unknown');
    expect(stateTone('toString')).toBe('unknown');
  });
});
