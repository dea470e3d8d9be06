import { ConditionError, evaluateCondition, parseCondition } from './condition';

const holds = (text: string, metrics: Record<string, unknown>) => evaluateCondition(parseCondition(text), metrics);

describe('loop conditions', () => {
  it.each([
    ['val_loss < 0.05', { val_loss: 0.04 }, true],
    ['val_loss < 0.05', { val_loss: 0.05 }, false],
    ['val_loss < 0.05 or epoch >= 20', { val_loss: 0.9, epoch: 20 }, true],
    ['acc >= 0.9 and not (loss > 1)', { acc: 0.95, loss: 0.3 }, true],
    ['a == 1 and b != 2 or c <= 3', { a: 2, b: 2, c: 3 }, true],
    ['eval.f1 > 0.8', { eval: { f1: 0.81 } }, true],
    ['1e-3 > loss', { loss: 0.0001 }, true],
  ])('%s with %j is %s', (text, metrics, expected) => expect(holds(text, metrics)).toBe(expected));

  it.each([
    ['loss <', 'the condition ends too early'],
    ['loss 0.5', 'expected a comparison (<, <=, >, >=, ==, !=) after "loss"'],
    ['(loss < 1', 'a "(" is not closed'],
    ['loss < 1; rm -rf /', 'unexpected ";'],
    ['process.exit(1)', 'expected a comparison (<, <=, >, >=, ==, !=) after "process.exit"'],
  ])('refuses %j', (text, message) => {
    expect(() => parseCondition(text)).toThrow(ConditionError);
    expect(() => parseCondition(text)).toThrow(message);
  });

  it('says which metric is missing or not a number', () => {
    expect(() => holds('loss < 1', {})).toThrow('metric "loss" is missing');
    expect(() => holds('loss < 1', { loss: 'low' })).toThrow('metric "loss" is not a number ("low")');
  });
});
