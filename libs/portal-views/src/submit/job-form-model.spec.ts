import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { checkJobForm, defaultJobName, durationSeconds, EMPTY_JOB_FORM, JOB_FORM_LIMITS as L, type JobFormFields, memoryMiB } from './job-form-model';

const form = (patch: Partial<JobFormFields>): JobFormFields => ({ ...EMPTY_JOB_FORM, image: 'lab/cairn-examples:1', command: 'python3\n-c\nprint(1)', ...patch });

describe('checkJobForm', () => {
  it('turns the fields into a spec: one argument per line, NAME=value env, resources, items', () => {
    const { errors, spec } = checkJobForm(
      form({ command: 'echo\n${{ item }}\n', env: 'A=1\nB=x=y\n', cpus: '2', memory: '4G', time: '1:30:00', partition: 'debug', items: 'a\nb c\n', throttle: '4' }),
    );
    expect(errors).toEqual({});
    expect(spec).toEqual({
      name: 'cairn-examples',
      image: 'lab/cairn-examples:1',
      command: ['echo', '${{ item }}'],
      env: { A: '1', B: 'x=y' },
      resources: { cpus: 2, memoryMb: 4096, timeLimitSeconds: 5400, partition: 'debug' },
      array: { items: ['a', 'b c'], itemsPerElement: 1, throttle: 4 },
    });
  });

  it('leaves resources out when none is given (the site\'s defaults), and 0 for each one not given', () => {
    expect(checkJobForm(form({})).spec?.resources).toBeUndefined();
    expect(checkJobForm(form({ cpus: '3' })).spec?.resources).toEqual({ cpus: 3, memoryMb: 0, timeLimitSeconds: 0, partition: '' });
  });

  it('takes every limit at its maximum', () => {
    const command = ['x'.repeat(L.maxArgBytes), ...Array.from({ length: L.maxArgs - 2 }, () => 'a'), '${{ item }}'].join('\n');
    const env = Array.from({ length: L.maxEnv }, (_, i) => `V${i}=v`).join('\n');
    const items = Array.from({ length: L.maxItems }, (_, i) => String(i)).join('\n');
    const { errors, spec } = checkJobForm(form({ command, env, items, cpus: '1024', memory: '16T', time: '30d' }));
    expect(errors).toEqual({});
    expect(spec?.command).toHaveLength(L.maxArgs);
    expect(spec?.array?.items).toHaveLength(L.maxItems);
    expect(spec?.array?.itemsPerElement).toBe(10);
    expect(spec?.resources).toEqual({ cpus: 1024, memoryMb: L.maxMemoryMb, timeLimitSeconds: L.maxTimeLimitSeconds, partition: '' });
  });

  it.each<[string, Partial<JobFormFields>, keyof JobFormFields | 'total', RegExp]>([
    ['no image', { image: '' }, 'image', /Give the image/],
    ['an image with a space', { image: 'lab/x 1' }, 'image', /spaces/],
    ['no command', { command: '' }, 'command', /Give the command/],
    ['257 arguments', { command: Array.from({ length: 257 }, () => 'a').join('\n') }, 'command', /257 arguments; at most 256/],
    ['an argument of 4097 bytes', { command: `echo\n${'x'.repeat(4097)}` }, 'command', /Argument 2 is 4097 bytes; at most 4096/],
    ['a tab in an argument', { command: 'echo\na\tb' }, 'command', /control character/],
    ['a bad name', { name: '-x' }, 'name', /letters, digits/],
    ['65 variables', { env: Array.from({ length: 65 }, (_, i) => `V${i}=1`).join('\n') }, 'env', /65 variables; at most 64/],
    ['a reserved variable', { env: 'SLURM_JOB_ID=1' }, 'env', /reserved/],
    ['a variable twice', { env: 'A=1\nA=2' }, 'env', /Line 2: A is set twice/],
    ['an env line without =', { env: 'A' }, 'env', /NAME=value/],
    ['1025 CPUs', { cpus: '1025' }, 'cpus', /from 1 to 1024/],
    ['0 CPUs', { cpus: '0' }, 'cpus', /from 1 to 1024/],
    ['17T of memory', { memory: '17T' }, 'memory', /from 1 MiB to 16T/],
    ['memory in parsecs', { memory: '3pc' }, 'memory', /not a memory size/],
    ['31 days', { time: '31d' }, 'time', /30 days/],
    ['a partition with a space', { partition: 'a b' }, 'partition', /letters, digits/],
    ['10001 items', { command: 'echo\n${{ item }}', items: Array.from({ length: 10_001 }, () => 'a').join('\n') }, 'items', /10001 items; at most 10000/],
    ['1001 elements', { command: 'echo\n${{ item }}', items: Array.from({ length: 1001 }, () => 'a').join('\n'), itemsPerElement: '1' }, 'itemsPerElement', /1001 array elements; at most 1000/],
    ['items without ${{ item }}', { items: 'a\nb' }, 'command', /\$\{\{ item \}\}/],
    ['over 128 KiB in all', { command: Array.from({ length: 33 }, () => 'x'.repeat(4000)).join('\n') }, 'total', /at most 131072/],
  ])('refuses %s with a message on the field', (_what, patch, field, message) => {
    const { errors, spec } = checkJobForm(form(patch));
    expect(spec).toBeUndefined();
    expect(errors[field]).toMatch(message);
  });

  it('never throws on any text in any field', () => {
    const text = fc.string({ maxLength: 80, unit: 'grapheme' });
    fc.assert(
      fc.property(fc.record({ name: text, image: text, command: text, env: text, cpus: text, memory: text, time: text, partition: text, items: text, itemsPerElement: text, throttle: text }), (f) => {
        const { errors, spec } = checkJobForm(f);
        expect(spec === undefined).toBe(Object.keys(errors).length > 0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('quantities as the CLI reads them', () => {
  it('reads durations and memory sizes', () => {
    expect(['90', '90s', '15m', '2h', '1d', '1:30:00', '5:00'].map(durationSeconds)).toEqual([90, 90, 900, 7200, 86_400, 5400, 300]);
    expect(['512', '512M', '4G', '2GiB', '1t'].map(memoryMiB)).toEqual([512, 512, 4096, 2048, 1_048_576]);
    expect(durationSeconds('soon')).toBeUndefined();
    expect(memoryMiB('lots')).toBeUndefined();
  });

  it('names a job after its image when no name is given', () => {
    expect(defaultJobName('127.0.0.1:5000/lab/python-numpy:1')).toBe('python-numpy');
    expect(defaultJobName('x@sha256:abc')).toBe('x');
    expect(defaultJobName('')).toBe('job');
  });
});
