import { evaluateCondition, parseCondition } from '@cairn/workflow-language';
import { flatten } from './loop-settler';

describe('hostile workflow files [property-based]', () => {
  it('metrics a job wrote are recorded bounded and clean, and conditions read only their own names', () => {
    // A metrics file nested 20,000 deep (JSON.stringify could not even write it).
    const deep = `${'{"d":'.repeat(20_000)}{"v":1}${'}'.repeat(20_000)}`;
    const metrics = JSON.parse(
      `{"loss":0.5,"a\\u0000b":1,"${'x'.repeat(200)}":2,"nested":{"acc":0.9},"deep":${deep},"constructor":3,"toString":"text"}`,
    ) as Record<string, unknown>;
    Object.defineProperty(metrics, '__proto__', { value: 4, enumerable: true });
    const recorded = flatten(metrics);
    expect(Object.entries(recorded)).toEqual([['loss', 0.5], ['nested.acc', 0.9], ['constructor', 3], ['__proto__', 4]]);
    expect(evaluateCondition(parseCondition('constructor >= 3 and __proto__ == 4'), metrics)).toBe(true);
    expect(() => evaluateCondition(parseCondition('hasOwnProperty > 1'), metrics)).toThrow('metric "hasOwnProperty" is missing');
    expect(() => evaluateCondition(parseCondition('toString > 1'), { toString: 'y'.repeat(100_000) })).toThrow(`not a number ("${'y'.repeat(63)}…)`);
  });
});
