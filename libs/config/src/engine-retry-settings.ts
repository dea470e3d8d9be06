import { setting } from './load-config';
import { intIn } from './common-settings';

/**
 * How the scheduler's workflow engine retries a site's agent (or the job service) that
 * does not answer: backoff from the first delay, doubling up to the longest, and the step
 * fails once the site has not answered for the budget.
 */
export const engineRetrySettings = {
  engineRetryFirstMs: setting('CAIRN_ENGINE_RETRY_FIRST_MS', intIn(10, 3_600_000, 1000), 'first wait before the workflow engine asks a site that did not answer again'),
  engineRetryMaxMs: setting('CAIRN_ENGINE_RETRY_MAX_MS', intIn(10, 3_600_000, 60_000), 'longest wait between two tries of a site that does not answer'),
  engineUnreachableSeconds: setting(
    'CAIRN_ENGINE_UNREACHABLE_SECONDS',
    intIn(1, 7 * 24 * 3600, 900),
    'how long a site may not answer before the step that needs it fails ("site <x> unreachable for ...")',
  ),
};
