import { InvalidArgumentError } from 'commander';
import { pb } from '@cairn/contracts';

/** "90", "90s", "15m", "2h", "1d" or "1:30:00" as seconds. */
export function parseDuration(text: string): number {
  const unit = /^(\d+)\s*([smhd]?)$/i.exec(text.trim());
  if (unit) {
    const n = Number(unit[1]);
    const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[(unit[2] ?? '').toLowerCase()] ?? 1;
    return n * mult;
  }
  const clock = /^(?:(\d+):)?(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (clock) return Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
  throw new InvalidArgumentError(`"${text}" is not a duration (try 90s, 15m, 2h, 1d or 1:30:00)`);
}

export function parseCount(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`"${text}" is not a whole number`);
  return Number(text);
}

/** "512", "512M", "4G" as MiB. */
export function parseMemory(text: string): number {
  const match = /^(\d+)\s*([MG]i?B?)?$/i.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`"${text}" is not a memory size (try 512M or 4G)`);
  return Number(match[1]) * ((match[2] ?? 'M').toUpperCase().startsWith('G') ? 1024 : 1);
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
