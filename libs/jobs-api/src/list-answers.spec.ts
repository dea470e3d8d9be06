import fc from 'fast-check';
import { JOB_STATES, type JobRecord, pb } from '@cairn/contracts';
import { toPbJob } from './job.mapper';
import type { ListPage } from './job-list-memory';
import { listAnswers } from './list-answers';

const listAnswer = (page: ListPage) => listAnswers.answer(page);
const serializeListAnswer = listAnswers.serialize;

const text = fc.string({ maxLength: 20 });

const recordArb: fc.Arbitrary<JobRecord> = fc.record({
  jobId: fc.uuid(),
  spec: fc.record({
    name: text,
    image: text,
    command: fc.array(text, { minLength: 1, maxLength: 4 }),
    env: fc.dictionary(text, text, { maxKeys: 3 }),
    resources: fc.record({ cpus: fc.integer({ min: 1, max: 64 }), memoryMb: fc.integer({ min: 1, max: 1 << 20 }), timeLimitSeconds: fc.integer({ min: 1, max: 86_400 }) }),
    site: text,
    array: fc.option(fc.record({ items: fc.array(text, { maxLength: 3 }), itemsPerElement: fc.integer({ min: 1, max: 100 }) }), { nil: undefined }),
  }),
  imageDigest: text,
  state: fc.constantFrom(...JOB_STATES),
  exitCode: fc.option(fc.integer({ min: 0, max: 255 }), { nil: null }),
  slurmJobId: text,
  reason: text,
  attemptId: text,
  createTime: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  updateTime: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  owner: fc.record({ issuer: text, subject: text, name: text, posixUser: text }),
  account: text,
}) as fc.Arbitrary<JobRecord>;

const pageArb: fc.Arbitrary<ListPage> = fc.record({ jobs: fc.array(recordArb, { maxLength: 8 }), nextPageToken: text });

/** What the generated code sends for a page, answer made and encoded afresh. */
const generated = (page: ListPage) => Buffer.from(pb.ListJobsResponse.encode({ jobs: page.jobs.map(toPbJob), nextPageToken: page.nextPageToken }).finish());

describe('ListJobs answers of kept pages', () => {
  it('are the generated encoder\'s bytes for any page, the first time and every time after', () => {
    fc.assert(
      fc.property(pageArb, (page) => {
        const first = serializeListAnswer(listAnswer(page));
        expect(first.equals(generated(page))).toBe(true);
        expect(serializeListAnswer(listAnswer(page)).equals(generated(page))).toBe(true);
        expect(pb.ListJobsResponse.decode(first)).toEqual(pb.ListJobsResponse.decode(generated(page)));
      }),
      { numRuns: 200 },
    );
  });

  it('are made and encoded once per page object: the same answer and the same bytes while the page lives', () => {
    const page = fc.sample(pageArb.filter((p) => p.jobs.length > 0), { numRuns: 1, seed: 7 })[0] as ListPage;
    const answer = listAnswer(page);
    expect(listAnswer(page)).toBe(answer);
    const bytes = serializeListAnswer(answer);
    expect(serializeListAnswer(answer)).toBe(bytes);
    // Another page object, even with the same jobs (the memory asked again), gets its own answer.
    const again: ListPage = { jobs: [...page.jobs], nextPageToken: page.nextPageToken };
    expect(listAnswer(again)).not.toBe(answer);
    expect(serializeListAnswer(listAnswer(again)).equals(bytes)).toBe(true);
  });

  it('encode any other answer object afresh each time, as the generated serializer does', () => {
    const page = fc.sample(pageArb, { numRuns: 1, seed: 11 })[0] as ListPage;
    const other: pb.ListJobsResponse = { jobs: page.jobs.map(toPbJob), nextPageToken: page.nextPageToken };
    const first = serializeListAnswer(other);
    other.nextPageToken = `${other.nextPageToken}-changed`;
    const second = serializeListAnswer(other);
    expect(second).not.toBe(first);
    expect(pb.ListJobsResponse.decode(second).nextPageToken).toBe(`${page.nextPageToken}-changed`);
  });
});
