import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DEV_ENV_FILE, testEnv } from './test-env';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database on the real PostgreSQL server, dropped afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = testEnv().databaseUrl;
  if (adminUrl === '') {
    throw new Error(`no test database: CAIRN_TEST_DATABASE_URL is not set and ${DEV_ENV_FILE} does not name it (run tools/dev-cluster/dev-cluster.sh up)`);
  }
  const name = `cairn_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => dropDatabase(adminUrl, name),
  };
}

/** PostgreSQL's "insufficient privilege": FORCE met a backend the role may not end (an autovacuum worker). */
const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * DROP DATABASE ... WITH (FORCE), tried again for a while when it meets a backend it may not
 * end: an autovacuum worker in the database belongs to no role, and ends on its own.
 */
async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE || attempt >= 40) throw error;
    } finally {
      await client.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
