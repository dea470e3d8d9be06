import {
  CairnError,
  excerpt,
  type PlanWorkflowCommand,
  type ResolvedImage,
  resolvedImageSchema,
  type SiteDescription,
  siteDescriptionSchema,
  type StepPlan,
  subjects,
  type WorkflowPlan,
} from '@cairn/contracts';
import type { NatsRequester } from '@cairn/adapters/nats';
import { MAX_LISTED_PROBLEMS, type ParsedWorkflow, parseWorkflow, WorkflowError } from '@cairn/workflow-language';
import { checkPlanSize, checkRunnable, PlanError, planWorkflow } from '@cairn/workflow-planner';

/** How long a site's description (partitions, limits, classes) is reused. */
const SITE_DESCRIPTION_TTL_MS = 60_000;

/**
 * Checks and plans a submitted workflow: parse and validate the file, ask the site's agent
 * what the cluster offers (MaxArraySize, partitions, resource classes), place every step,
 * pin every image to a digest, and render every step's job as the engine will. Any problem
 * is INVALID_ARGUMENT with all the details. This is the one validator: a dry run and a
 * submission both go through `parseAndPlan`, so each accepts exactly what the other does.
 */
export class WorkflowPlanningService {
  private readonly siteCache = new Map<string, { at: number; description: SiteDescription }>();

  constructor(
    private readonly requester: NatsRequester,
    private readonly sites: readonly string[],
  ) {}

  async plan(command: PlanWorkflowCommand): Promise<WorkflowPlan> {
    return (await this.parseAndPlan(command)).plan;
  }

  /** The parsed file, its plan and every image it pins (for a run, which needs all three). */
  async parseAndPlan(command: PlanWorkflowCommand): Promise<{ workflow: ParsedWorkflow; plan: WorkflowPlan; images: ResolvedImage[] }> {
    let workflow: ParsedWorkflow;
    try {
      workflow = parseWorkflow(command.source, command.fileName);
    } catch (error) {
      if (error instanceof WorkflowError) throw new CairnError('INVALID_ARGUMENT', error.message);
      throw error;
    }
    const site = command.site ?? workflow.site ?? command.defaultSite;
    if (!this.sites.includes(site)) {
      throw new CairnError('INVALID_ARGUMENT', `site: unknown site ${excerpt(site)}; known sites: ${this.sites.join(', ')}`);
    }
    let plan: WorkflowPlan;
    try {
      plan = planWorkflow(workflow, await this.describe(site));
    } catch (error) {
      if (error instanceof PlanError) throw new CairnError('INVALID_ARGUMENT', boundedList(error.problems.map((p) => `${command.fileName}: ${p}`)));
      throw error;
    }
    const images = await this.pinImages(plan.steps, command.fileName, site);
    checkPlanSize(plan, command.fileName);
    const problems = checkRunnable(workflow, plan);
    if (problems.length > 0) throw new CairnError('INVALID_ARGUMENT', boundedList(problems.map((p) => `${command.fileName}: ${p}`)));
    return { workflow, plan, images };
  }

  async describe(site: string): Promise<SiteDescription> {
    const cached = this.siteCache.get(site);
    if (cached && Date.now() - cached.at < SITE_DESCRIPTION_TTL_MS) return cached.description;
    const description = await this.requester.request(subjects.site(site).describe, {}, siteDescriptionSchema, 15_000);
    this.siteCache.set(site, { at: Date.now(), description });
    return description;
  }

  /**
   * Resolves each distinct image once, for the run's site, before anything is submitted;
   * every refused image is reported with the steps that use it. The refusal's code is the
   * weightiest among them (INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND, UNAVAILABLE).
   */
  private async pinImages(steps: StepPlan[], fileName: string, site: string): Promise<ResolvedImage[]> {
    const all: StepPlan[] = [];
    const collect = (list: StepPlan[]) => list.forEach((s) => (s.loop ? collect(s.loop.steps) : all.push(s)));
    collect(steps);
    const refs = [...new Set(all.map((s) => s.image).filter((i): i is string => Boolean(i)))];
    const pinned = new Map<string, ResolvedImage>();
    const problems: string[] = [];
    const codes = new Set<string>();
    await Promise.all(
      refs.map(async (reference) => {
        try {
          pinned.set(reference, await this.requester.request(subjects.images.resolve, { reference, site }, resolvedImageSchema, 15_000));
        } catch (error) {
          if (!(error instanceof CairnError) || !(RESOLUTION_REFUSALS as readonly string[]).includes(error.code)) throw error;
          codes.add(error.code);
          const users = all.filter((s) => s.image === reference).map((s) => s.path);
          problems.push(`${fileName}: ${users.map((u) => `steps.${u}`).join(', ')}: ${error.message}`);
        }
      }),
    );
    const code = RESOLUTION_REFUSALS.find((c) => codes.has(c));
    if (code) throw new CairnError(code, boundedList(problems.sort()));
    for (const step of all) if (step.image) step.imageDigest = pinned.get(step.image)?.pinned;
    return refs.flatMap((reference) => pinned.get(reference) ?? []);
  }
}

/** Refusals of resolution a plan reports (naming the steps), weightiest first: the plan's refusal takes the first present. */
const RESOLUTION_REFUSALS = ['INVALID_ARGUMENT', 'PERMISSION_DENIED', 'NOT_FOUND', 'UNAVAILABLE'] as const;

/** Problems one per line: the first MAX_LISTED_PROBLEMS, each cut to 300 characters, then how many more. */
function boundedList(problems: readonly string[]): string {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => (p.length > 300 ? `${p.slice(0, 300)}…` : p));
  const more = problems.length - listed.length;
  return [...listed, ...(more > 0 ? [`and ${more} more problem${more === 1 ? '' : 's'}`] : [])].join('\n');
}
