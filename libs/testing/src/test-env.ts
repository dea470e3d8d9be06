import { existsSync, readFileSync } from 'node:fs';

/**
 * Where the real parts are. Defaults are what `tools/dev-cluster/dev-cluster.sh up`
 * starts; its env file (if present) and then the environment override them.
 */
export interface TestEnv {
  databaseUrl: string;
  registry: string;
  testImage: string;
  partition: string;
}

const DEV_ENV_FILE = '/var/lib/cairn-dev/env';

export function testEnv(): TestEnv {
  const fromFile: Record<string, string> = {};
  if (existsSync(DEV_ENV_FILE)) {
    for (const line of readFileSync(DEV_ENV_FILE, 'utf8').split('\n')) {
      const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match?.[1] && match[2] !== undefined) fromFile[match[1]] = match[2];
    }
  }
  const get = (name: string, fallback: string) => process.env[name] ?? fromFile[name] ?? fallback;
  return {
    databaseUrl: get('CAIRN_TEST_DATABASE_URL', 'postgres://cairn:cairn@127.0.0.1:5432/cairn'),
    registry: get('CAIRN_REGISTRY', '127.0.0.1:5000'),
    testImage: get('CAIRN_TEST_IMAGE', '127.0.0.1:5000/lab/busybox:1.36'),
    partition: get('CAIRN_SLURM_PARTITION', 'debug'),
  };
}
