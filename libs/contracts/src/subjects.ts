/**
 * Every NATS subject Cairn uses, in one place. Request/reply subjects carry commands and
 * queries; `*.events.*` subjects are captured by JetStream streams.
 */
export const subjects = {
  health: (service: string) => `cairn.health.${service}`,
  scheduler: {
    submitJob: 'cairn.scheduler.jobs.submit',
    /** Several SubmitJobs in one request, each with its own caller and its own answer (JobsClient batches those made together). */
    submitJobs: 'cairn.scheduler.jobs.submit-many',
    getJob: 'cairn.scheduler.jobs.get',
    listJobs: 'cairn.scheduler.jobs.list',
    cancelJob: 'cairn.scheduler.jobs.cancel',
    jobOutput: 'cairn.scheduler.jobs.output',
    jobsById: 'cairn.scheduler.jobs.by-id',
    /** The caller's unfinished jobs, and their accounts', against the run limits (JobService.GetJobUsage). */
    jobUsage: 'cairn.scheduler.jobs.usage',
    planWorkflow: 'cairn.scheduler.workflows.plan',
    submitWorkflow: 'cairn.scheduler.workflows.submit',
    getWorkflow: 'cairn.scheduler.workflows.get',
    listWorkflows: 'cairn.scheduler.workflows.list',
    cancelWorkflow: 'cairn.scheduler.workflows.cancel',
    /** The caller's running runs, and their accounts', against the run limits (WorkflowService.GetWorkflowUsage). */
    workflowUsage: 'cairn.scheduler.workflows.usage',
    /** The audit log, for admins (AuditService.ListAuditEvents). */
    listAudit: 'cairn.scheduler.audit.list',
    /** Workflow templates (TemplateService): published by admins, run by everyone signed in. */
    listTemplates: 'cairn.scheduler.templates.list',
    getTemplate: 'cairn.scheduler.templates.get',
    publishTemplate: 'cairn.scheduler.templates.publish',
    deleteTemplate: 'cairn.scheduler.templates.delete',
    runTemplate: 'cairn.scheduler.templates.run',
    /** Which runs are live and whose they are (the images service, before it evicts or lists). */
    runsInfo: 'cairn.scheduler.runs.info',
  },
  /** Denials at the gateway's door, on their way to the audit log (stream CAIRN_AUDIT). */
  auditEvents: 'cairn.audit.events',
  /** The images service (docs/images.md): resolution, the sites' catalogues, eviction. */
  images: {
    resolve: 'cairn.images.resolve',
    /** Make a site hold an image; answered when it is ready (ImageService.MaterializeImage). */
    materialize: 'cairn.images.materialize',
    /** Start materialising an accepted run's image (a publish from the scheduler, no reply). */
    prewarm: 'cairn.images.prewarm',
    list: 'cairn.images.list',
    evict: 'cairn.images.evict',
    /** Each resolution of a reference to a digest (stream CAIRN_IMAGE_EVENTS), for provenance. */
    resolved: 'cairn.images.events.resolved',
  },
  /** ProvenanceService's queries, served by the provenance service (docs/provenance.md). */
  provenance: {
    run: 'cairn.provenance.run',
    lineage: 'cairn.provenance.lineage',
    runSource: 'cairn.provenance.run-source',
  },
  /** Everything an agent hears or says is under its site's prefix (NATS permissions). */
  site: (site: string) => ({
    prefix: `cairn.site.${site}.>`,
    submit: `cairn.site.${site}.agent.submit`,
    cancel: `cairn.site.${site}.agent.cancel`,
    output: `cairn.site.${site}.agent.output`,
    describe: `cairn.site.${site}.agent.describe`,
    /** The site's status now (partitions, queue): SiteService.ListSites asks it. */
    status: `cairn.site.${site}.agent.status`,
    items: `cairn.site.${site}.agent.items`,
    readRunFile: `cairn.site.${site}.agent.run-file`,
    globRun: `cairn.site.${site}.agent.run-glob`,
    health: `cairn.site.${site}.agent.health`,
    attemptEvents: `cairn.site.${site}.events.attempt`,
    /** The site's image catalogue (the images service asks; docs/images.md). */
    imageMaterialize: `cairn.site.${site}.agent.image-materialize`,
    imageList: `cairn.site.${site}.agent.image-list`,
    imageEvict: `cairn.site.${site}.agent.image-evict`,
  }),
  /** A site's conversion progress (core NATS, not kept): `hex` is the digest's 64 hex digits, or `*`. */
  imageProgress: (site: string, hex: string) => `cairn.site.${site}.image-progress.${hex}`,
  /** Job state changes as the scheduler records them, one subject per job. */
  jobEvents: (jobId: string) => `cairn.jobs.events.${jobId}`,
  /** Workflow run changes (run, step, loop iteration), one subject per run. */
  workflowEvents: (runId: string) => `cairn.workflows.events.${runId}`,
} as const;

/** JetStream streams and their subjects. */
export const streams = {
  siteEvents: { name: 'CAIRN_SITE_EVENTS', subjects: ['cairn.site.*.events.>'] },
  jobEvents: { name: 'CAIRN_JOB_EVENTS', subjects: ['cairn.jobs.events.>'] },
  workflowEvents: { name: 'CAIRN_WORKFLOW_EVENTS', subjects: ['cairn.workflows.events.>'] },
  audit: { name: 'CAIRN_AUDIT', subjects: ['cairn.audit.>'] },
  imageEvents: { name: 'CAIRN_IMAGE_EVENTS', subjects: ['cairn.images.events.>'] },
} as const;

/** The scheduler's durable consumer names (consumers.scheduler<Stream> reads streams.<stream>). */
export const consumers = {
  schedulerSiteEvents: 'scheduler-site-events',
  schedulerAudit: 'scheduler-audit',
} as const;

/** The provenance service's durable consumers, one per stream it records. */
export const provenanceConsumers = {
  jobEvents: 'provenance-job-events',
  workflowEvents: 'provenance-workflow-events',
  imageEvents: 'provenance-image-events',
} as const;
