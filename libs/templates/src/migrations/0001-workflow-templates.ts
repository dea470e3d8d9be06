import type { Kysely, Migration } from '@cairn/adapters/postgres';

/** Published workflow templates, one row per name (the current version). */
export const m0001WorkflowTemplates: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('workflow_templates')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('parameters', 'jsonb', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('published_by_issuer', 'text', (c) => c.notNull())
      .addColumn('published_by_subject', 'text', (c) => c.notNull())
      .addColumn('published_by_name', 'text', (c) => c.notNull())
      .addColumn('published_by_posix_user', 'text', (c) => c.notNull())
      .addColumn('published_at', 'timestamptz', (c) => c.notNull())
      .execute();
  },
};
