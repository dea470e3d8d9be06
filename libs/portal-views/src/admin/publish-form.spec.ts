import { describe, expect, it } from '@jest/globals';
import { TemplateParameterType as T } from '@cairn/portal-client';
import fc from 'fast-check';
import { EMPTY_ROW, parsePublishDraft, placePublishProblems, rowsToParameters, templateToDraft } from './publish-form';

describe('publish form', () => {
  it('turns rows into parameters, bounds parsed, the default left to the file', () => {
    const r = rowsToParameters([
      { ...EMPTY_ROW, name: 'lr', type: 'NUMBER', minimum: '0', maximum: '1' },
      { ...EMPTY_ROW, name: 'model', type: 'CHOICE', choices: 'small\n large \n\n' },
    ]);
    expect(r.problems).toEqual({});
    expect(r.parameters[0]).toMatchObject({ name: 'lr', type: T.NUMBER, hasMinimum: true, minimum: 0, hasMaximum: true, maximum: 1, defaultValue: '' });
    expect(r.parameters[1]).toMatchObject({ name: 'model', type: T.CHOICE, choices: ['small', 'large'], hasMinimum: false });
  });

  it('names what is wrong with a row', () => {
    const r = rowsToParameters([
      { ...EMPTY_ROW, name: 'x', type: 'STRING', minimum: '1' },
      { ...EMPTY_ROW, name: '', type: 'INTEGER', minimum: '5', maximum: '2' },
      { ...EMPTY_ROW, name: 'c', type: 'CHOICE' },
      { ...EMPTY_ROW, name: 'n', type: 'NUMBER', maximum: '1e999' },
    ]);
    expect(r.problems).toEqual({
      0: ['Only INTEGER and NUMBER parameters have a minimum.'],
      1: ['The minimum is above the maximum.', 'Name the params entry this parameter sets.'],
      2: ['A CHOICE parameter needs at least one choice (one per line).'],
      3: ['The maximum must be a number.'],
    });
  });

  it('round-trips a published template through the form', () => {
    const parameters = [
      { name: 'lr', label: 'Learning rate', description: 'step', type: T.NUMBER, choices: [], hasMinimum: true, minimum: 0, hasMaximum: false, maximum: 0, defaultValue: '0.1' },
      { name: 'm', label: '', description: '', type: T.CHOICE, choices: ['a', 'b'], hasMinimum: false, minimum: 0, hasMaximum: false, maximum: 0, defaultValue: 'a' },
    ];
    const draft = templateToDraft({ name: 't', title: 'T', description: 'd', source: 'name: x', parameters });
    const back = rowsToParameters(draft.rows).parameters;
    expect(back.map((p) => ({ ...p, defaultValue: 'same' }))).toEqual(parameters.map((p) => ({ ...p, defaultValue: 'same' })));
  });

  it('reads back only well-formed drafts', () => {
    expect(parsePublishDraft(null)).toBeUndefined();
    expect(parsePublishDraft({ name: 'a', title: 3, rows: [{ name: 'x', type: 'EVIL' }, 'junk'] })).toEqual({
      name: 'a',
      title: '',
      description: '',
      source: '',
      rows: [
        { ...EMPTY_ROW, name: 'x' },
        { ...EMPTY_ROW },
      ],
    });
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const d = parsePublishDraft(v);
        if (d !== undefined) expect(d.rows.length).toBeLessThanOrEqual(64);
      }),
      { numRuns: 200 },
    );
  });

  it('places the server’s lines at their fields and rows', () => {
    const p = placePublishProblems([
      'name: "Bad Name" is not a template name (lower-case letters, digits and "-", starting with a letter; at most 63)',
      'title: must not be empty',
      'parameters[1] ("lr").name: the file has no params entry "lr"',
      'parameters[0] ("x"): minimum 5 is above maximum 2',
      'parameters: 65 given; at most 64',
    ]);
    expect(p.fields.name).toHaveLength(1);
    expect(p.fields.title).toEqual(['must not be empty']);
    expect(p.rows[1]).toEqual(['name: the file has no params entry "lr"']);
    expect(p.rows[0]).toEqual(['minimum 5 is above maximum 2']);
    expect(p.general).toEqual(['parameters: 65 given; at most 64']);
  });
});
