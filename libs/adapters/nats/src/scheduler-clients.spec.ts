import { schedulerTimeouts } from '@cairn/config';
import { CairnError, type JobRecord, type JobSpec, MAX_SUBMIT_BATCH, ownerOf, subjects, SUBMIT_REPLY_ALLOWANCE } from '@cairn/contracts';
import { as, principals } from '@cairn/testing';
import fc from 'fast-check';
import type { z } from 'zod';
import { JobsClient, type SchedulerRequester } from './jobs.client';
import { NoRespondersError } from './nats-requester';
import { DEFAULT_MAX_PAYLOAD } from './payload-limit';
import { WorkflowsClient } from './workflows.client';

interface Asked {
  subject: string;
  payload: unknown;
  timeoutMs: number | undefined;
}

/** A stand-in transport: records every request and answers from `answer`, through the reply schema. */
function scripted(answer: (subject: string, payload: unknown) => unknown, maxPayload = DEFAULT_MAX_PAYLOAD): SchedulerRequester & { asked: Asked[] } {
  const asked: Asked[] = [];
  return {
    asked,
    request: <S extends z.ZodType>(subject: string, payload: unknown, reply: S, timeoutMs?: number): Promise<z.output<S>> => {
      asked.push({ subject, payload, timeoutMs });
      // A reply the schema refuses rejects, as the real transport's does.
      return new Promise((resolve) => resolve(reply.parse(answer(subject, payload))));
    },
    maxPayload: () => maxPayload,
  };
}

const job = (n: number): JobRecord => ({
  jobId: `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`,
  spec: { name: 'j', image: 'lab/busybox:1.36', command: ['/bin/true'], env: {}, resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 }, site: 'dev' },
  imageDigest: '',
  state: 'ACCEPTED',
  exitCode: null,
  slurmJobId: '',
  reason: '',
  attemptId: 'a',
  createTime: '2026-01-01T00:00:00.000Z',
  updateTime: '2026-01-01T00:00:00.000Z',
  owner: ownerOf(principals.alice),
  account: 'alice-lab',
});

describe('JobsClient', () => {
  it('asks each subject with the shared time-out of that request', async () => {
    const requester = scripted((subject) => (subject === subjects.scheduler.listJobs ? { jobs: [], nextPageToken: '' } : { job: job(1) }));
    const client = new JobsClient(requester);
    await client.submit(job(1).spec, 'r1', as.alice);
    await client.get(job(1).jobId, as.alice);
    await client.cancel(job(1).jobId, as.alice);
    await client.list({ ...as.alice, states: [], pageSize: 10 });
    expect(requester.asked.map((a) => [a.subject, a.timeoutMs])).toEqual([
      [subjects.scheduler.submitJob, schedulerTimeouts.submitJob],
      [subjects.scheduler.getJob, schedulerTimeouts.getJob],
      [subjects.scheduler.cancelJob, schedulerTimeouts.cancelJob],
      [subjects.scheduler.listJobs, schedulerTimeouts.listJobs],
    ]);
    expect(requester.asked[0]?.payload).toEqual({ spec: job(1).spec, requestId: 'r1', ...as.alice });
  });

  describe('submissions made in the same turn', () => {
    const named = (name: string): JobSpec => ({ ...job(1).spec, name });
    type Items = { items: { spec: JobSpec; requestId?: string }[] };
    /** Answers submit-many item by item: "refused" with its own error, "garbled" with a record no schema takes, the rest accepted. */
    const perItem = (payload: unknown) => ({
      results: (payload as Items).items.map(({ spec }) =>
        spec.name === 'refused'
          ? { ok: false, error: { code: 'RESOURCE_EXHAUSTED', message: 'over your run limit' } }
          : spec.name === 'garbled'
            ? { ok: true, data: { job: { jobId: 'x' } } }
            : { ok: true, data: { job: { ...job(1), spec } } },
      ),
    });
    const outcome = (promise: Promise<JobRecord>) => promise.then((j) => j.spec.name, (e: CairnError) => `${e.code}: ${e.message}`);
    const malformed = expect.stringMatching(/^INTERNAL: malformed reply on cairn\.scheduler\.jobs\.submit-many: /) as string;

    it('go in one submit-many request, each with its own caller and its own answer; one with a request id goes alone, and a lone one after it too', async () => {
      const requester = scripted((subject, payload) => (subject === subjects.scheduler.submitJobs ? perItem(payload) : { job: { ...job(1), spec: (payload as { spec: JobSpec }).spec } }));
      const client = new JobsClient(requester);
      const answers = await Promise.all([
        outcome(client.submit(named('a'), undefined, as.alice)),
        outcome(client.submit(named('refused'), undefined, as.bob)),
        outcome(client.submit(named('garbled'), undefined, as.alice)),
        outcome(client.submit(named('again'), 'r1', as.alice)),
        outcome(client.submit(named('b'), undefined, as.carol)),
      ]);
      expect(answers).toEqual(['a', 'RESOURCE_EXHAUSTED: over your run limit', malformed, 'again', 'b']);
      expect(requester.asked.map((a) => [a.subject, a.timeoutMs])).toEqual([
        [subjects.scheduler.submitJobs, schedulerTimeouts.submitJob],
        [subjects.scheduler.submitJob, schedulerTimeouts.submitJob],
        [subjects.scheduler.submitJob, schedulerTimeouts.submitJob],
      ]);
      expect(requester.asked[0]?.payload).toEqual({
        items: [
          { spec: named('a'), requestId: undefined, ...as.alice },
          { spec: named('refused'), requestId: undefined, ...as.bob },
          { spec: named('garbled'), requestId: undefined, ...as.alice },
        ],
      });
      expect(requester.asked[1]?.payload).toEqual({ spec: named('again'), requestId: 'r1', ...as.alice });
    });

    it('a lone submission uses the single subject; an answer with the wrong number of results fails every item of it', async () => {
      const requester = scripted((subject) => (subject === subjects.scheduler.submitJobs ? { results: [{ ok: true, data: { job: job(1) } }] } : { job: job(1) }));
      const client = new JobsClient(requester);
      await expect(client.submit(job(1).spec, undefined, as.alice)).resolves.toEqual(job(1));
      const together = await Promise.all([1, 2].map(() => outcome(client.submit(job(1).spec, undefined, as.alice))));
      expect(together).toEqual([malformed, malformed]);
      expect(together[0]).toContain('1 answers for 2 jobs');
      expect(requester.asked.map((a) => a.subject)).toEqual([subjects.scheduler.submitJob, subjects.scheduler.submitJobs]);
    });

    it('a scheduler that does not serve submit-many yet (no responders) gets each submission alone', async () => {
      const requester = scripted((subject, payload) => {
        if (subject === subjects.scheduler.submitJobs) throw new NoRespondersError(subject);
        return { job: { ...job(1), spec: (payload as { spec: JobSpec }).spec } };
      });
      const client = new JobsClient(requester);
      const names = await Promise.all(['a', 'b', 'c'].map((name) => outcome(client.submit(named(name), undefined, as.alice))));
      expect(names).toEqual(['a', 'b', 'c']);
      expect(requester.asked.map((a) => a.subject)).toEqual([subjects.scheduler.submitJobs, ...Array(3).fill(subjects.scheduler.submitJob)]);
    });

    it('keeps each request within half of max_payload with every item counted with its answer allowance, and within MAX_SUBMIT_BATCH items', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 2, max: 150 }), fc.integer({ min: 4, max: 64 }), fc.integer({ min: 0, max: 3000 }), async (count, maxKiB, argBytes) => {
          const maxPayload = maxKiB * 1024;
          const requester = scripted((subject, payload) => (subject === subjects.scheduler.submitJobs ? perItem(payload) : { job: job(1) }), maxPayload);
          const client = new JobsClient(requester);
          const spec = { ...job(1).spec, command: ['/bin/echo', 'x'.repeat(argBytes)] };
          await Promise.all(Array.from({ length: count }, () => client.submit(spec, undefined, as.alice)));
          let sent = 0;
          for (const { subject, payload } of requester.asked) {
            if (subject === subjects.scheduler.submitJob) {
              sent += 1;
              continue;
            }
            const { items } = payload as Items;
            sent += items.length;
            expect(items.length).toBeLessThanOrEqual(MAX_SUBMIT_BATCH);
            expect(items.reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item)) + SUBMIT_REPLY_ALLOWANCE, 0)).toBeLessThanOrEqual(maxPayload / 2);
          }
          expect(sent).toBe(count);
        }),
        { numRuns: 60 },
      );
    });
  });

  it('asks again for the jobs a full reply left out until every one is answered, whatever the reply sizes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 7 }), async (count, perReply) => {
        const ids = Array.from({ length: count }, (_, i) => job(i).jobId);
        const requester = scripted((_subject, payload) => {
          const asked = (payload as { jobIds: string[] }).jobIds;
          const jobs = asked.slice(0, perReply).map((id) => ({ ...job(0), jobId: id }));
          return asked.length > perReply ? { jobs, remaining: asked.slice(perReply) } : { jobs };
        });
        const jobs = await new JobsClient(requester).byIds(ids);
        expect(jobs.map((j) => j.jobId)).toEqual(ids);
        expect(requester.asked.length).toBe(Math.ceil(count / perReply));
        expect(requester.asked.every((a) => a.timeoutMs === schedulerTimeouts.jobsById)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('stops asking when a reply carries no job (no endless loop on a broken answer)', async () => {
    const requester = scripted(() => ({ jobs: [], remaining: [job(1).jobId] }));
    await expect(new JobsClient(requester).byIds([job(1).jobId])).resolves.toEqual([]);
    expect(requester.asked).toHaveLength(1);
  });

  it('reads a job output page by page into one buffer', async () => {
    const whole = Buffer.from('0123456789abcdefghij');
    const requester = scripted((_subject, payload) => {
      const { offset = 10, end = 20 } = payload as { offset?: number; end?: number };
      const stop = Math.min(end, offset + 4);
      return { dataBase64: whole.subarray(offset, stop).toString('base64'), truncated: true, offset, end };
    });
    const out = await new JobsClient(requester).output({ jobId: job(1).jobId, stream: 'stdout', maxBytes: 10, ...as.alice });
    expect(out).toEqual({ data: whole.subarray(10, 20), truncated: true });
    expect(requester.asked.every((a) => a.subject === subjects.scheduler.jobOutput && a.timeoutMs === schedulerTimeouts.jobOutputPage)).toBe(true);
  });

  it('takes other time-outs when given', async () => {
    const requester = scripted(() => ({ job: job(1) }));
    await new JobsClient(requester, { ...schedulerTimeouts, getJob: 5 }).get(job(1).jobId, as.alice);
    expect(requester.asked[0]?.timeoutMs).toBe(5);
  });
});

describe('WorkflowsClient', () => {
  it('asks each subject with the shared time-out, and sends a request id only when there is one', async () => {
    const requester = scripted(() => ({ workflows: [], nextPageToken: '' }));
    const client = new WorkflowsClient(requester);
    await client.list({ ...as.alice, states: [], pageSize: 5 });
    expect(requester.asked).toEqual([{ subject: subjects.scheduler.listWorkflows, payload: { ...as.alice, states: [], pageSize: 5 }, timeoutMs: schedulerTimeouts.listWorkflows }]);
    const failing = scripted(() => ({}));
    const command = { source: 'x', fileName: 'w.yaml', defaultSite: 'dev', ...as.alice };
    await expect(new WorkflowsClient(failing).submit(command)).rejects.toThrow();
    await expect(new WorkflowsClient(failing).submit(command, 'r-1')).rejects.toThrow();
    await expect(new WorkflowsClient(failing).plan(command)).rejects.toThrow();
    await expect(new WorkflowsClient(failing).get('r', as.alice)).rejects.toThrow();
    await expect(new WorkflowsClient(failing).cancel('r', as.alice)).rejects.toThrow();
    expect(failing.asked.map((a) => [a.subject, a.timeoutMs])).toEqual([
      [subjects.scheduler.submitWorkflow, schedulerTimeouts.submitWorkflow],
      [subjects.scheduler.submitWorkflow, schedulerTimeouts.submitWorkflow],
      [subjects.scheduler.planWorkflow, schedulerTimeouts.planWorkflow],
      [subjects.scheduler.getWorkflow, schedulerTimeouts.getWorkflow],
      [subjects.scheduler.cancelWorkflow, schedulerTimeouts.cancelWorkflow],
    ]);
    expect(failing.asked[0]?.payload).toEqual(command);
    expect(failing.asked[1]?.payload).toEqual({ ...command, requestId: 'r-1' });
  });
});
