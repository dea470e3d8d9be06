import { CairnError, excerpt, formatIssues, pb, type SiteStatus, siteStatusReply, subjects } from '@cairn/contracts';
import { NoRespondersError } from '@cairn/adapters/nats';
import { z } from 'zod';
import { MAX_SITE_STATUS_BYTES } from './sites-settings';

/** Sends one request and hands back the reply's payload (NatsRequester is one). */
export interface StatusRequester {
  request<S extends z.ZodType>(subject: string, payload: unknown, reply: S, timeoutMs?: number): Promise<z.output<S>>;
}

/** What came of asking one site: its status, or why there is none and whether its agent answered at all. */
export type SiteAnswer = { ok: true; status: SiteStatus } | { ok: false; agentConnected: boolean; error: string };

/** Longest error text for one site (an agent's own error message is cut to fit). */
const MAX_ERROR_CHARS = 200;

/**
 * Asks a site's agent for its status, waiting at most `timeoutMs`. Never throws: an agent
 * that is not there, is too slow, answers with an error or with garbage is that site's
 * answer (the others are not affected).
 */
export async function askSite(requester: StatusRequester, site: string, timeoutMs: number): Promise<SiteAnswer> {
  const subject = subjects.site(site).status;
  let raw: unknown;
  try {
    // The reply is checked here (readSiteStatus), not by the requester: its errors name the site.
    raw = await requester.request(subject, {}, z.unknown(), timeoutMs);
  } catch (error) {
    return failed(site, error, timeoutMs);
  }
  return readSiteStatus(site, raw);
}

/** Checks an agent's reply at the boundary: the site's status, or a bounded error naming what is wrong. */
export function readSiteStatus(site: string, raw: unknown): SiteAnswer {
  const parsed = siteStatusReply.safeParse(raw);
  if (!parsed.success) return { ok: false, agentConnected: true, error: `the agent of site ${site} sent a malformed status: ${cut(formatIssues(parsed.error.issues))}` };
  if (parsed.data.site !== site) return { ok: false, agentConnected: true, error: `the agent of site ${site} answered for another site (${excerpt(parsed.data.site)})` };
  return { ok: true, status: parsed.data };
}

function failed(site: string, error: unknown, timeoutMs: number): SiteAnswer {
  if (error instanceof NoRespondersError) return { ok: false, agentConnected: false, error: `no agent is connected for site ${site}` };
  if (error instanceof CairnError && error.code === 'DEADLINE_EXCEEDED') {
    return { ok: false, agentConnected: false, error: `the agent of site ${site} did not answer within ${timeoutMs} ms` };
  }
  if (error instanceof CairnError && error.code === 'UNAVAILABLE') return { ok: false, agentConnected: false, error: `the agent of site ${site} could not be asked: ${cut(error.message)}` };
  // Anything else came back from the agent: an error it answered with, or a reply that is not JSON.
  const message = error instanceof CairnError ? error.message : 'unknown error';
  return { ok: false, agentConnected: true, error: `the agent of site ${site} answered with an error: ${excerpt(message, MAX_ERROR_CHARS)}` };
}

function cut(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}

/** One site of ListSitesResponse. */
export function toPbSite(site: string, checkedAt: Date, answer: SiteAnswer): pb.Site {
  const empty = { name: site, checkedAt, pendingJobs: 0, runningJobs: 0, partitions: [], defaultPartition: '', maxArraySize: 0 };
  if (!answer.ok) return { ...empty, agentConnected: answer.agentConnected, error: answer.error };
  const { status } = answer;
  return {
    ...empty,
    agentConnected: true,
    error: '',
    pendingJobs: status.queue.pending,
    runningJobs: status.queue.running,
    partitions: status.partitions.map(
      (p): pb.SitePartition => ({
        name: p.name,
        isDefault: p.isDefault,
        up: p.up,
        nodes: p.nodes,
        cpusPerNode: p.cpusPerNode,
        memoryMbPerNode: p.memoryMbPerNode,
        maxTimeSeconds: p.maxTimeSeconds ?? 0,
        gres: p.gres,
      }),
    ),
    // The agent's own default (CAIRN_SLURM_PARTITION), else Slurm's.
    defaultPartition: status.defaultPartition ?? status.partitions.find((p) => p.isDefault)?.name ?? '',
    maxArraySize: status.maxArraySize,
  };
}

/** A site within MAX_SITE_STATUS_BYTES, or that site listed with the error that its status is too big. */
export function boundedSite(site: pb.Site): pb.Site {
  const bytes = pb.Site.encode(site).finish().length;
  if (bytes <= MAX_SITE_STATUS_BYTES) return site;
  const error = `the agent of site ${site.name} sent a status of ${bytes} bytes, over the ${MAX_SITE_STATUS_BYTES} bytes one site may take`;
  return toPbSite(site.name, site.checkedAt ?? new Date(0), { ok: false, agentConnected: true, error });
}

/** Asks every site at once and lists them all, sorted by name. */
export async function listSites(requester: StatusRequester, sites: readonly string[], timeoutMs: number, now: () => Date = () => new Date()): Promise<pb.ListSitesResponse> {
  const checkedAt = now();
  const answers = await Promise.all(sites.map(async (site) => boundedSite(toPbSite(site, checkedAt, await askSite(requester, site, timeoutMs)))));
  return { sites: answers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}
