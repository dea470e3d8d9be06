import type { MigrationSet } from '@cairn/adapters/postgres';
import { m0001ResolutionCache } from './0001-resolution-cache';

/** The images service's migrations (its own schema), recorded in their own table. */
export const imagesMigrations: MigrationSet = {
  table: 'images_migrations',
  migrations: { '0001-resolution-cache': m0001ResolutionCache },
};
