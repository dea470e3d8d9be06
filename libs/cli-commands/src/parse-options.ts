import { InvalidArgumentError } from 'commander';
import { pb } from '@cairn/contracts';
import { durationSeconds, memoryMiB, notADuration, notAMemorySize } from '@cairn/workflow-language';

/** A duration as the workflow language reads it ("90s", "15m", "2h", "1d", "1:30:00"), in seconds. */
export function parseDuration(text: string): number {
  const seconds = durationSeconds(text);
  if (seconds === undefined) throw new InvalidArgumentError(notADuration(text));
  return seconds;
}

export function parseCount(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`"${text}" is not a whole number`);
  return Number(text);
}

/** A memory size as the workflow language reads it ("512", "512M", "4G", "1T"), in MiB. */
export function parseMemory(text: string): number {
  const mib = memoryMiB(text);
  if (mib === undefined) throw new InvalidArgumentError(notAMemorySize(text));
  return mib;
}

/** "1..100" as ["1", ..., "100"] (at most 10000 items). */
export function parseRange(text: string): string[] {
  const match = /^(-?\d+)\.\.(-?\d+)$/.exec(text.trim());
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (!match || to < from || to - from >= 10_000) throw new InvalidArgumentError(`"${text}" is not a range such as 1..100 (at most 10000 items)`);
  return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
}

export function collectEnv(pair: string, previous: Record<string, string>): Record<string, string> {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${pair}" is not NAME=VALUE`);
  return { ...previous, [pair.slice(0, eq)]: pair.slice(eq + 1) };
}

export function parseState(text: string): pb.JobState {
  const key = `JOB_STATE_${text.toUpperCase()}` as keyof typeof pb.JobState;
  const value = pb.JobState[key];
  if (typeof value !== 'number' || value === pb.JobState.JOB_STATE_UNSPECIFIED) {
    throw new InvalidArgumentError(`"${text}" is not a state (accepted, pending, running, completed, failed, cancelled, timeout)`);
  }
  return value;
}

export function collectState(text: string, previous: pb.JobState[]): pb.JobState[] {
  return [...previous, parseState(text)];
}

export function parseWorkflowState(text: string): pb.WorkflowState {
  const key = `WORKFLOW_STATE_${text.toUpperCase()}` as keyof typeof pb.WorkflowState;
  const value = pb.WorkflowState[key];
  if (typeof value !== 'number' || value === pb.WorkflowState.WORKFLOW_STATE_UNSPECIFIED) {
    throw new InvalidArgumentError(`"${text}" is not a run state (running, succeeded, failed, cancelled)`);
  }
  return value;
}

export function collectWorkflowState(text: string, previous: pb.WorkflowState[]): pb.WorkflowState[] {
  return [...previous, parseWorkflowState(text)];
}
