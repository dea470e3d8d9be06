import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Generated, type Kysely, type Migration, sql } from 'kysely';
import { type Database, openDatabase } from './database';

/** The table the store-kit specs page, insert and relay from: a record with its outbox columns. */
export interface ItemsTable {
  id: Generated<string>;
  item_id: string;
  request_id: string | null;
  created_at: Date;
  name: string;
  bytes: number;
  seq: number;
  published: Generated<boolean>;
}

export interface KitDb {
  items: ItemsTable;
}

const migrations: Record<string, Migration> = {
  '0001-items': {
    up: async (db: Kysely<unknown>) => {
      await sql`CREATE TABLE items (
        id BIGSERIAL PRIMARY KEY,
        item_id UUID NOT NULL UNIQUE,
        request_id TEXT UNIQUE,
        created_at TIMESTAMPTZ NOT NULL,
        name TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        published BOOLEAN NOT NULL DEFAULT false
      )`.execute(db);
    },
  },
};

/** An embedded PostgreSQL (PGlite) in a fresh directory with the items table. */
export function openKitDatabase(): Promise<Database<KitDb>> {
  return openDatabase<KitDb>({ embeddedDir: mkdtempSync(join(tmpdir(), 'store-kit-')), schema: 'kit', migrations });
}

/** A UUID from a number (ordered as the number is, for equal-time ties). */
export const uuidOf = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
