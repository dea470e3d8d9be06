import type { Kysely, Selectable } from '@cairn/adapters/postgres';
import { type AuditEntry, auditRow } from '@cairn/audit-log';
import { CairnError, jsonBytes, MAX_ROWS_REPLY_BYTES, type Owner, pageWithin, TEMPLATE_LIMITS, type TemplateParameter, type TemplateRecord } from '@cairn/contracts';
import type { TemplateDb, WorkflowTemplatesTable } from './template.tables';

export type TemplateRow = Selectable<WorkflowTemplatesTable>;
type ListedRow = Omit<TemplateRow, 'source'>;

const LISTED = ['name', 'title', 'description', 'parameters', 'version', 'published_by_issuer', 'published_by_subject', 'published_by_name', 'published_by_posix_user', 'published_at'] as const;

/** A template row as the record the scheduler answers with (without its file in listings). */
export function toTemplateRecord(row: ListedRow & { source?: string }): TemplateRecord {
  return {
    name: row.name,
    title: row.title,
    description: row.description,
    ...(row.source !== undefined ? { source: row.source } : {}),
    parameters: row.parameters,
    version: row.version,
    publishedBy: { issuer: row.published_by_issuer, subject: row.published_by_subject, name: row.published_by_name, posixUser: row.published_by_posix_user },
    publishedAt: new Date(row.published_at).toISOString(),
  };
}

/** Page tokens of ListTemplates: the name after which the next page starts. */
export function encodeNameToken(name: string): string {
  return Buffer.from(JSON.stringify({ after: name })).toString('base64url');
}

export function decodeNameToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after !== 'string' || !TEMPLATE_LIMITS.namePattern.test(parsed.after)) throw new Error('bad cursor');
    return parsed.after;
  } catch {
    throw new CairnError('INVALID_ARGUMENT', 'page_token: not a token from a previous ListTemplates page');
  }
}

/** The published templates: one row per name, replaced in place; every change with its audit record in one transaction. */
export class TemplateStore {
  constructor(private readonly db: Kysely<TemplateDb>) {}

  /** A page sorted by name, without the files, that fits one reply. */
  async list(page: { pageSize: number; pageToken?: string }): Promise<{ rows: ListedRow[]; nextPageToken: string }> {
    let query = this.db.selectFrom('workflow_templates').select(LISTED).orderBy('name').limit(page.pageSize + 1);
    if (page.pageToken) query = query.where('name', '>', decodeNameToken(page.pageToken));
    const rows = await query.execute();
    const fitted = pageWithin(rows, page.pageSize, MAX_ROWS_REPLY_BYTES, (row) => jsonBytes(toTemplateRecord(row)));
    const last = rows[fitted.consumed - 1];
    const more = rows.length > fitted.consumed;
    return { rows: fitted.page, nextPageToken: more && last ? encodeNameToken(last.name) : '' };
  }

  async get(name: string): Promise<TemplateRow | undefined> {
    return this.db.selectFrom('workflow_templates').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** Creates the template (version 1) or replaces it (its version goes up by one), with its audit record. */
  async publish(input: { name: string; title: string; description: string; source: string; parameters: TemplateParameter[]; by: Owner; at: Date; audit: AuditEntry }): Promise<TemplateRow> {
    const by = { published_by_issuer: input.by.issuer, published_by_subject: input.by.subject, published_by_name: input.by.name, published_by_posix_user: input.by.posixUser };
    const fields = { title: input.title, description: input.description, source: input.source, parameters: JSON.stringify(input.parameters), ...by, published_at: input.at };
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('workflow_templates')
        .values({ name: input.name, ...fields, version: 1 })
        .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ ...fields, version: eb('workflow_templates.version', '+', 1) })))
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx.insertInto('audit_events').values(auditRow({ ...input.audit, ids: [input.name, `version ${row.version}`] })).execute();
      return row;
    });
  }

  /** Removes the template with its audit record; false (and nothing written) when there is none. */
  async delete(name: string, audit: AuditEntry): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const removed = await tx.deleteFrom('workflow_templates').where('name', '=', name).returning('version').executeTakeFirst();
      if (!removed) return false;
      await tx.insertInto('audit_events').values(auditRow({ ...audit, ids: [name, `version ${removed.version}`] })).execute();
      return true;
    });
  }

  /** Appends an audit record on its own (a refusal, which changes nothing else). */
  async audit(entry: AuditEntry): Promise<void> {
    await this.db.insertInto('audit_events').values(auditRow(entry)).execute();
  }
}
