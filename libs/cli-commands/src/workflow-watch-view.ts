import pc from 'picocolors';
import type { pb } from '@cairn/contracts';
import { type Output, SPINNER } from './watch-view';
import { applyWatchEvent, renderFrame, type RunModel, summaryLine } from './workflow-watch';

const ESC = '\u001b[';
const HIDE_CURSOR = `${ESC}?25l`;
const SHOW_CURSOR = `${ESC}?25h`;
/** At most this often (ms) the terminal view is redrawn: 10 times a second. */
export const REDRAW_MS = 100;

/**
 * Follows a run in a terminal. On a TTY the frame (run, a line per step instance with a
 * progress bar, latest metrics) is redrawn in place at most every REDRAW_MS: the cursor
 * moves up over the last frame, each line is overwritten and its tail erased (no blank
 * flash), in one write, and nothing is written when nothing changed. Elsewhere (CI logs)
 * changes are appended as timestamped lines and the final frame is printed at the end.
 */
export class WorkflowWatchView {
  private timer?: NodeJS.Timeout;
  private drawnLines = 0;
  private lastFrame = '';
  private frame = 0;

  constructor(
    private readonly out: Output,
    private readonly model: RunModel,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (!this.out.isTTY) {
      this.out.write(`${pc.bold('watching')} ${this.model.runId} (${this.model.name})\n`);
      return;
    }
    this.out.write(HIDE_CURSOR);
    this.draw(false);
    this.timer = setInterval(() => this.draw(false), REDRAW_MS);
  }

  event(event: pb.WatchWorkflowResponse): void {
    const lines = applyWatchEvent(this.model, event);
    if (this.out.isTTY) return; // the next tick draws it
    const time = (event.time ?? new Date(this.now())).toISOString().slice(11, 19);
    for (const line of lines) this.out.write(`  ${pc.dim(time)}  ${line}\n`);
  }

  /** Draws the last frame (or, off a terminal, prints it) and how the run ended. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.out.isTTY) {
      this.draw(true);
      this.out.write(SHOW_CURSOR);
    } else {
      this.out.write(`${renderFrame(this.model, this.now()).join('\n')}\n`);
    }
    this.out.write(`${summaryLine(this.model, this.now())}\n`);
  }

  private draw(final: boolean): void {
    const columns = this.out.columns ?? 120;
    const lines = renderFrame(this.model, this.now(), {
      spinner: final ? undefined : SPINNER[this.frame++ % SPINNER.length],
      maxLines: this.out.rows ? this.out.rows - 1 : undefined,
      barWidth: columns < 100 ? 10 : 20,
    }).map((line) => fitWidth(line, columns));
    const text = lines.join('\n');
    if (text === this.lastFrame) return;
    const up = this.drawnLines > 0 ? `${ESC}${this.drawnLines}A\r` : '';
    this.out.write(`${up}${lines.map((line) => `${line}${ESC}K\n`).join('')}${ESC}J`);
    this.drawnLines = lines.length;
    this.lastFrame = text;
  }
}

// eslint-disable-next-line no-control-regex -- splits off ANSI colour codes
const ANSI = /(\u001b\[[0-9;?]*[A-Za-z])/;

/**
 * The line cut to fit a terminal `columns` wide (one column to spare, so no terminal
 * wraps it and the cursor count stays right), colour codes kept, "…" where it was cut.
 */
export function fitWidth(line: string, columns: number): string {
  const parts = line.split(ANSI);
  const visible = parts.reduce((n, part, i) => n + (i % 2 === 1 ? 0 : [...part].length), 0);
  if (visible <= columns - 1) return line;
  let room = Math.max(0, columns - 2);
  let out = '';
  for (const [i, part] of parts.entries()) {
    if (i % 2 === 1) {
      out += part;
      continue;
    }
    const chars = [...part];
    out += chars.slice(0, room).join('');
    room -= Math.min(room, chars.length);
    if (room === 0) break;
  }
  return `${out}…${ESC}0m`;
}
