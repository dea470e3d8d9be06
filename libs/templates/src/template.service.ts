import { isAdmin } from '@cairn/access';
import { type AuditOf, refusalsAudited } from '@cairn/audit-log';
import {
  type Called,
  CairnError,
  denied,
  excerpt,
  type ListTemplatesQuery,
  notFound,
  ownerOf,
  type PublishTemplateCommand,
  RPC,
  type RunTemplateCommand,
  type RunTemplateReply,
  TEMPLATE_LIMITS,
  type TemplateNameQuery,
  type TemplateRecord,
} from '@cairn/contracts';
import type { Logger } from '@cairn/logging';
import { fillParams, type ParsedWorkflow, parseWorkflow, WorkflowError } from '@cairn/workflow-language';
import { checkTemplate, listedProblems } from './template-form';
import { checkValues } from './template-values';
import { type TemplateRow, type TemplateStore, toTemplateRecord } from './template.store';
import type { WorkflowSubmitter } from './workflow-submitter';

/** Template runs a scheduler serves at once: each waits for a workflow submission served by the same scheduler. */
export const MAX_CONCURRENT_RUNS = 16;

/**
 * Workflow templates: everyone signed in lists, reads and runs them; admins publish and
 * delete them. Publishing and deleting are audited (refusals too); a run is submitted
 * through the workflow service as the caller, which audits it as RunTemplate.
 */
export class TemplateService {
  private running = 0;

  constructor(
    private readonly store: TemplateStore,
    private readonly workflows: WorkflowSubmitter,
    private readonly logger: Logger,
  ) {}

  async list(query: ListTemplatesQuery): Promise<{ templates: TemplateRecord[]; nextPageToken: string }> {
    const { rows, nextPageToken } = await this.store.list(query);
    return { templates: rows.map(toTemplateRecord), nextPageToken };
  }

  async get(query: TemplateNameQuery): Promise<TemplateRecord> {
    return toTemplateRecord(await this.existing(query.name));
  }

  /** Admins only; every problem of the template in one INVALID_ARGUMENT; nothing stored unless all is well. */
  async publish(command: PublishTemplateCommand): Promise<TemplateRecord> {
    const audit = this.auditOf(command, RPC.publishTemplate, [auditId(command.template.name)]);
    return this.refusalsAudited(audit, async () => {
      this.mustBeAdmin(command, 'publish');
      const checked = checkTemplate(command.template);
      if (checked.problems) throw new CairnError('INVALID_ARGUMENT', listedProblems(checked.problems));
      const { template } = checked;
      const row = await this.store.publish({ ...template, by: ownerOf(command.caller), at: new Date(), audit: audit('OK') });
      this.logger.info({ template: row.name, version: row.version, by: command.caller.name }, 'template published');
      return toTemplateRecord(row);
    });
  }

  /** Admins only; NOT_FOUND for an unknown name. Runs made from it are not touched. */
  async delete(query: TemplateNameQuery): Promise<{ name: string }> {
    const audit = this.auditOf(query, RPC.deleteTemplate, [auditId(query.name)]);
    return this.refusalsAudited(audit, async () => {
      this.mustBeAdmin(query, 'delete');
      const name = checkName(query.name);
      if (!(await this.store.delete(name, audit('OK')))) throw notFound(`template ${excerpt(name)} not found`);
      this.logger.info({ template: name, by: query.caller.name }, 'template deleted');
      return { name };
    });
  }

  /**
   * Fills the template's parameters with the values given (the file's defaults for the
   * rest) and submits the file as the caller through the workflow service, exactly as
   * SubmitWorkflow (or its dry run) does. A value that does not fit is refused (and
   * audited) before anything is submitted.
   */
  async run(command: RunTemplateCommand): Promise<RunTemplateReply> {
    if (this.running >= MAX_CONCURRENT_RUNS) throw new CairnError('RESOURCE_EXHAUSTED', `${MAX_CONCURRENT_RUNS} template runs are being submitted; try again in a moment`);
    this.running += 1;
    try {
      const audit = this.auditOf(command, RPC.runTemplate, [auditId(command.name), ...(command.requestId ? [command.requestId] : [])]);
      const { name, source } = await this.refusalsAudited(audit, async () => {
        const template = await this.existing(command.name);
        const values = checkValues(template.parameters, command.parameters, parsedFile(template));
        return { name: template.name, source: fillParams(template.source, values) };
      });
      const submission = {
        source,
        fileName: `templates/${name}.yaml`,
        defaultSite: command.defaultSite,
        ...(command.site ? { site: command.site } : {}),
        caller: command.caller,
        ...(command.peer ? { peer: command.peer } : {}),
        rpc: RPC.runTemplate,
      };
      if (command.dryRun) return { plan: await this.workflows.plan(submission) };
      return await this.workflows.submit(submission, command.requestId, command.account);
    } finally {
      this.running -= 1;
    }
  }

  private async existing(rawName: string): Promise<TemplateRow> {
    const name = checkName(rawName);
    const row = await this.store.get(name);
    if (!row) throw notFound(`template ${excerpt(name)} not found`);
    return row;
  }

  private mustBeAdmin(who: Called, what: string): void {
    if (!isAdmin(who.caller)) throw denied(`only admins may ${what} templates; ${who.caller.name} is not an admin (admins are the members of the configured admin group)`);
  }

  private auditOf(who: Called, rpc: string, ids: string[]): AuditOf {
    return (outcome, reason) => ({ at: new Date(), rpc: who.rpc ?? rpc, ids, who: ownerOf(who.caller), peer: who.peer, outcome, reason });
  }

  /** Runs `change`; a refusal it throws is audited (outcome: its code) before it passes on. */
  private refusalsAudited<T>(audit: AuditOf, change: () => Promise<T>): Promise<T> {
    return refusalsAudited((entry) => this.store.audit(entry), (e: unknown) => this.logger.error({ err: e }, 'audit record not written'), audit, change);
  }
}

/** A template name as an audit record names it: as is when well-formed, else quoted (control characters escaped). */
const auditId = (name: string): string => (TEMPLATE_LIMITS.namePattern.test(name) ? name : excerpt(name, 100));

function checkName(name: string): string {
  if (!TEMPLATE_LIMITS.namePattern.test(name)) throw new CairnError('INVALID_ARGUMENT', `name: ${excerpt(name)} is not a template name (lower-case letters, digits and "-", starting with a letter; at most 63)`);
  return name;
}

/** The stored file, parsed (it was valid when published; the language may have changed since). */
function parsedFile(row: TemplateRow): ParsedWorkflow {
  try {
    return parseWorkflow(row.source, `templates/${row.name}.yaml`);
  } catch (error) {
    if (error instanceof WorkflowError) throw new CairnError('FAILED_PRECONDITION', `template ${row.name} no longer validates; an admin must publish it again:\n${error.message}`);
    throw error;
  }
}
