import { CairnError } from './errors';
import { JOB_DEFAULTS, jobSpecSchema, publicJobSpecSchema } from './job-spec';
import { parseOrThrow } from './parse';

const valid = {
  name: 'train-1',
  image: 'lab/busybox:1.36',
  command: ['/bin/echo', '$(touch /tmp/pwned)', "it's; fine"],
  env: { GREETING: 'hello, $USER' },
  resources: { ...JOB_DEFAULTS },
  site: 'dev',
};

function messageFor(spec: unknown): string {
  try {
    parseOrThrow(jobSpecSchema, spec, 'spec');
  } catch (error) {
    expect(error).toBeInstanceOf(CairnError);
    return (error as CairnError).message;
  }
  throw new Error('expected the spec to be refused');
}

describe('jobSpecSchema', () => {
  it('accepts shell syntax in arguments and env values: they never meet a shell', () => {
    expect(parseOrThrow(jobSpecSchema, valid)).toEqual(valid);
  });

  it.each([
    [{ command: [] }, 'spec.command: must have at least one argument (the program to run)'],
    [{ command: ['/bin/echo', 'a\n#SBATCH --uid=0'] }, 'spec.command[1]: contains a newline; control characters are not allowed'],
    [{ command: ['/bin/echo', 'a\u0000b'] }, 'spec.command[1]: contains a NUL byte; control characters are not allowed'],
    [{ name: '$(id)' }, 'spec.name: must be a job name: letters, digits, ".", "-" and "_", starting with a letter or digit'],
    [{ env: { 'BAD NAME': 'x' } }, 'spec.env["BAD NAME"]: must be a variable name: letters, digits and "_", not starting with a digit'],
    [{ env: { SLURM_JOB_ID: 'x' } }, 'spec.env.SLURM_JOB_ID: must not start with SLURM_ or CAIRN_ (reserved)'],
    [{ env: { OK: 'a\rb' } }, 'spec.env.OK: contains a carriage return; control characters are not allowed'],
    [{ image: 'Busybox:latest' }, 'spec.image: must be an image reference: repository path component 1 "Busybox": repository names must be lower case'],
    [{ resources: { ...JOB_DEFAULTS, cpus: 0 } }, 'spec.resources.cpus: must be at least 1'],
    [{ resources: { ...JOB_DEFAULTS, partition: 'a b' } }, 'spec.resources.partition: must be a partition name: letters, digits, "-" and "_"'],
    [{ site: 'Site' }, 'spec.site: must be a site name: lower-case letters, digits and "-", starting with a letter'],
    [{ extra: 1 }, 'spec: unknown field "extra"'],
  ])('refuses %j with a message naming the field', (patch, message) => {
    expect(messageFor({ ...valid, ...patch })).toBe(message);
  });

  it('accepts an item array and refuses one that would make over 1000 elements', () => {
    expect(parseOrThrow(jobSpecSchema, { ...valid, array: { items: ['a', 'b'], itemsPerElement: 1 } }).array).toEqual({ items: ['a', 'b'], itemsPerElement: 1 });
    expect(messageFor({ ...valid, array: { items: Array.from({ length: 1001 }, String), itemsPerElement: 1 } })).toBe(
      'spec.array: makes more than 1000 array elements: pack more items per element',
    );
    expect(messageFor({ ...valid, array: { items: ['x'], itemsPerElement: 0 } })).toMatch(/^spec\.array\.itemsPerElement: /);
  });

  it('bounds arguments in bytes, not characters', () => {
    expect(messageFor({ ...valid, command: ['/bin/echo', 'é'.repeat(2049)] })).toBe(
      'spec.command[1]: is 4098 bytes; at most 4096 allowed',
    );
  });
});

describe('publicJobSpecSchema (what a client may submit)', () => {
  const run = { id: '7a0e5c1d-0000-4000-8000-0000000000aa', stepDir: 'train' };
  it('accepts what the internal schema accepts, minus the internal fields', () => {
    expect(parseOrThrow(publicJobSpecSchema, valid)).toEqual(valid);
    expect(parseOrThrow(jobSpecSchema, { ...valid, run })).toMatchObject({ run });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['run', { run }, "spec.run: is internal (a workflow step's run directory, set by Cairn itself); a submitted job cannot carry it"],
    ['array.indices', { array: { items: ['a'], itemsPerElement: 1, indices: [4] } }, 'spec.array.indices: is internal'],
    ['resources.nodes', { resources: { ...JOB_DEFAULTS, nodes: 2 } }, 'spec.resources.nodes: is internal'],
    ['resources.gpus', { resources: { ...JOB_DEFAULTS, gpus: 1 } }, 'spec.resources.gpus: is internal'],
    ['resources.gpuType', { resources: { ...JOB_DEFAULTS, gpuType: 'a100' } }, 'spec.resources.gpuType: is internal'],
  ])('refuses %s with INVALID_ARGUMENT naming it', (_field, patch, message) => {
    let error: unknown;
    try {
      parseOrThrow(publicJobSpecSchema, { ...valid, ...patch }, 'spec');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CairnError);
    expect((error as CairnError).code).toBe('INVALID_ARGUMENT');
    expect((error as CairnError).message).toContain(message);
  });
});
