import { pb } from '@cairn/contracts';
import { EncodedOnce } from '@cairn/grpc-server';
import { toPbJob } from './job.mapper';
import type { ListPage } from './job-list-memory';

/**
 * ListJobs answers, made and encoded once per page object (EncodedOnce): a page the list
 * memory keeps (ADR 0019) is the same object for as long as it is kept, so every call it
 * answers sends the same bytes. The service definition's ListJobs serializer is `serialize`.
 */
export const listAnswers = new EncodedOnce<ListPage, pb.ListJobsResponse>(
  (page) => ({ jobs: page.jobs.map(toPbJob), nextPageToken: page.nextPageToken }),
  (answer) => pb.ListJobsResponse.encode(answer).finish(),
);
