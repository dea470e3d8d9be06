import type { MigrationSet } from '@cairn/adapters/postgres';
import { m0001WorkflowTemplates } from './0001-workflow-templates';

/** The workflow templates' migrations (a table in the scheduler's schema), recorded in their own table. */
export const templateMigrations: MigrationSet = {
  table: 'template_migrations',
  migrations: { '0001-workflow-templates': m0001WorkflowTemplates },
};
