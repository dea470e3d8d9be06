import fc from 'fast-check';
import { describeControl } from '@cairn/contracts';
import { durationSeconds, memoryMiB, notADuration, notAMemorySize } from './quantities';
import { parseWorkflow } from './parse-workflow';

const workflowWith = (resources: string) =>
  parseWorkflow(`version: 1\nname: w\nsteps:\n  a:\n    image: lab/busybox:1.36\n    command: [x]\n    resources: ${resources}\n`, 'w.yaml');

describe('durations and memory sizes (one reading for workflow files and the CLI)', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['1d', 86_400],
    ['1:30:00', 5400],
    ['5:00', 300],
    [' 45 s ', 45],
  ])('duration %j is %d s', (text, seconds) => expect(durationSeconds(text)).toBe(seconds));

  it.each(['', 'soon', '15M', '2H', '1.5h', '-5m', '1w', '1:30:0', '1::00', 'm', '5 m s'])('%j is not a duration', (text) =>
    expect(durationSeconds(text)).toBeUndefined(),
  );

  it.each([
    ['512', 512],
    ['512M', 512],
    ['512m', 512],
    ['4G', 4096],
    ['2GiB', 2048],
    ['1T', 1_048_576],
    ['64 MB', 64],
  ])('memory %j is %d MiB', (text, mib) => expect(memoryMiB(text)).toBe(mib));

  it.each(['', 'lots', '4K', '1.5G', '-1G', 'G', '4GG', '4 G B x'])('%j is not a memory size', (text) => expect(memoryMiB(text)).toBeUndefined());

  it('every number with every unit reads as that many units', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), fc.constantFrom(['', 1], ['s', 1], ['m', 60], ['h', 3600], ['d', 86_400]), (n, [unit, factor]) => {
        expect(durationSeconds(`${n}${unit}`)).toBe(n * factor);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), fc.constantFrom(['', 1], ['M', 1], ['Gi', 1024], ['TB', 1_048_576]), (n, [unit, factor]) => {
        expect(memoryMiB(`${n}${unit}`)).toBe(n * factor);
      }),
      { numRuns: 300 },
    );
  });

  it('any text is read as a whole number or refused, and the refusal quotes it bounded and without control characters', () => {
    const hostile = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.tuple(fc.nat(), fc.constantFrom('\u0000', '\u001b[2J', '\u009b', '\r', '\ud800'), fc.constantFrom('m', 'G', '')).map(([n, c, u]) => `${n}${c}${u}`),
      fc.integer({ min: 1, max: 70_000 }).map((n) => '9'.repeat(n) + 'x'),
    );
    fc.assert(
      fc.property(hostile, (text) => {
        for (const [read, refuse] of [
          [durationSeconds, notADuration],
          [memoryMiB, notAMemorySize],
        ] as const) {
          const value = read(text);
          if (value === undefined) {
            const message = refuse(text);
            expect(message.length).toBeLessThanOrEqual(200);
            expect(describeControl(message)).toBeUndefined();
          } else {
            expect(Number.isInteger(value) || value === Infinity).toBe(true);
            expect(value).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('workflow files read resources the same way, and refuse a bad one located', () => {
    expect(workflowWith('{ memory: "512", time: "1:30:00" }').steps.a?.resources).toEqual({ memory: 512, time: 5400 });
    expect(workflowWith('{ memory: 2GiB, time: 15m }').steps.a?.resources).toEqual({ memory: 2048, time: 900 });
    expect(() => workflowWith('{ time: 2H }')).toThrow('w.yaml:7:18: steps.a.resources.time: "2H" is not a duration (try 90s, 15m, 2h, 1d or 1:30:00)');
    expect(() => workflowWith('{ memory: 4K }')).toThrow('steps.a.resources.memory: "4K" is not a memory size (try 512M, 4G or 1T)');
  });
});
