import { pb } from '@cairn/contracts';
import { collectEnv, collectWorkflowState, parseDuration, parseMemory, parseRange, parseState, parseWorkflowState } from './parse-options';
import { formatDuration, table, timeline } from './render';

describe('CLI option parsing', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['1d', 86400],
    ['1:30:00', 5400],
    ['5:00', 300],
  ])('duration %s is %d s', (text, seconds) => expect(parseDuration(text)).toBe(seconds));
  it('refuses a non-duration', () => expect(() => parseDuration('soon')).toThrow(/"soon" is not a duration/));
  it.each([
    ['512', 512],
    ['512M', 512],
    ['4G', 4096],
    ['2GiB', 2048],
  ])('memory %s is %d MiB', (text, mib) => expect(parseMemory(text)).toBe(mib));
  it('collects NAME=VALUE pairs, keeping = in values', () => {
    expect(collectEnv('B=x=y', collectEnv('A=1', {}))).toEqual({ A: '1', B: 'x=y' });
    expect(() => collectEnv('=1', {})).toThrow(/NAME=VALUE/);
  });
  it('expands item ranges and refuses backwards or huge ones', () => {
    expect(parseRange('3..6')).toEqual(['3', '4', '5', '6']);
    expect(parseRange('-1..1')).toEqual(['-1', '0', '1']);
    expect(() => parseRange('6..3')).toThrow(/not a range/);
    expect(() => parseRange('1..20000')).toThrow(/at most 10000 items/);
  });
  it('reads states case-insensitively', () => {
    expect(parseState('failed')).toBe(pb.JobState.JOB_STATE_FAILED);
    expect(() => parseState('unspecified')).toThrow(/not a state/);
  });
  it('reads run states case-insensitively and collects them', () => {
    expect(parseWorkflowState('Succeeded')).toBe(pb.WorkflowState.WORKFLOW_STATE_SUCCEEDED);
    expect(collectWorkflowState('cancelled', [pb.WorkflowState.WORKFLOW_STATE_FAILED])).toEqual([
      pb.WorkflowState.WORKFLOW_STATE_FAILED,
      pb.WorkflowState.WORKFLOW_STATE_CANCELLED,
    ]);
    expect(() => parseWorkflowState('unspecified')).toThrow(/"unspecified" is not a run state/);
    expect(() => parseWorkflowState('completed')).toThrow(/not a run state \(running, succeeded, failed, cancelled\)/);
  });
});

describe('rendering', () => {
  // eslint-disable-next-line no-control-regex -- strips ANSI colour codes
  const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
  it('draws the timeline with reached steps filled', () => {
    expect(plain(timeline([pb.JobState.JOB_STATE_ACCEPTED, pb.JobState.JOB_STATE_PENDING]))).toBe('● ACCEPTED ─ ● PENDING ─ ○ RUNNING ─ ○ done');
    expect(plain(timeline([pb.JobState.JOB_STATE_ACCEPTED, pb.JobState.JOB_STATE_TIMEOUT]))).toBe('● ACCEPTED ─ ○ PENDING ─ ○ RUNNING ─ ✖ TIMEOUT');
  });
  it('formats durations and aligns tables', () => {
    expect([formatDuration(5_000), formatDuration(65_000), formatDuration(3_723_000)]).toEqual(['5s', '1m05s', '1h02m']);
    expect(plain(table(['A', 'BB'], [['xxx', 'y']]))).toBe('A    BB\nxxx  y');
  });
});
