import { z } from 'zod';
import { CHARLIECLOUD_IMAGE_FORMS, CONTAINER_RUNTIMES } from '@cairn/adapters/container-runtime';
import { intIn, setting } from '@cairn/config';
import { resourceClassSchema, siteName } from '@cairn/contracts';

/** A comma-separated list of POSIX user names (empty by default). */
const userList = z
  .string()
  .default('')
  .transform((text) => text.split(',').map((name) => name.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'expected POSIX user names (lower-case letters, digits, "_" and "-")')).max(10_000));

/** The agent's settings (beside every service's): docs/configuration.md, "agent". */
export const agentSettings = {
  site: setting('CAIRN_SITE', siteName, 'the site (cluster) this agent serves'),
  workDir: setting(
    'CAIRN_AGENT_WORK_DIR',
    z.string().startsWith('/', 'expected an absolute path').optional(),
    'agent directory on a filesystem compute nodes share (default: CAIRN_DATA_DIR/agent/<site>)',
  ),
  runsDir: setting(
    'CAIRN_AGENT_RUNS_DIR',
    z
      .string()
      .regex(/^\/[A-Za-z0-9._/@+=-]*$/, 'expected an absolute path of letters, digits and "._/@+=-" (it is bound into containers)')
      .refine((path) => !path.split('/').includes('..'), 'must not contain ".."')
      .optional(),
    'workflow run directories, <runsDir>/<run id>, on a filesystem compute nodes share (default: <workDir>/runs)',
  ),
  jobUser: setting(
    'CAIRN_AGENT_JOB_USER',
    z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'expected a user name (lower-case letters, digits, "_" and "-")'),
    'the unprivileged user jobs run as (never root; when the agent is not root, its own user)',
  ),
  minUid: setting(
    'CAIRN_AGENT_MIN_UID',
    intIn(1, 2_000_000_000, 1000),
    'the lowest uid a job may run as (a command\'s runAs): system accounts lie below it; root never',
  ),
  allowedUsers: setting(
    'CAIRN_AGENT_ALLOWED_USERS',
    userList,
    'comma-separated POSIX users jobs may run as (empty: every user at or above CAIRN_AGENT_MIN_UID)',
  ),
  deniedUsers: setting('CAIRN_AGENT_DENIED_USERS', userList, 'comma-separated POSIX users jobs never run as (wins over the allow list)'),
  userCacheSeconds: setting(
    'CAIRN_AGENT_USER_CACHE_SECONDS',
    intIn(0, 86_400, 60),
    'how long a user\'s getent answer (and a refusal) is kept before it is asked again',
  ),
  configFile: setting('CAIRN_CONFIG', z.string().min(1).optional(), 'the agent config file (must not be readable by the job user)'),
  pollIntervalMs: setting('CAIRN_POLL_INTERVAL_MS', intIn(100, 600_000, 1000), 'one squeue call per this interval'),
  maxPollIntervalMs: setting(
    'CAIRN_POLL_MAX_INTERVAL_MS',
    intIn(100, 3_600_000, 8000),
    'while listings change nothing, the interval doubles up to this (a submission or cancel polls at once; at or below CAIRN_POLL_INTERVAL_MS: no back-off)',
  ),
  glanceMs: setting(
    'CAIRN_POLL_GLANCE_MS',
    intIn(0, 600_000, 100),
    'between polls, the files the job wrappers write are looked at this often (one lstat of each followed job\'s directory, 64 at most each time): a job\'s start or end then lists at once once the last listing is a poll interval old (0, or at or above CAIRN_POLL_INTERVAL_MS: only at each poll)',
  ),
  submitConcurrency: setting('CAIRN_AGENT_SUBMIT_CONCURRENCY', intIn(1, 64, 4), 'sbatch processes the agent runs at once (each attempt by one at a time)'),
  containerRuntime: setting(
    'CAIRN_CONTAINER_RUNTIME',
    z.enum(CONTAINER_RUNTIMES).default('charliecloud'),
    'container runtime on the cluster',
  ),
  charliecloudImageForm: setting(
    'CAIRN_CHARLIECLOUD_IMAGE_FORM',
    z.enum(CHARLIECLOUD_IMAGE_FORMS).default('squashfs'),
    'how Charliecloud images are kept (ADR 0021): squashfs (one file per image, for an image directory on a shared filesystem) or directory (unpacked, read-only to jobs; no squashfuse mount per job, for local disk)',
  ),
  insecureRegistries: setting(
    'CAIRN_INSECURE_REGISTRIES',
    z
      .string()
      .default('')
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
    'registries reached over plain HTTP',
  ),
  registryAuthFile: setting(
    'CAIRN_REGISTRY_AUTH_FILE',
    z.string().startsWith('/', 'expected an absolute path').optional(),
    'a containers-auth.json with registry credentials, given to skopeo (--src-authfile) when it pulls images (a secret: mode 0600)',
  ),
  sitePlatform: setting(
    'CAIRN_SITE_PLATFORM',
    z
      .string()
      .regex(/^[a-z0-9]{1,32}\/[a-z0-9_]{1,32}(\/[a-z0-9]{1,32})?$/, 'expected os/architecture[/variant], e.g. linux/amd64 or linux/arm64/v8')
      .optional(),
    'the platform images resolve to at this site (unset: the host\'s, linux/<architecture>)',
  ),
  imageDir: setting(
    'CAIRN_AGENT_IMAGE_DIR',
    z
      .string()
      .startsWith('/', 'expected an absolute path')
      .refine((path) => !path.split('/').includes('..'), 'must not contain ".."')
      .optional(),
    'where converted images and their catalogue are, on a filesystem compute nodes share (default: <workDir>/images)',
  ),
  defaultPartition: setting(
    'CAIRN_SLURM_PARTITION',
    z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a partition name').optional(),
    'partition for jobs that name none (unset: the cluster default)',
  ),
  resourceClasses: setting(
    'CAIRN_RESOURCE_CLASSES',
    z.preprocess(
      (value) => {
        if (typeof value !== 'string') return value;
        try {
          return JSON.parse(value) as unknown;
        } catch {
          return value;
        }
      },
      z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'class names are lower-case'), resourceClassSchema),
    ).default({}),
    'resource classes: name -> { partition, gpuType? } (JSON in the variable, a mapping in the file)',
  ),
};
