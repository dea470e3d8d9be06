import type { JobFacts, JobSpec, Owner } from '@cairn/contracts';

/** What the ACCEPTED transition records of a new job. */
export interface AcceptedJob {
  spec: JobSpec;
  owner: Owner;
  account: string;
  /** The pinned reference the job runs ("<registry>/<repo>@sha256:<hex>"), and its digest. */
  imagePinned: string;
  imageDigest: string;
}

/**
 * The provenance facts of a job, as its ACCEPTED event carries them (docs/provenance.md):
 * everything comes from the validated spec and the scheduler's own records, so the
 * facts are bounded by JOB_LIMITS (command and items) and the run dir's limits (uses).
 */
export function jobFacts(job: AcceptedJob): JobFacts {
  const { spec } = job;
  const resources: Record<string, number | string> = {};
  for (const [name, value] of Object.entries(spec.resources)) if (value !== undefined) resources[name] = value;
  return {
    owner: job.owner,
    account: job.account,
    site: spec.site,
    name: spec.name,
    image: spec.image,
    imageRef: job.imagePinned,
    digest: job.imageDigest,
    command: [...spec.command],
    resources,
    items: spec.array?.items.length ?? 0,
    ...(spec.run
      ? {
          runId: spec.run.id,
          stepDir: spec.run.stepDir,
          ...(spec.run.uses && spec.run.uses.length > 0 ? { uses: [...spec.run.uses] } : {}),
        }
      : {}),
  };
}
