import pc from 'picocolors';
import type { pb } from '@cairn/contracts';
import { coloredState, formatDuration, shown, timeline } from './render';

export interface Output {
  write(text: string): void;
  isTTY: boolean;
  /** The terminal's width and height, when it is one. */
  columns?: number;
  rows?: number;
}

export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Shows a job's progress live: one line per state change, and on a terminal a status line
 * below them (spinner, timeline, time in the current state) that redraws in place.
 */
export class WatchView {
  private readonly reached: pb.JobState[] = [];
  private since = Date.now();
  private frame = 0;
  private timer?: NodeJS.Timeout;
  private statusShown = false;

  constructor(
    private readonly out: Output,
    private readonly jobId: string,
  ) {}

  start(): void {
    this.out.write(`${pc.bold('watching')} ${this.jobId}\n`);
    if (this.out.isTTY) this.timer = setInterval(() => this.drawStatus(), 100);
  }

  event(event: pb.WatchJobResponse): void {
    this.clearStatus();
    this.reached.push(event.state);
    this.since = event.time?.getTime() ?? Date.now();
    const time = (event.time ?? new Date()).toISOString().slice(11, 19);
    const details = [
      event.slurmJobId ? `slurm ${event.slurmJobId}` : '',
      event.exitCode === undefined ? '' : `exit ${event.exitCode}`,
      shown(event.reason),
    ].filter(Boolean);
    this.out.write(`  ${pc.dim(time)}  ${coloredState(event.state).padEnd(20)} ${pc.dim(details.join(' · '))}\n`);
    this.drawStatus();
  }

  stop(): void {
    clearInterval(this.timer);
    this.clearStatus();
    this.out.write(`${timeline(this.reached)}\n`);
  }

  private drawStatus(): void {
    if (!this.out.isTTY) return;
    this.clearStatus();
    const spin = SPINNER[this.frame++ % SPINNER.length] ?? '';
    this.out.write(`${pc.cyan(spin)} ${timeline(this.reached)} ${pc.dim(formatDuration(Date.now() - this.since))}`);
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (this.statusShown) this.out.write('\r\u001b[2K');
    this.statusShown = false;
  }
}
