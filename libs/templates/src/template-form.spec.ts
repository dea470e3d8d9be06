import { TEMPLATE_LIMITS } from '@cairn/contracts';
import { checkTemplate, listedProblems, valueProblem } from './template-form';
import { draft, PARAMETERS, parameter, SOURCE } from './template-spec-kit';

const problemsOf = (d: Parameters<typeof checkTemplate>[0]) => checkTemplate(d).problems ?? [];

describe('checkTemplate', () => {
  it('accepts a good template and fills each default from the file', () => {
    const { template, problems } = checkTemplate(draft());
    expect(problems).toBeUndefined();
    expect(template?.parameters.map((p) => [p.name, p.defaultValue])).toEqual([
      ['greeting', 'hello'],
      ['count', '3'],
      ['ratio', '0.5'],
      ['loud', 'false'],
      ['size', 'small'],
      ['tier', '2'],
    ]);
  });

  it('lists every problem at once: name, title, the file (with line and column) and each parameter', () => {
    const bad = SOURCE.replace('    image: lab/busybox:1\n', '    image: lab/busybox:1\n    cpus: 2\n').replace('count: 3', 'count: 3\n  count: 4');
    const problems = problemsOf(draft({ name: 'Bad_Name', title: ' ', source: bad, parameters: [parameter('nope', 'STRING')] }));
    expect(problems).toEqual([
      expect.stringMatching(/^name: "Bad_Name" is not a template name/),
      'title: must not be empty',
      'source:7:3: not valid YAML: Map keys must be unique',
      'parameters[0] ("nope").name: the file has no params entry "nope"',
    ]);
    // The parameters are checked against the file's params as its YAML reads, though the file has other problems.
    const schemaOnly = SOURCE.replace('    image: lab/busybox:1\n', '    image: lab/busybox:1\n    cpus: 2\n');
    expect(problemsOf(draft({ source: schemaOnly, parameters: [parameter('nope', 'STRING'), parameter('count', 'BOOLEAN')] }))).toEqual([
      expect.stringMatching(/steps\.say\.cpus: unknown field/),
      'parameters[0] ("nope").name: the file has no params entry "nope"',
      'parameters[1] ("count"): the file\'s default "3" is not true or false',
    ]);
  });

  it('reports the file\'s schema problems with their line, column and field', () => {
    const problems = problemsOf(draft({ source: SOURCE.replace('    image: lab/busybox:1\n', '    image: lab/busybox:1\n    colour: red\n'), parameters: [] }));
    expect(problems).toEqual([expect.stringMatching(/^source:14:5: steps\.say\.colour: unknown field "colour"/)]);
  });

  it('refuses a parameter that names no params entry, a name used twice, and an unset type', () => {
    const problems = problemsOf(draft({ parameters: [parameter('missing', 'STRING'), parameter('count', 'INTEGER'), parameter('count', 'INTEGER'), parameter('loud', 'UNSPECIFIED')] }));
    expect(problems).toEqual([
      expect.stringMatching(/parameters\[0\] \("missing"\)\.name: the file has no params entry "missing"/),
      expect.stringMatching(/parameters\[2\] \("count"\)\.name: named twice/),
      expect.stringMatching(/parameters\[3\] \("loud"\)\.type: must be set/),
    ]);
  });

  it.each([
    ['a STRING whose default is a number', parameter('count', 'STRING'), /is not text/],
    ['an INTEGER whose default is text', parameter('greeting', 'INTEGER'), /is not a number/],
    ['an INTEGER whose default is not whole', parameter('ratio', 'INTEGER'), /must be a whole number/],
    ['an INTEGER whose default is below its minimum', parameter('count', 'INTEGER', { minimum: 4 }), /must be at least 4/],
    ['a NUMBER whose default is above its maximum', parameter('ratio', 'NUMBER', { maximum: 0.25 }), /must be at most 0.25/],
    ['a BOOLEAN whose default is text', parameter('size', 'BOOLEAN'), /is not true or false/],
    ['a CHOICE whose default is not a choice', parameter('size', 'CHOICE', { choices: ['medium'] }), /is not one of the choices/],
    ['a CHOICE without choices', parameter('size', 'CHOICE'), /needs at least one choice/],
    ['a CHOICE with a number default and a text choice', parameter('tier', 'CHOICE', { choices: ['2', 'two'] }), /every choice must be a number/],
    ['a CHOICE with a choice listed twice', parameter('size', 'CHOICE', { choices: ['small', 'small'] }), /listed twice/],
    ['choices on a STRING', parameter('greeting', 'STRING', { choices: ['a'] }), /only CHOICE parameters have choices/],
    ['bounds on a BOOLEAN', parameter('loud', 'BOOLEAN', { minimum: 0 }), /only INTEGER and NUMBER parameters have bounds/],
    ['a minimum above the maximum', parameter('count', 'INTEGER', { minimum: 5, maximum: 2 }), /minimum 5 is above maximum 2/],
    ['a non-finite bound', parameter('ratio', 'NUMBER', { maximum: Number.POSITIVE_INFINITY }), /must be a finite number/],
    ['a default_value that is not the file\'s', parameter('count', 'INTEGER', { defaultValue: '7' }), /is not the file's default "3"/],
    ['a label with a line break', parameter('count', 'INTEGER', { label: 'a\nb' }), /label: contains/],
  ])('refuses %s', (_what, p, message) => {
    expect(problemsOf(draft({ parameters: [p] }))).toEqual([expect.stringMatching(message)]);
  });

  it('takes the documented limits at their maximum and refuses one more', () => {
    const L = TEMPLATE_LIMITS;
    const names = Array.from({ length: L.maxParameters + 1 }, (_, i) => `p${i}`);
    const choices = Array.from({ length: L.maxChoices }, (_, i) => `${'c'.repeat(L.maxChoiceChars - 4)}${String(i).padStart(4, '0')}`);
    const fileOf = (count: number, first: string) =>
      `version: 1\nname: many\nparams:\n  p0: "${first}"\n${names.slice(1, count).map((n) => `  ${n}: "${'v'.repeat(300)}"`).join('\n')}\nsteps:\n  a: { image: lab/busybox:1, command: [echo] }\n`;
    const source = fileOf(L.maxParameters, choices[0] ?? '');
    const most = names.slice(0, L.maxParameters).map((n, i) => (i === 0 ? parameter(n, 'CHOICE', { choices, label: 'l'.repeat(L.maxLabelChars) }) : parameter(n, 'STRING', { label: 'l'.repeat(L.maxLabelChars) })));
    const full = { source, parameters: most, title: 't'.repeat(L.maxTitleChars), description: 'd'.repeat(L.maxDescriptionChars), name: `a${'b'.repeat(62)}` };
    expect(problemsOf(draft(full))).toEqual([]);
    expect(problemsOf(draft({ ...full, parameters: [most[0] ?? parameter('p0', 'STRING'), ...most.slice(1, 4).map((p) => ({ ...p, description: 'd'.repeat(L.maxParameterDescriptionChars) })), ...most.slice(4)] }))).toEqual([]);
    expect(problemsOf(draft({ ...full, parameters: [...most.slice(0, 1), { ...(most[1] ?? parameter('p1', 'STRING')), description: 'd'.repeat(L.maxParameterDescriptionChars + 1) }, ...most.slice(2)] }))).toEqual([
      expect.stringMatching(/description: is 1025 characters; at most 1024/),
    ]);
    // One more of each, one at a time.
    expect(problemsOf(draft({ ...full, source: fileOf(L.maxParameters + 1, choices[0] ?? ''), parameters: [...most, parameter(`p${L.maxParameters}`, 'STRING')] }))).toEqual([`parameters: 65 given; at most ${L.maxParameters}`]);
    expect(problemsOf(draft({ ...full, parameters: [parameter('p0', 'CHOICE', { choices: [...choices, 'x'] }), ...most.slice(1)] }))).toEqual([expect.stringMatching(/choices: 101 given; at most 100/)]);
    expect(problemsOf(draft({ ...full, parameters: [parameter('p0', 'CHOICE', { choices: [`${choices[0]}x`] }), ...most.slice(1)] }))).toEqual([expect.stringMatching(/choices\[0\]: is 257 characters; at most 256/)]);
    expect(problemsOf(draft({ ...full, parameters: [parameter('p0', 'CHOICE', { choices, label: 'l'.repeat(L.maxLabelChars + 1) }), ...most.slice(1)] }))).toEqual([expect.stringMatching(/label: is 129 characters/)]);
    expect(problemsOf(draft({ ...full, title: 't'.repeat(L.maxTitleChars + 1) }))).toEqual([expect.stringMatching(/^title: is 201 characters/)]);
    expect(problemsOf(draft({ ...full, description: 'd'.repeat(L.maxDescriptionChars + 1) }))).toEqual([expect.stringMatching(/^description: is 4097 characters/)]);
    expect(problemsOf(draft({ ...full, name: `a${'b'.repeat(63)}` }))).toEqual([expect.stringMatching(/^name: /)]);
    // The form as a whole is bounded too: 64 parameters with the longest descriptions are too much together.
    const wordy = most.map((p) => ({ ...p, description: 'd'.repeat(L.maxParameterDescriptionChars) }));
    expect(problemsOf(draft({ ...full, parameters: wordy }))).toEqual([expect.stringMatching(/^parameters: are \d+ bytes as JSON together; at most 65536/)]);
  });

  it('refuses a parameter whose params entry carries an anchor another part of the file may use', () => {
    const source = SOURCE.replace('greeting: hello', 'greeting: &g hello');
    expect(problemsOf(draft({ source }))).toEqual([expect.stringMatching(/params\.greeting: carries an anchor/)]);
  });

  it('takes a JSON file as well as YAML', () => {
    const json = JSON.stringify({ version: 1, name: 'j', params: { n: 2 }, steps: { a: { image: 'lab/busybox:1', command: ['echo', '${{ params.n }}'] } } });
    expect(problemsOf(draft({ source: json, parameters: [parameter('n', 'INTEGER')] }))).toEqual([]);
  });
});

describe('valueProblem', () => {
  const [greeting, count, ratio, loud, size] = PARAMETERS as [typeof PARAMETERS[number], typeof PARAMETERS[number], typeof PARAMETERS[number], typeof PARAMETERS[number], typeof PARAMETERS[number]];
  it.each([
    [count, '7', undefined],
    [count, '10', undefined],
    [count, '11', /at most 10/],
    [count, '0', /at least 1/],
    [count, '2.5', /whole number/],
    [count, ' 3', /whole number/],
    [count, '0x3', /whole number/],
    [count, '9007199254740993', /between/],
    [ratio, '0.25', undefined],
    [ratio, '1e-3', undefined],
    [ratio, 'NaN', /a number/],
    [ratio, 'Infinity', /a number/],
    [ratio, '1.5', /at most 1/],
    [loud, 'true', undefined],
    [loud, 'yes', /true or false/],
    [size, 'large', undefined],
    [size, 'huge', /one of "small", "large"/],
    [greeting, 'x}} ${{ steps.a.outputs.b', undefined],
    [greeting, 'two\nlines', /line break/],
    [greeting, 'cr\r', /line break/],
    [greeting, 'ls\u2028', /line or paragraph separator/],
    [greeting, 'ps\u2029', /line or paragraph separator/],
    [greeting, 'g'.repeat(TEMPLATE_LIMITS.maxStringChars), undefined],
    [greeting, 'g'.repeat(TEMPLATE_LIMITS.maxStringChars + 1), /at most 1024/],
  ])('%#: %j', (p, text, expected) => {
    const problem = valueProblem(p, text);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});

describe('listedProblems', () => {
  it('lists at most 20 problems, then how many more, each cut to 300 characters', () => {
    const problems = Array.from({ length: 65 }, (_, i) => `problem ${i} ${'x'.repeat(400)}`);
    const lines = listedProblems(problems).split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[0]).toHaveLength(301);
    expect(lines[20]).toBe('and 45 more problems');
    expect(listedProblems(['one', 'two'])).toBe('one\ntwo');
  });
});
