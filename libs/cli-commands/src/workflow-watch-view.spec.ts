import { pb } from '@cairn/contracts';
import type { Output } from './watch-view';
import { aPlan, aStep, at, aWorkflow, plain, runEvent, stepEvent } from './workflow-fixtures';
import { runModel } from './workflow-watch';
import { fitWidth, REDRAW_MS, WorkflowWatchView } from './workflow-watch-view';

const { STEP_KIND_ARRAY } = pb.StepKind;
const { STEP_STATE_RUNNING, STEP_STATE_SUCCEEDED } = pb.StepState;

class FakeTerminal implements Output {
  readonly writes: string[] = [];
  constructor(
    readonly isTTY: boolean,
    readonly columns = 120,
    readonly rows = 40,
  ) {}
  write(text: string): void {
    this.writes.push(text);
  }
  get text(): string {
    return this.writes.join('');
  }
  /** What a terminal shows after the writes: cursor up, carriage return, erase line / below. */
  screen(): string[] {
    const lines: string[] = [''];
    let row = 0;
    let col = 0;
    // eslint-disable-next-line no-control-regex -- terminal control sequences
    for (const [, arg, cmd, cr, nl, ch] of this.text.matchAll(/\u001b\[([0-9;?]*)([A-Za-z])|(\r)|(\n)|([^\u001b\r\n])/gu)) {
      if (cmd === 'A') row = Math.max(0, row - Number(arg || 1));
      else if (cmd === 'K') lines[row] = [...(lines[row] ?? '')].slice(0, col).join('');
      else if (cmd === 'J') {
        lines.splice(row + 1);
        lines[row] = [...(lines[row] ?? '')].slice(0, col).join('');
      } else if (cr) col = 0;
      else if (nl) {
        row += 1;
        col = 0;
        lines[row] ??= '';
      } else if (ch) {
        const cells = [...(lines[row] ?? '')];
        while (cells.length < col) cells.push(' ');
        cells[col] = ch;
        lines[row] = cells.join('');
        col += 1;
      }
    }
    return lines;
  }
}

const sweep = (succeeded: number) =>
  aStep('sweep', { kind: STEP_KIND_ARRAY, state: STEP_STATE_RUNNING, attempt: 1, items: { total: 1000, succeeded, failed: 0 }, startTime: at(0) });

describe('WorkflowWatchView on a terminal', () => {
  let clock: number;
  beforeEach(() => {
    jest.useFakeTimers();
    clock = at(30).getTime();
  });
  afterEach(() => jest.useRealTimers());

  const view = (terminal: FakeTerminal, run = aWorkflow({ steps: [aStep('prep', { state: STEP_STATE_RUNNING, attempt: 1 })] })) =>
    new WorkflowWatchView(terminal, runModel(run, aPlan()), () => clock);

  it('redraws in place, at most every REDRAW_MS, in one write per frame', () => {
    const terminal = new FakeTerminal(true);
    const watch = view(terminal);
    watch.start();
    expect(terminal.writes[0]).toBe('\u001b[?25l'); // cursor hidden
    const firstFrame = terminal.writes[1] ?? '';
    const lines = firstFrame.split('\n').length - 1;
    expect(lines).toBe(3); // run, table header, prep
    expect(firstFrame).not.toContain('A\r'); // no cursor-up: nothing to move over yet

    terminal.writes.length = 0;
    for (let n = 1; n <= 500; n += 1) watch.event(stepEvent(sweep(n)));
    expect(terminal.writes).toEqual([]); // events only mark the frame

    jest.advanceTimersByTime(REDRAW_MS);
    expect(terminal.writes).toHaveLength(1);
    const frame = terminal.writes[0] ?? '';
    expect(frame.startsWith(`\u001b[${lines}A\r`)).toBe(true);
    expect(frame.endsWith('\u001b[J')).toBe(true);
    expect(frame.split('\n').slice(0, -1).every((l) => l.endsWith('\u001b[K'))).toBe(true); // each line erased after, not before
    expect(plain(frame)).toContain('500/1000');

    terminal.writes.length = 0;
    for (let ms = 0; ms < 1000; ms += 10) {
      watch.event(stepEvent(sweep(500 + ms / 10)));
      jest.advanceTimersByTime(10);
    }
    expect(terminal.writes.length).toBeLessThanOrEqual(1000 / REDRAW_MS);
    expect(terminal.writes.length).toBeGreaterThanOrEqual(1000 / REDRAW_MS - 1);
    watch.stop();
  });

  it('leaves exactly the last frame and the outcome on screen, and shows the cursor again', () => {
    const terminal = new FakeTerminal(true);
    const watch = view(terminal);
    watch.start();
    watch.event(stepEvent(sweep(10)));
    jest.advanceTimersByTime(REDRAW_MS);
    watch.event(stepEvent(aStep('prep', { state: STEP_STATE_SUCCEEDED, attempt: 1 })));
    watch.event(stepEvent({ ...sweep(1000), state: STEP_STATE_SUCCEEDED, endTime: at(40) }));
    watch.event(runEvent(pb.WorkflowState.WORKFLOW_STATE_SUCCEEDED, '', at(40)));
    jest.advanceTimersByTime(REDRAW_MS);
    watch.stop();
    expect(terminal.text.endsWith('\u001b[?25h✔ run 3f1c2a9e-0000-4000-8000-000000000001 SUCCEEDED after 40s\n')).toBe(true);
    expect(terminal.screen().map(plain)).toEqual([
      '✔ al 3f1c2a9e-0000-4000-8000-000000000001  SUCCEEDED  40s',
      'STEP   KIND   STATE      PROGRESS              DONE       TIME',
      'prep   run    SUCCEEDED  ████████████████████',
      'sweep  array  SUCCEEDED  ████████████████████  1000/1000  40s',
      '✔ run 3f1c2a9e-0000-4000-8000-000000000001 SUCCEEDED after 40s',
      '',
    ]);
  });

  it('writes nothing when the frame has not changed', () => {
    const terminal = new FakeTerminal(true);
    const watch = view(terminal, aWorkflow({ state: pb.WorkflowState.WORKFLOW_STATE_SUCCEEDED, endTime: at(5) }));
    watch.start();
    const drawn = terminal.writes.length;
    jest.advanceTimersByTime(10 * REDRAW_MS);
    expect(terminal.writes).toHaveLength(drawn);
    watch.stop();
  });

  it('cuts lines to the terminal width and the frame to its height, so cursor movement stays exact', () => {
    const terminal = new FakeTerminal(true, 30, 5);
    const watch = view(
      terminal,
      aWorkflow({ steps: ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => aStep(k, { state: STEP_STATE_RUNNING, attempt: 1 })) }),
    );
    watch.start();
    jest.advanceTimersByTime(REDRAW_MS);
    watch.stop();
    const screen = terminal.screen().map(plain);
    const frame = screen.slice(0, -2); // then the outcome and an empty line
    expect(frame).toHaveLength(4); // rows - 1
    expect(frame.every((line) => [...line].length <= 29)).toBe(true);
    expect(screen[0]).toBe('● al 3f1c2a9e-0000-4000-8000…'); // 28 cells and the mark
  });
});

describe('WorkflowWatchView off a terminal (CI logs)', () => {
  it('appends a timestamped line per change, never moves the cursor, and ends with the final frame', () => {
    jest.useFakeTimers();
    const terminal = new FakeTerminal(false);
    const watch = new WorkflowWatchView(terminal, runModel(aWorkflow(), aPlan()), () => at(60).getTime());
    watch.start();
    watch.event(stepEvent(aStep('prep', { state: STEP_STATE_RUNNING, attempt: 1 }), at(1)));
    watch.event(stepEvent(sweep(5), at(2)));
    watch.event(stepEvent(sweep(6), at(3))); // under 10 % more: no line
    jest.advanceTimersByTime(10 * REDRAW_MS); // no timer draws anything
    watch.event(runEvent(pb.WorkflowState.WORKFLOW_STATE_FAILED, 'step prep failed', at(59)));
    watch.stop();
    jest.useRealTimers();
    // eslint-disable-next-line no-control-regex -- only colour codes, no cursor movement
    expect(terminal.text).not.toMatch(/\u001b\[[0-9;?]*[^0-9;?m]/);
    expect(plain(terminal.text).split('\n')).toEqual([
      'watching 3f1c2a9e-0000-4000-8000-000000000001 (al)',
      '  10:00:01  step prep RUNNING',
      '  10:00:02  step sweep RUNNING  items 5/1000',
      '  10:00:59  run FAILED  step prep failed',
      '✖ al 3f1c2a9e-0000-4000-8000-000000000001  FAILED  59s  step prep failed',
      'STEP   KIND   STATE    PROGRESS              DONE    TIME',
      'prep   run    RUNNING  ░░░░░░░░░░░░░░░░░░░░',
      'sweep  array  RUNNING  ▏░░░░░░░░░░░░░░░░░░░  6/1000  1m00s',
      '✖ run 3f1c2a9e-0000-4000-8000-000000000001 FAILED after 59s (step prep failed)',
      '',
    ]);
  });
});

describe('fitWidth', () => {
  it('leaves short lines alone and cuts long ones to columns - 1, keeping colour codes', () => {
    expect(fitWidth('abc', 10)).toBe('abc');
    expect(fitWidth('abcdefghij', 10)).toBe('abcdefgh…\u001b[0m');
    expect(fitWidth('\u001b[32m████\u001b[39m\u001b[2m░░░░\u001b[22m', 6)).toBe('\u001b[32m████…\u001b[0m');
    expect(plain(fitWidth('\u001b[1mabcdef\u001b[22m', 5))).toBe('abc…');
  });
});
