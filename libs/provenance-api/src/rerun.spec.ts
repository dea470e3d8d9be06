import { CairnError, controlIndex, type Principal, type RunSourceReply } from '@cairn/contracts';
import { parseWorkflow } from '@cairn/workflow-language';
import fc from 'fast-check';
import { rerunAccount, rerunCommand, rerunSource, toRerunAsk } from './rerun';
import { refusal } from '@cairn/testing';

const RUN = '0b3b5a4e-8a43-4c1e-9f0a-2d4c6e8f0a1b';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const SOURCE = `version: 1
name: sweep
params:
  seeds: 4 # how many
  label: base
  loud: false
defaults:
  image: lab/sim:1
steps:
  sim:
    command: [sim, "\${{ params.label }}"]
    array: { range: { from: 0, to: 3 } }
  refine:
    loop:
      maxIterations: 2
      steps:
        fit:
          image: lab/fit:2
          command: [fit]
`;
const recorded: RunSourceReply = {
  runId: RUN,
  name: 'sweep',
  fileName: 'examples/sweep.yaml',
  source: SOURCE,
  sourceSha256: 'f'.repeat(64),
  site: 'dev',
  account: 'alice-lab',
  params: { seeds: 4, label: 'base', loud: false },
  images: [
    { reference: 'lab/sim:1', imageRef: `registry:5000/lab/sim@${D1}`, digest: D1 },
    { reference: 'lab/fit:2', imageRef: `registry:5000/lab/fit@${D2}`, digest: D2 },
  ],
  complete: true,
};
const original = parseWorkflow(SOURCE, 'sweep.yaml');
const pinnedSteps = (parsed: typeof original) => ({ ...parsed, defaults: { ...parsed.defaults, image: `registry:5000/lab/sim@${D1}` } });

const alice: Principal = { issuer: 'https://idp', subject: 'a', name: 'alice', posixUser: 'alice', accounts: ['alice-lab', 'shared'], roles: ['user'], projects: [] };

describe('re-running a recorded run', () => {
  it('pins every image (in loops too) and keeps the recorded parameters when none are given', () => {
    const rerun = parseWorkflow(rerunSource(recorded, new Map()), 're.yaml');
    expect(rerun.params).toEqual(original.params);
    expect(rerun.defaults?.image).toBe(`registry:5000/lab/sim@${D1}`);
    expect(rerun.steps['refine']?.loop?.steps['fit']?.image).toBe(`registry:5000/lab/fit@${D2}`);
    expect(rerun.steps['sim']).toEqual(original.steps['sim']);
  });

  it('converts each override to its recorded type', () => {
    const rerun = parseWorkflow(rerunSource(recorded, new Map([['seeds', '8'], ['label', '12'], ['loud', 'true']])), 're.yaml');
    expect(rerun.params).toEqual({ seeds: 8, label: '12', loud: true });
    expect(parseWorkflow(rerunSource(recorded, new Map([['seeds', '-2.5e1']])), 're.yaml').params?.['seeds']).toBe(-25);
  });

  it('refuses an unknown parameter and values that do not fit its type, naming each, before anything is submitted', () => {
    expect(refusal(() => rerunSource(recorded, new Map([['colour', 'red'], ['seeds', 'many'], ['loud', 'yes'], ['label', 'a\nb']])))).toBe(
      [
        'INVALID_ARGUMENT: params["colour"]: the recorded run has no such parameter (it has label, loud, seeds)',
        'params["seeds"]: must be a number (the recorded value is 4), not "many"',
        'params["loud"]: must be true or false (the recorded value is false), not "yes"',
        'params["label"]: contains a newline; control characters are not allowed',
      ].join('\n'),
    );
    for (const text of ['', ' 4', '0x10', 'Infinity', 'NaN', '1e999', '4.']) expect(refusal(() => rerunSource(recorded, new Map([['seeds', text]])))).toMatch(/^INVALID_ARGUMENT: params\["seeds"\]/);
    expect(refusal(() => rerunSource(recorded, new Map([['__proto__', 'x'], ['constructor', 'y']])))).toMatch(/"__proto__"\]: the recorded run has no such parameter .*\nparams\["constructor"\]: the recorded run has no such parameter/);
    const anchored = { ...recorded, source: SOURCE.replace('label: base', 'label: &l base').replace('command: [fit]', 'command: [fit, *l]') };
    expect(refusal(() => rerunSource(anchored, new Map([['label', 'x']])))).toMatch(/^FAILED_PRECONDITION: the recorded file's parameters cannot be changed structurally: source: params.label: carries an anchor/);
    expect(parseWorkflow(rerunSource(anchored, new Map([['seeds', '1']])), 're.yaml').steps['refine']?.loop?.steps['fit']?.command).toEqual(['fit', 'base']);
    expect(refusal(() => rerunSource({ ...recorded, images: recorded.images.slice(0, 1) }, new Map()))).toBe('FAILED_PRECONDITION: steps.refine.loop.steps.fit.image: "lab/fit:2" has no recorded digest');
  });

  it('refuses a job outside any workflow (recorded without a file): there is no file to re-run', () => {
    expect(refusal(() => rerunSource({ ...recorded, source: '', params: {} }, new Map()))).toMatch(/^FAILED_PRECONDITION: run .* is a job outside any workflow: it has no workflow file to re-run/);
  });

  it('checks the request: run id, account, request id and the length of each value', () => {
    const ask = { runId: RUN, params: {}, account: '', requestId: '' };
    expect(toRerunAsk({ ...ask, account: 'shared', requestId: 'r-1', params: { seeds: '2' } })).toEqual({ runId: RUN, params: new Map([['seeds', '2']]), account: 'shared', requestId: 'r-1' });
    expect(refusal(() => toRerunAsk({ ...ask, runId: 'x' }))).toMatch(/^INVALID_ARGUMENT: run_id/);
    expect(refusal(() => toRerunAsk({ ...ask, account: 'no spaces' }))).toMatch(/^INVALID_ARGUMENT: account/);
    expect(refusal(() => toRerunAsk({ ...ask, requestId: 'a b' }))).toMatch(/^INVALID_ARGUMENT: request_id/);
    expect(toRerunAsk({ ...ask, params: { label: 'x'.repeat(1024) } }).params.get('label')).toHaveLength(1024);
    expect(refusal(() => toRerunAsk({ ...ask, params: { label: 'x'.repeat(1025) } }))).toBe('INVALID_ARGUMENT: params["label"]: is longer than 1024 characters');
  });

  it('charges the account asked for, else the recorded one if the caller holds it, else the caller\'s default', () => {
    expect(rerunAccount('shared', recorded, alice)).toBe('shared');
    expect(rerunAccount(undefined, recorded, alice)).toBe('alice-lab');
    expect(rerunAccount(undefined, recorded, { ...alice, accounts: ['other'] })).toBeUndefined();
    expect(rerunAccount(undefined, { ...recorded, account: '' }, alice)).toBeUndefined();
  });

  it('submits at the recorded site under the recorded file name (a name the workflow service would refuse becomes "workflow")', () => {
    expect(rerunCommand(recorded, new Map(), 'other')).toEqual(expect.objectContaining({ fileName: 'examples/sweep.yaml', site: 'dev', defaultSite: 'other' }));
    expect(rerunCommand({ ...recorded, fileName: 'my file.yaml' }, new Map(), 'dev').fileName).toBe('workflow');
  });

  it('property: whatever text a text parameter gets, it is exactly that parameter\'s value and nothing else changes', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200, unit: 'grapheme' }),
      fc.string({ maxLength: 200, unit: fc.constantFrom('"', "'", '\\', '$', '{', '}', ':', '#', '-', '&', '*', '!', '|', '>', '%', '@', '`', ' ', 'a', '0', '[', ']', ',', '?') }),
      fc.constantFrom('x}} ${{ steps.sim.outputs.a', '${{ params.seeds }}', 'null', 'yes', '---', '\uFEFF', 'lab/sim:1', `lab/evil@${D2}`),
    ).filter((s) => controlIndex(s) < 0 && !/[\u2028\u2029]/.test(s));
    fc.assert(
      fc.property(text, (value) => {
        const rerun = parseWorkflow(rerunSource(recorded, new Map([['label', value]])), 're.yaml');
        const expected = pinnedSteps(original);
        expect({ ...rerun, steps: { sim: rerun.steps['sim'] } }).toEqual({ ...expected, params: { ...original.params, label: value }, steps: { sim: original.steps['sim'] } });
        expect(rerun.steps['refine']?.loop?.steps['fit']?.image).toBe(`registry:5000/lab/fit@${D2}`);
      }),
      { numRuns: 300 },
    );
  });

  it('property: hostile text for a number or boolean parameter is refused, never written', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.constantFrom('seeds', 'loud'), (value, name) => {
        let source: string;
        try {
          source = rerunSource(recorded, new Map([[name, value]]));
        } catch (error) {
          expect(error).toBeInstanceOf(CairnError);
          expect((error as CairnError).code).toBe('INVALID_ARGUMENT');
          return;
        }
        const params = parseWorkflow(source, 're.yaml').params;
        expect(params?.[name]).toEqual(name === 'seeds' ? Number(value) : value === 'true');
      }),
      { numRuns: 300 },
    );
  });
});
