import fc from 'fast-check';
import {
  buildSbatchArgs,
  parseArrayTaskId,
  parseClusterLimits,
  classifySlurmState,
  formatTimeLimit,
  InvalidBatchJobError,
  parseSbatchOutput,
  parseSqueueOutput,
  sbatchEnvironment,
  SQUEUE_FORMAT,
} from './slurm-args';
import type { BatchJob } from './slurm.types';

const job: BatchJob = {
  name: 'cairn-3f1c',
  comment: 'cairn-3f1c',
  scriptPath: '/var/lib/cairn/a/job.sh',
  workDir: '/var/lib/cairn/a',
  stdoutPath: '/var/lib/cairn/a/stdout',
  stderrPath: '/var/lib/cairn/a/stderr',
  cpus: 2,
  memoryMb: 512,
  timeLimitSeconds: 90,
};

describe('buildSbatchArgs', () => {
  it('builds --opt=value arguments with the script last', () => {
    expect(buildSbatchArgs({ ...job, partition: 'gpu-a100' })).toEqual([
      '--parsable',
      '--job-name=cairn-3f1c',
      '--comment=cairn-3f1c',
      '--chdir=/var/lib/cairn/a',
      '--output=/var/lib/cairn/a/stdout',
      '--error=/var/lib/cairn/a/stderr',
      '--ntasks=1',
      '--cpus-per-task=2',
      '--mem=512M',
      '--time=0-00:02:00',
      '--partition=gpu-a100',
      '/var/lib/cairn/a/job.sh',
    ]);
  });

  it('makes an array job with %a output paths', () => {
    const args = buildSbatchArgs({ ...job, array: '0-33%8', stdoutPath: '/var/lib/cairn/a/out-%a', stderrPath: '/var/lib/cairn/a/err-%A_%a' });
    expect(args).toContain('--array=0-33%8');
    expect(args).toContain('--output=/var/lib/cairn/a/out-%a');
    expect(args).toContain('--error=/var/lib/cairn/a/err-%A_%a');
  });

  it('asks for nodes and typed or untyped GPUs only when wanted', () => {
    expect(buildSbatchArgs({ ...job, nodes: 1, gpus: 0 }).filter((a) => /^--(nodes|gres)/.test(a))).toEqual([]);
    expect(buildSbatchArgs({ ...job, nodes: 4, gpus: 2, gpuType: 'a100' })).toEqual(expect.arrayContaining(['--nodes=4', '--gres=gpu:a100:2']));
    expect(buildSbatchArgs({ ...job, gpus: 1 })).toContain('--gres=gpu:1');
  });

  it('runs the job as another user with --uid, --gid and --export=ALL together, never --uid alone', () => {
    const args = buildSbatchArgs({ ...job, runAs: { user: 'cairn-job', group: 'cairn-job' } });
    expect(args.slice(-4)).toEqual(['--uid=cairn-job', '--gid=cairn-job', '--export=ALL', '/var/lib/cairn/a/job.sh']);
    expect(buildSbatchArgs({ ...job, runAs: { user: '1001', group: '1001' } })).toEqual(expect.arrayContaining(['--uid=1001', '--gid=1001', '--export=ALL']));
    expect(buildSbatchArgs(job).filter((a) => /^--(uid|gid|export)/.test(a))).toEqual([]);
  });

  it.each([
    ['user', { runAs: { user: 'root --export=ALL', group: 'g' } }],
    ['user', { runAs: { user: '', group: 'g' } }],
    ['user', { runAs: { user: '-1', group: 'g' } }],
    ['user', { runAs: { user: 'Alice', group: 'g' } }],
    ['user', { runAs: { user: 'a'.repeat(33), group: 'g' } }],
    ['user', { runAs: { user: 'a\n#SBATCH --uid=0', group: 'g' } }],
    ['group', { runAs: { user: 'u', group: 'g,0' } }],
    ['group', { runAs: { user: 'u', group: '$(id)' } }],
    ['group', { runAs: { user: 'u', group: '12345678901' } }],
    ['gpu type', { gpus: 1, gpuType: 'a100,mps:1' }],
    ['gpus', { gpus: 65 }],
    ['nodes', { nodes: 0 }],
    ['name', { name: 'x\n#SBATCH --uid=0' }],
    ['array', { array: '0-5,7' }],
    ['array', { array: '9-3' }],
    ['array', { array: '0-9%0' }],
    ['array', { array: '0-9 --uid=0' }],
    ['stdout path', { stdoutPath: '/a/%x' }],
    ['name', { name: '$(touch /tmp/pwned)' }],
    ['comment', { comment: 'a b' }],
    ['partition', { partition: 'debug --uid=0' }],
    ['script path', { scriptPath: 'relative/job.sh' }],
    ['work dir', { workDir: '/a/../etc' }],
    ['cpus', { cpus: 0 }],
    ['time limit', { timeLimitSeconds: 1.5 }],
  ])('refuses an unsafe %s', (_what, patch) => {
    expect(() => buildSbatchArgs({ ...job, ...patch })).toThrow(InvalidBatchJobError);
  });
});

describe('formatTimeLimit', () => {
  it.each([
    [5, '0-00:01:00'],
    [60, '0-00:01:00'],
    [3600, '0-01:00:00'],
    [90061, '1-01:02:00'],
  ])('%d s is %s', (seconds, text) => expect(formatTimeLimit(seconds)).toBe(text));
});

describe('parseSbatchOutput', () => {
  it('reads the id, with or without a cluster', () => {
    expect(parseSbatchOutput('123\n')).toBe('123');
    expect(parseSbatchOutput('77;cairn-dev\n')).toBe('77');
  });
  it('refuses anything else', () => {
    expect(() => parseSbatchOutput('sbatch: error: Batch job submission failed')).toThrow(/unexpected sbatch output/);
  });
});

describe('parseSqueueOutput', () => {
  it('accepts a job with an empty name (any user can submit one)', () => {
    const sep = SQUEUE_FORMAT.charAt(2);
    expect(parseSqueueOutput(['432', '', 'COMPLETED', 'None', 'vm', 'root', '(null)'].join(sep))).toEqual([
      { jobId: '432', name: '', state: 'COMPLETED', reason: 'None', nodes: 'vm', user: 'root', comment: '(null)' },
    ]);
  });

  it('refuses a line without a job id or state', () => {
    const sep = SQUEUE_FORMAT.charAt(2);
    expect(() => parseSqueueOutput(['', 'x', '', '', '', '', ''].join(sep))).toThrow(/unexpected squeue line/);
  });

  it('splits the fields and keeps separators inside the comment', () => {
    const sep = SQUEUE_FORMAT.charAt(2);
    const out = [
      ['12', 'cairn-a', 'RUNNING', 'None', 'node1', 'cairn-job', 'cairn-a'].join(sep),
      ['13_4', 'other', 'PENDING', 'Resources', '', 'alice', `odd${sep}comment`].join(sep),
      '',
    ].join('\n');
    expect(parseSqueueOutput(out)).toEqual([
      { jobId: '12', name: 'cairn-a', state: 'RUNNING', reason: 'None', nodes: 'node1', user: 'cairn-job', comment: 'cairn-a' },
      { jobId: '13_4', name: 'other', state: 'PENDING', reason: 'Resources', nodes: '', user: 'alice', comment: `odd${sep}comment` },
    ]);
  });
});

describe('classifySlurmState', () => {
  it.each([
    ['PENDING', 'PENDING'],
    ['COMPLETING', 'RUNNING'],
    ['COMPLETED', 'COMPLETED'],
    ['OUT_OF_MEMORY', 'FAILED'],
    ['CANCELLED by 0', 'CANCELLED'],
    ['TIMEOUT', 'TIMEOUT'],
  ])('%s is %s', (state, expected) => expect(classifySlurmState(state)).toBe(expected));
  it('returns undefined for an unknown state', () => expect(classifySlurmState('WEIRD')).toBeUndefined());
});

describe('parseClusterLimits', () => {
  it('reads MaxArraySize and MaxJobCount', () => {
    const out = 'Configuration data as of 2026-11-25T08:00:00\nMaxArraySize            = 1001\nMaxJobCount             = 100000\nMaxJobId = 67043328\n';
    expect(parseClusterLimits(out)).toEqual({ maxArraySize: 1001, maxJobCount: 100000 });
  });
  it('says which limit is missing', () => {
    expect(() => parseClusterLimits('MaxJobCount = 5\n')).toThrow('scontrol show config printed no MaxArraySize');
  });
});

describe('parseArrayTaskId', () => {
  it.each([
    ['123_4', { jobId: '123', index: 4 }],
    ['123_[5-9%4]', { jobId: '123' }],
    ['77', { jobId: '77' }],
  ])('%s', (id, expected) => expect(parseArrayTaskId(id)).toEqual(expected));
});

describe('sbatchEnvironment (what --export=ALL hands a job run as another user)', () => {
  const runAs = { user: 'cairn-job', group: 'cairn-job' };

  it('keeps only PATH and SLURM_* for a job run as another user, and leaves a job of the agent\'s own user alone', () => {
    const parent = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      SLURM_CONF: '/etc/slurm/slurm.conf',
      HOME: '/root',
      USER: 'root',
      CAIRN_NATS_URL: 'tls://nats:4222',
      CAIRN_DATABASE_URL: 'postgres://cairn:secret@db/cairn',
      SBATCH_EXPORT: 'NONE',
      SBATCH_GET_USER_ENV: '1',
      SLURM_GET_USER_ENV: undefined,
      LD_PRELOAD: '/tmp/x.so',
    };
    expect(sbatchEnvironment({ runAs }, parent)).toEqual({ PATH: '/usr/local/bin:/usr/bin:/bin', SLURM_CONF: '/etc/slurm/slurm.conf' });
    expect(sbatchEnvironment({}, parent)).toBeUndefined();
  });

  it('passes no other variable, whatever the agent\'s environment holds', () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/);
    fc.assert(
      fc.property(fc.dictionary(name, fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), { maxKeys: 30 }), (parent) => {
        const env = sbatchEnvironment({ runAs }, parent) ?? {};
        return Object.entries(env).every(([k, v]) => (k === 'PATH' || /^SLURM_[A-Z0-9_]*$/.test(k)) && parent[k] === v) &&
          Object.entries(parent).every(([k, v]) => v === undefined || !(k === 'PATH' || /^SLURM_[A-Z0-9_]*$/.test(k)) || env[k] === v);
      }),
      { numRuns: 300 },
    );
  });
});
