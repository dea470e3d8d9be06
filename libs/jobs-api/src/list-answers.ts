import { pb } from '@cairn/contracts';
import { toPbJob } from './job.mapper';
import type { ListPage } from './job-list-memory';

/** The answer made from each page, while the page lives. */
const answers = new WeakMap<ListPage, pb.ListJobsResponse>();
/** The wire form of each answer `listAnswer` made, once encoded, while the answer lives. */
const encodings = new WeakMap<pb.ListJobsResponse, Buffer>();
/** The answers `listAnswer` made (only those are remembered: nobody changes them). */
const made = new WeakSet<pb.ListJobsResponse>();

/**
 * The ListJobs answer of a page, made once per page object. A page the list memory answers
 * from (ADR 0019) is the same object for as long as it is kept, and neither it nor its records
 * change meanwhile, so every call it answers gets the same answer object, which
 * `serializeListAnswer` encodes once. Nothing changes an answer after it is made, and the
 * gateway's grpc-js copies the bytes into each response's frame.
 */
export function listAnswer(page: ListPage): pb.ListJobsResponse {
  let answer = answers.get(page);
  if (!answer) {
    answer = { jobs: page.jobs.map(toPbJob), nextPageToken: page.nextPageToken };
    answers.set(page, answer);
    made.add(answer);
  }
  return answer;
}

/** ListJobs' response serializer: the generated encoder's bytes, remembered for an answer `listAnswer` made. */
export function serializeListAnswer(answer: pb.ListJobsResponse): Buffer {
  const known = encodings.get(answer);
  if (known) return known;
  const bytes = Buffer.from(pb.ListJobsResponse.encode(answer).finish());
  if (made.has(answer)) encodings.set(answer, bytes);
  return bytes;
}
