import { z } from 'zod';
import { databaseSettings, intIn, setting } from '@cairn/config';
import { SITE_PATTERN } from '@cairn/contracts';

/** The scheduler's job settings and its database: docs/configuration.md, "scheduler". */
export const jobsSettings = {
  ...databaseSettings,
  sites: setting(
    'CAIRN_SITES',
    z
      .string()
      .default('dev')
      .transform((s) => s.split(',').map((x) => x.trim()))
      .refine((sites) => sites.every((x) => SITE_PATTERN.test(x)), 'expected comma-separated site names'),
    'the sites (clusters) jobs may go to',
  ),
  dispatchIntervalMs: setting('CAIRN_DISPATCH_INTERVAL_MS', intIn(50, 60_000, 1000), 'how often undelivered commands are retried'),
  maxActiveJobsPerPerson: setting('CAIRN_MAX_ACTIVE_JOBS_PER_PERSON', intIn(1, 1_000_000, 1000), 'most jobs one person may have not yet finished (submitted directly)'),
  maxActiveJobsPerProject: setting('CAIRN_MAX_ACTIVE_JOBS_PER_PROJECT', intIn(1, 10_000_000, 5000), 'most jobs one project (Slurm account) may have not yet finished (submitted directly)'),
};
