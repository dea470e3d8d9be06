import type { ColumnType } from '@cairn/adapters/postgres';
import type { AuditDb } from '@cairn/audit-log';
import type { TemplateParameter } from '@cairn/contracts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

/** A published workflow template: its current version only (a replacement overwrites it). */
export interface WorkflowTemplatesTable {
  name: string;
  title: string;
  description: string;
  /** The workflow file, as published. */
  source: string;
  /** The form, in order; each default is the file's. */
  parameters: Json<TemplateParameter[]>;
  version: number;
  /** Who published this version. */
  published_by_issuer: string;
  published_by_subject: string;
  published_by_name: string;
  published_by_posix_user: string;
  published_at: Timestamp;
}

/** The templates' table, and the audit log it appends to in the same transactions. */
export interface TemplateDb extends AuditDb {
  workflow_templates: WorkflowTemplatesTable;
}
