import { existsSync, readFileSync } from 'node:fs';

/** A NATS user name and password. */
export interface NatsCredentials {
  user: string;
  password: string;
}

/** One of the dev identity world's people: a local POSIX user and their Slurm accounts. */
export interface DevPerson {
  posixUser: string;
  /** The Slurm accounts the person may charge, the default first. */
  accounts: string[];
}

/**
 * Where the real parts are. Defaults are what `tools/dev-cluster/dev-cluster.sh up`
 * starts; its env file (if present) and then the environment override them.
 */
export interface TestEnv {
  databaseUrl: string;
  registry: string;
  testImage: string;
  partition: string;
  /** The unprivileged user the agent runs jobs as (dev-cluster.sh creates it). */
  jobUser: string;
  /** The dev cluster's NATS; it takes only the users below. */
  natsUrl: string;
  /** The CA of the dev cluster's NATS (it speaks TLS only); absent without its env file. */
  natsCa?: string;
  /** Where the dev cluster keeps each NATS user's password (`<user>.password`, root only). */
  natsPasswordDir?: string;
  /** The site whose agent user the dev cluster has first. */
  natsAgentSite: string;
  /** The Slurm cluster name in accounting (slurmdbd), as sacct and sacctmgr know it. */
  slurmCluster: string;
  /** The account root and the job user charge by default (the people cannot). */
  slurmServiceAccount: string;
  /** The people dev-cluster.sh creates, with the accounts Slurm lets them charge. */
  people: { alice: DevPerson; bob: DevPerson; carol: DevPerson };
}

/** The dev cluster's env file (root only: it names where the secrets are). */
export const DEV_ENV_FILE = '/var/lib/cairn-dev/env';

export function testEnv(): TestEnv {
  const fromFile: Record<string, string> = {};
  if (existsSync(DEV_ENV_FILE)) {
    for (const line of readFileSync(DEV_ENV_FILE, 'utf8').split('\n')) {
      const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match?.[1] && match[2] !== undefined) fromFile[match[1]] = match[2];
    }
  }
  const find = (name: string): string | undefined => process.env[name] ?? fromFile[name];
  const get = (name: string, fallback: string) => find(name) ?? fallback;
  const person = (posixUser: string, accounts: string): DevPerson => ({
    posixUser,
    accounts: get(`CAIRN_DEV_${posixUser.toUpperCase()}_ACCOUNTS`, accounts).split(','),
  });
  return {
    databaseUrl: get('CAIRN_TEST_DATABASE_URL', 'postgres://cairn:cairn@127.0.0.1:5432/cairn'),
    registry: get('CAIRN_REGISTRY', '127.0.0.1:5000'),
    testImage: get('CAIRN_TEST_IMAGE', '127.0.0.1:5000/lab/busybox:1.36'),
    partition: get('CAIRN_SLURM_PARTITION', 'debug'),
    jobUser: get('CAIRN_AGENT_JOB_USER', 'cairn-job'),
    natsUrl: get('CAIRN_NATS_URL', 'nats://127.0.0.1:4222'),
    natsCa: find('CAIRN_NATS_CA'),
    natsPasswordDir: find('CAIRN_DEV_NATS_PASSWORD_DIR'),
    natsAgentSite: get('CAIRN_DEV_AGENT_SITE', 'dev'),
    slurmCluster: get('CAIRN_SLURM_CLUSTER', 'cairn-dev'),
    slurmServiceAccount: get('CAIRN_SLURM_SERVICE_ACCOUNT', 'cairn'),
    people: { alice: person('alice', 'alice-lab,genomics'), bob: person('bob', 'genomics'), carol: person('carol', 'ops') },
  };
}
