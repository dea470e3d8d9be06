import { consumers, provenanceConsumers, streams, subjects } from './subjects';
import { SITE_PATTERN } from './validation';

/**
 * The one list of who may say and hear what on Cairn's NATS (ADR 0010). The dev cluster,
 * the test harness and deploy/nats/ all render their users from it (`tools/nats-users`),
 * so a service that starts using a new subject gets it here, once.
 *
 * Least privilege: each service and each site's agent has its own user, holding only its
 * own request subjects, the subjects it calls, the JetStream API of the streams and
 * consumers it uses, and its own inbox (`_INBOX.<user>.>`; connectNats sets that prefix),
 * so nobody reads another's replies. Answering a request needs no publish right on
 * `_INBOX.>`: `allow_responses` lets a user answer exactly the requests it received.
 */

/** The services that connect to NATS, each as its own user `cairn-<service>`. */
export const NATS_SERVICES = ['gateway', 'scheduler', 'images', 'staging', 'provenance'] as const;
export type NatsService = (typeof NATS_SERVICES)[number];

/** One user's rights, as nats-server's `permissions` block takes them. */
export interface NatsPermissions {
  publish: { allow: string[]; deny: string[] };
  subscribe: { allow: string[]; deny: string[] };
  /** May answer the requests it received (one reply each), without any right on `_INBOX.>`. */
  allowResponses: boolean;
}

/** A user of Cairn's NATS and what it may do. */
export interface NatsUserGrant {
  user: string;
  /** What it is, for the rendered config's comments and the docs. */
  role: string;
  permissions: NatsPermissions;
}

/** The NATS user of a service. */
export const serviceNatsUser = (service: NatsService): string => `cairn-${service}`;
/** The NATS user of a site's agent. */
export const agentNatsUser = (site: string): string => `agent-${checkSite(site)}`;
/** What stands for the site in the per-site grant of deploy/nats/grants.json. */
export const SITE_PLACEHOLDER = '{site}';
/** The read-only health prober (operators' monitoring, the test harness's start-up checks). */
export const MONITOR_NATS_USER = 'cairn-monitor';

/** A user name that is also one subject token (it names the user's inbox). */
export const NATS_USER_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The prefix of a user's inboxes (its replies and JetStream deliveries): `_INBOX.<user>`. */
export function natsInboxPrefix(user: string): string {
  if (!NATS_USER_PATTERN.test(user)) throw new Error(`NATS user ${JSON.stringify(user)} is not a subject token (letters, digits, "_", "-"; at most 64)`);
  return `_INBOX.${user}`;
}

function checkSite(site: string): string {
  if (!SITE_PATTERN.test(site)) throw new Error(`${JSON.stringify(site)} is not a site name (${SITE_PATTERN.source})`);
  return site;
}

const API = '$JS.API';
/** Every site's agent events: only an agent (its own site's) may publish them. */
const ANY_AGENT_EVENTS = 'cairn.site.*.events.>';

/** Create or update a stream, and read its info (JetStreamRepository.ensureStream). */
const streamOwner = (stream: string) => [`${API}.STREAM.INFO.${stream}`, `${API}.STREAM.CREATE.${stream}`, `${API}.STREAM.UPDATE.${stream}`];

/** A durable pull consumer: create or update it, read its info, pull and ack (consumeDurable). */
const durableConsumer = (stream: string, durable: string) => [
  `${API}.CONSUMER.INFO.${stream}.${durable}`,
  `${API}.CONSUMER.CREATE.${stream}.${durable}`,
  `${API}.CONSUMER.CREATE.${stream}.${durable}.>`,
  `${API}.CONSUMER.DURABLE.CREATE.${stream}.${durable}`,
  `${API}.CONSUMER.MSG.NEXT.${stream}.${durable}`,
  `$JS.ACK.${stream}.${durable}.>`,
];

/**
 * Replays a subject of a stream with ephemeral ordered consumers and reads its last
 * message (JetStreamRepository.follow, lastOn): find the stream, create, recreate and
 * delete its own consumers, get one message.
 */
export const streamReaderSubjects = (stream: string): string[] => [
  `${API}.STREAM.NAMES`,
  `${API}.CONSUMER.CREATE.${stream}`,
  `${API}.CONSUMER.CREATE.${stream}.>`,
  `${API}.CONSUMER.DELETE.${stream}.>`,
  `${API}.STREAM.MSG.GET.${stream}`,
];

/** Every request the scheduler serves (jobs, workflows, and what comes next under cairn.scheduler). */
const SCHEDULER_REQUESTS = 'cairn.scheduler.>';

/**
 * The scheduler's durable consumers, each on its stream: `consumers.scheduler<Stream>` reads
 * `streams.<stream>` (schedulerSiteEvents reads siteEvents), so a new consumer needs no entry here.
 */
const SCHEDULER_CONSUMERS: ReadonlyArray<readonly [stream: string, durable: string]> = Object.entries(consumers).map(([key, durable]) => {
  const streamKey = key.replace(/^scheduler(.)/, (_m, c: string) => c.toLowerCase());
  const stream = Object.entries(streams).find(([k]) => k === streamKey)?.[1];
  if (!key.startsWith('scheduler') || stream === undefined) throw new Error(`consumers.${key}: no stream streams.${streamKey} for it (name it scheduler<Stream>)`);
  return [stream.name, durable] as const;
});

/** Checks that JetStream answers (nats.js's jetstreamManager() asks once). */
const JS_INFO = `${API}.INFO`;

function grant(user: string, role: string, rights: { publish?: string[]; subscribe: string[]; denyPublish?: string[] }): NatsUserGrant {
  return {
    user,
    role,
    permissions: {
      publish: { allow: [...new Set(rights.publish ?? [])], deny: rights.denyPublish ?? [] },
      subscribe: { allow: [...rights.subscribe, `_INBOX.${user}.>`], deny: [] },
      allowResponses: true,
    },
  };
}

/** What each service may do. */
export function serviceGrant(service: NatsService): NatsUserGrant {
  const user = serviceNatsUser(service);
  const health = subjects.health(service);
  // A service never speaks for an agent, whatever else it is allowed.
  const denyPublish = [ANY_AGENT_EVENTS];
  switch (service) {
    case 'gateway':
      return grant(user, "gateway: forwards the gRPC API to the scheduler; follows job and run events for watches; asks agents for their sites' status", {
        publish: [
          SCHEDULER_REQUESTS,
          // The door's refusals, on their way to the audit log (JetStream publish, acknowledged).
          subjects.auditEvents,
          JS_INFO,
          ...streamReaderSubjects(streams.jobEvents.name),
          ...streamReaderSubjects(streams.workflowEvents.name),
          // SiteService.ListSites asks each site's agent for its status (nothing else of the agent's).
          subjects.site('*').status,
          // ProvenanceService: the provenance service's queries.
          ...Object.values(subjects.provenance),
          // ImageService: the images service's requests (not prewarm: only the scheduler accepts runs).
          subjects.images.resolve,
          subjects.images.materialize,
          subjects.images.list,
          subjects.images.evict,
        ],
        // MaterializeImage streams the converting agent's progress.
        subscribe: [health, subjects.imageProgress('*', '*')],
        denyPublish,
      });
    case 'scheduler':
      return grant(user, "scheduler: serves jobs and workflows, calls images and the sites' agents, consumes agent events, publishes job and run events", {
        publish: [
          // The workflow engine calls the job service over NATS like any client.
          SCHEDULER_REQUESTS,
          subjects.images.resolve,
          subjects.images.prewarm,
          'cairn.site.*.agent.*',
          'cairn.jobs.events.*',
          'cairn.workflows.events.*',
          JS_INFO,
          // The scheduler creates every stream at start.
          ...Object.values(streams).flatMap((stream) => streamOwner(stream.name)),
          ...SCHEDULER_CONSUMERS.flatMap(([stream, durable]) => durableConsumer(stream, durable)),
        ],
        // The workflow engine wakes on any job event (a core subscription, not a consumer).
        subscribe: [SCHEDULER_REQUESTS, ...streams.jobEvents.subjects, health],
        denyPublish,
      });
    case 'images':
      return grant(user, "images: resolves references (recording each in CAIRN_IMAGE_EVENTS), keeps the sites' catalogues within quota through their agents, asks the scheduler which runs are live", {
        publish: [
          subjects.images.resolved,
          JS_INFO,
          ...streamOwner(streams.imageEvents.name),
          // A site's platform and runtime come with its agent's image list.
          subjects.site('*').imageMaterialize,
          subjects.site('*').imageList,
          subjects.site('*').imageEvict,
          subjects.scheduler.runsInfo,
        ],
        subscribe: [subjects.images.resolve, subjects.images.materialize, subjects.images.prewarm, subjects.images.list, subjects.images.evict, health],
        denyPublish,
      });
    case 'provenance':
      return grant(user, 'provenance: consumes job, run and image events into the PROV graph; answers its own queries (cairn.provenance.>)', {
        publish: [
          JS_INFO,
          ...[streams.jobEvents, streams.workflowEvents, streams.imageEvents].flatMap((stream) => streamOwner(stream.name)),
          durableConsumer(streams.jobEvents.name, provenanceConsumers.jobEvents),
          durableConsumer(streams.workflowEvents.name, provenanceConsumers.workflowEvents),
          durableConsumer(streams.imageEvents.name, provenanceConsumers.imageEvents),
        ].flat(),
        subscribe: ['cairn.provenance.>', health],
        denyPublish,
      });
    case 'staging':
      return grant(user, `${service}: answers its own requests (cairn.${service}.>) and health`, { subscribe: [`cairn.${service}.>`, health], denyPublish });
  }
}

/**
 * What a site's agent may do: hear its own site's commands, answer them, and publish its
 * own site's events. Nothing of another site, nothing outside `cairn.site.<site>`.
 */
export function agentGrant(site: string): NatsUserGrant {
  return siteGrant(checkSite(site));
}

/** The per-site grant with `{site}` for the site, as deploy/nats/grants.json holds it. */
export function agentGrantTemplate(): NatsUserGrant {
  return siteGrant(SITE_PLACEHOLDER);
}

function siteGrant(site: string): NatsUserGrant {
  const user = `agent-${site}`;
  const own = subjects.site(site);
  return grant(user, `agent of site ${site}: its site's commands, its site's events`, {
    publish: [own.attemptEvents, subjects.imageProgress(site, '*')],
    subscribe: [`cairn.site.${site}.agent.*`],
  });
}

/** The health prober: asks every service's and agent's health subject, nothing else. */
export function monitorGrant(): NatsUserGrant {
  const grantOf = grant(MONITOR_NATS_USER, 'monitor: health probes only', {
    publish: ['cairn.health.*', 'cairn.site.*.agent.health'],
    subscribe: [],
    denyPublish: [ANY_AGENT_EVENTS],
  });
  return { ...grantOf, permissions: { ...grantOf.permissions, allowResponses: false } };
}

/** Every user of a Cairn NATS serving `sites`: the services, the monitor, one agent per site. */
export function natsGrants(sites: readonly string[]): NatsUserGrant[] {
  const unique = [...new Set(sites)];
  return [...NATS_SERVICES.map(serviceGrant), monitorGrant(), ...unique.map(agentGrant)];
}

/**
 * deploy/nats/grants.json: the users every deployment has, and the grant of each site's
 * agent with `{site}` for the site. tools/nats-users/render-users.sh turns it into
 * nats-server's authorization block (dev cluster, tests, deploy/nats/users.conf).
 */
export function natsGrantsDocument(): { generatedFrom: string; sitePlaceholder: string; users: NatsUserGrant[]; perSite: NatsUserGrant[] } {
  return {
    generatedFrom: 'libs/contracts/src/nats-permissions.ts (node -r ./tools/register.js tools/nats-users/nats-users.ts; do not edit)',
    sitePlaceholder: SITE_PLACEHOLDER,
    users: [...NATS_SERVICES.map(serviceGrant), monitorGrant()],
    perSite: [agentGrantTemplate()],
  };
}

/** The environment variable nats-server reads `user`'s password from (render-users.sh names it so). */
export function natsPasswordVariable(user: string): string {
  if (!NATS_USER_PATTERN.test(user)) throw new Error(`bad NATS user name ${JSON.stringify(user)}`);
  return `CAIRN_NATS_PASSWORD_${user.toUpperCase().replace(/-/g, '_')}`;
}
