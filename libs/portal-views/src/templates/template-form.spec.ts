import { describe, expect, it } from '@jest/globals';
import { TemplateParameterType as T } from '@cairn/portal-client';
import fc from 'fast-check';
import { checkForm, fieldLabel, initialValues, parseTemplateDraft, serverProblems, valueProblem, type FormParameter } from './template-form';

const param = (name: string, type: T, extra: Partial<FormParameter> = {}): FormParameter => ({
  name,
  label: '',
  description: '',
  type,
  choices: [],
  hasMinimum: false,
  minimum: 0,
  hasMaximum: false,
  maximum: 0,
  defaultValue: '',
  ...extra,
});

const lr = param('lr', T.NUMBER, { label: 'Learning rate', hasMinimum: true, minimum: 0, hasMaximum: true, maximum: 1, defaultValue: '0.1' });
const epochs = param('epochs', T.INTEGER, { hasMinimum: true, minimum: 1, defaultValue: '10' });
const verbose = param('verbose', T.BOOLEAN);
const model = param('model', T.CHOICE, { choices: ['small', 'large'], defaultValue: 'large' });
const label = param('label', T.STRING, { defaultValue: 'run' });
const all = [lr, epochs, verbose, model, label];

describe('template form values', () => {
  it('starts from the defaults', () => {
    expect(initialValues(all)).toEqual({ lr: '0.1', epochs: '10', verbose: 'false', model: 'large', label: 'run' });
    expect(initialValues([param('c', T.CHOICE, { choices: ['x', 'y'] })])).toEqual({ c: 'x' });
    expect(fieldLabel(lr)).toBe('Learning rate');
    expect(fieldLabel(epochs)).toBe('epochs');
  });

  it('checks numbers, bounds, booleans, choices and text as the server does', () => {
    expect(valueProblem(lr, '0.5')).toBeUndefined();
    expect(valueProblem(lr, '1e-3')).toBeUndefined();
    expect(valueProblem(lr, '2')).toBe('Must be at most 1.');
    expect(valueProblem(lr, '-0.1')).toBe('Must be at least 0.');
    expect(valueProblem(lr, '0x10')).toBe('Must be a number.');
    expect(valueProblem(lr, 'Infinity')).toBe('Must be a number.');
    expect(valueProblem(epochs, '2.5')).toBe('Must be a whole number.');
    expect(valueProblem(epochs, '')).toBe('Enter a value.');
    expect(valueProblem(epochs, '0')).toBe('Must be at least 1.');
    expect(valueProblem(epochs, '99999999999999999999')).toBe('The number is too large.');
    expect(valueProblem(verbose, 'yes')).toBe('Must be true or false.');
    expect(valueProblem(model, 'medium')).toBe('Choose one of the options.');
    expect(valueProblem(label, 'a\nb')).toMatch(/control characters/);
    expect(valueProblem(label, 'x'.repeat(1024))).toBeUndefined();
    expect(valueProblem(label, 'x'.repeat(1025))).toMatch(/at most 1024/);
  });

  it('sends trimmed numbers and names each bad field', () => {
    expect(checkForm(all, { lr: ' 0.25 ', epochs: '3' })).toEqual({
      values: { lr: '0.25', epochs: '3', verbose: 'false', model: 'large', label: 'run' },
      problems: {},
    });
    expect(checkForm(all, { lr: 'abc', model: 'huge' }).problems).toEqual({ lr: 'Must be a number.', model: 'Choose one of the options.' });
  });

  it('never accepts a number outside its bounds, whatever is typed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        if (valueProblem(lr, text.trim()) === undefined) {
          const n = Number(text.trim());
          expect(n >= 0 && n <= 1).toBe(true);
        }
        if (valueProblem(label, text) === undefined) expect(/[\n\r\t]/.test(text)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('server problems', () => {
  it('places parameter complaints at their field and keeps the rest general', () => {
    const r = serverProblems('parameters["lr"]: must be at most 1, not 3\nparameters["nope"]: the template has no such parameter\naccount: not yours', ['lr', 'epochs']);
    expect(r.byField).toEqual({ lr: 'must be at most 1, not 3' });
    expect(r.general).toEqual(['parameters["nope"]: the template has no such parameter', 'account: not yours']);
    expect(serverProblems('parameters["__proto__"]: x', ['lr']).general).toHaveLength(1);
  });
});

describe('template drafts', () => {
  it('keeps only string values of this template’s parameters', () => {
    expect(parseTemplateDraft({ values: { lr: '0.3', epochs: 4, other: 'x', __proto__: { lr: 'y' } }, account: 'genomics' }, ['lr', 'epochs'])).toEqual({ values: { lr: '0.3' }, account: 'genomics' });
    expect(parseTemplateDraft('nope', ['lr'])).toBeUndefined();
    expect(parseTemplateDraft({}, ['lr'])).toEqual({ values: {}, account: '' });
  });
});
