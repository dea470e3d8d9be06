import { CairnError, pb } from '@cairn/contracts';
import { toListQuery, toOutputQuery, toPbJob, toSubmitCommand } from './job.mapper';

const request = (spec: Partial<pb.JobSpec>): Omit<pb.SubmitJobRequest, 'account'> => ({
  spec: { name: 'j', image: 'lab/busybox:1.36', command: ['/bin/true'], env: {}, site: '', resources: undefined, array: undefined, ...spec },
  requestId: '',
});

describe('toSubmitCommand', () => {
  it('fills in the default site and resources', () => {
    expect(toSubmitCommand(request({}), 'dev')).toEqual({
      spec: {
        name: 'j',
        image: 'lab/busybox:1.36',
        command: ['/bin/true'],
        env: {},
        resources: { cpus: 1, memoryMb: 1024, timeLimitSeconds: 3600 },
        site: 'dev',
      },
    });
  });

  it('keeps given resources and the request id', () => {
    const command = toSubmitCommand(
      { ...request({ resources: { cpus: 4, memoryMb: 2048, timeLimitSeconds: 60, partition: 'gpu' } }), requestId: 'r-1' },
      'dev',
    );
    expect(command.spec.resources).toEqual({ cpus: 4, memoryMb: 2048, timeLimitSeconds: 60, partition: 'gpu' });
    expect(command.requestId).toBe('r-1');
  });

  it('refuses a request without a spec', () => {
    expect(() => toSubmitCommand({ spec: undefined, requestId: '' }, 'dev')).toThrow(new CairnError('INVALID_ARGUMENT', 'spec: is required'));
  });
});

describe('toListQuery and toOutputQuery', () => {
  it('defaults the page size and maps states', () => {
    expect(toListQuery({ pageSize: 0, pageToken: '', states: [pb.JobState.JOB_STATE_FAILED], site: '', namePrefix: '' })).toEqual({
      pageSize: 50,
      states: ['FAILED'],
    });
  });
  it('refuses UNSPECIFIED as a filter and oversized pages', () => {
    expect(() => toListQuery({ pageSize: 0, pageToken: '', states: [0], site: '', namePrefix: '' })).toThrow(/states\[0\]: 0 is not a job state/);
    expect(() => toListQuery({ pageSize: 501, pageToken: '', states: [], site: '', namePrefix: '' })).toThrow(/page_size/);
  });
  it('reads STDERR and defaults max bytes', () => {
    expect(toOutputQuery({ jobId: '3f1c2b4a-0000-4000-8000-000000000001', stream: pb.OutputStream.OUTPUT_STREAM_STDERR, maxBytes: 0 })).toEqual({
      jobId: '3f1c2b4a-0000-4000-8000-000000000001',
      stream: 'stderr',
      maxBytes: 65536,
    });
  });
});

describe('toPbJob', () => {
  it('leaves exit_code unset until the job has one', () => {
    const record = {
      jobId: '3f1c2b4a-0000-4000-8000-000000000001',
      spec: { name: 'j', image: 'i', command: ['c'], env: {}, resources: { cpus: 1, memoryMb: 1, timeLimitSeconds: 1 }, site: 'dev' },
      imageDigest: 'r/i@sha256:' + 'a'.repeat(64),
      state: 'RUNNING' as const,
      exitCode: null,
      slurmJobId: '7',
      reason: '',
      attemptId: 'a',
      createTime: '2026-11-25T08:00:00.000Z',
      updateTime: '2026-11-25T08:00:01.000Z',
      owner: { issuer: 'https://idp', subject: 'alice', name: 'alice', posixUser: 'alice' },
      account: 'genomics',
    };
    expect(toPbJob(record).exitCode).toBeUndefined();
    expect(toPbJob(record)).toMatchObject({ owner: { issuer: 'https://idp', subject: 'alice', name: 'alice', posixUser: 'alice' }, account: 'genomics' });
    expect(toPbJob({ ...record, state: 'FAILED', exitCode: 3 })).toMatchObject({ exitCode: 3, state: pb.JobState.JOB_STATE_FAILED });
  });
});
