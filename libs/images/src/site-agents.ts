import {
  type AgentImageList,
  type AgentMaterializeCommand,
  type AgentMaterializeReply,
  agentEvictReply,
  agentImageListReply,
  agentMaterializeReply,
  CairnError,
  MAX_RUNS_INFO,
  type RunInfo,
  runsInfoReply,
  subjects,
} from '@cairn/contracts';
import type { NatsRequester } from '@cairn/adapters/nats';

/** How long a site's agent may take to list its catalogue or evict. */
export const AGENT_QUERY_TIMEOUT_MS = 10_000;
/** How long a waited materialisation may take (a large image's pull and conversion). */
export const MATERIALIZE_TIMEOUT_MS = 30 * 60_000;

/** What the images service asks sites' agents and the scheduler (unit specs stand in for it). */
export interface SiteAgents {
  list(site: string): Promise<AgentImageList>;
  materialize(site: string, command: AgentMaterializeCommand): Promise<AgentMaterializeReply>;
  evict(site: string, digest: string): Promise<number>;
  /** Which of these runs the scheduler knows, whether live, and whose. */
  runsInfo(runIds: readonly string[]): Promise<RunInfo[]>;
}

/** SiteAgents over NATS. A site whose agent does not answer is UNAVAILABLE, naming the site. */
export class NatsSiteAgents implements SiteAgents {
  constructor(
    private readonly requester: NatsRequester,
    private readonly materializeTimeoutMs = MATERIALIZE_TIMEOUT_MS,
  ) {}

  list(site: string): Promise<AgentImageList> {
    return this.atSite(site, 'list its images', () => this.requester.request(subjects.site(site).imageList, {}, agentImageListReply, AGENT_QUERY_TIMEOUT_MS));
  }

  materialize(site: string, command: AgentMaterializeCommand): Promise<AgentMaterializeReply> {
    const timeout = command.wait ? this.materializeTimeoutMs : AGENT_QUERY_TIMEOUT_MS;
    return this.atSite(site, `materialise ${command.pinned}`, () => this.requester.request(subjects.site(site).imageMaterialize, command, agentMaterializeReply, timeout));
  }

  async evict(site: string, digest: string): Promise<number> {
    const reply = await this.atSite(site, `evict ${digest}`, () => this.requester.request(subjects.site(site).imageEvict, { digest }, agentEvictReply, AGENT_QUERY_TIMEOUT_MS));
    return reply.freedBytes;
  }

  async runsInfo(runIds: readonly string[]): Promise<RunInfo[]> {
    const runs: RunInfo[] = [];
    for (let i = 0; i < runIds.length; i += MAX_RUNS_INFO) {
      const chunk = runIds.slice(i, i + MAX_RUNS_INFO);
      try {
        runs.push(...(await this.requester.request(subjects.scheduler.runsInfo, { runIds: chunk }, runsInfoReply, AGENT_QUERY_TIMEOUT_MS)).runs);
      } catch (error) {
        throw unreachable(error, 'the scheduler did not say which runs are live');
      }
    }
    return runs;
  }

  private async atSite<T>(site: string, what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw unreachable(error, `the agent of site ${site} did not ${what}`);
    }
  }
}

/** No answer (no responder, timeout, transport) → UNAVAILABLE saying who; the agent's own refusals pass as they are. */
function unreachable(error: unknown, who: string): unknown {
  if (error instanceof CairnError && (error.code === 'UNAVAILABLE' || error.code === 'DEADLINE_EXCEEDED')) {
    return new CairnError('UNAVAILABLE', `${who}: ${error.message}`);
  }
  return error;
}
