import { z } from 'zod';
import { callerFields } from './caller';
import { paramValueSchema, SHA256_PATTERN } from './provenance-facts';
import { shortText, siteName, uuid } from './validation';

/**
 * What the gateway asks the provenance service over NATS (subjects.provenance), and what
 * it answers: pages of a run's PROV graph, lineage walks, and a run's recorded source for
 * export and re-run. The provenance service applies the access policy (libs/access) to
 * `caller`, as the scheduler does.
 */

export const PROV_KINDS = ['entity', 'activity', 'agent'] as const;
/** Node types (docs/provenance.md says what each records). */
export const PROV_NODE_TYPES = ['run', 'step', 'item', 'iteration', 'job', 'workflow-file', 'params', 'image', 'file', 'decision', 'person', 'site'] as const;
export const PROV_RELATIONS = ['used', 'wasGeneratedBy', 'wasAssociatedWith', 'wasDerivedFrom', 'wasInformedBy', 'partOf'] as const;
export type ProvRelation = (typeof PROV_RELATIONS)[number];
export type ProvNodeType = (typeof PROV_NODE_TYPES)[number];

/** Each node id's prefix and the type it names ("workflow:<sha256>" is a workflow-file). */
const TYPE_OF_PREFIX: Readonly<Record<string, ProvNodeType>> = {
  run: 'run',
  step: 'step',
  iteration: 'iteration',
  item: 'item',
  job: 'job',
  workflow: 'workflow-file',
  params: 'params',
  image: 'image',
  file: 'file',
  decision: 'decision',
  person: 'person',
  site: 'site',
};

/** The node type an id names by its prefix (docs/provenance.md), or undefined for an id that is not a node id. */
export function provNodeTypeOfId(id: string): ProvNodeType | undefined {
  const colon = id.indexOf(':');
  if (colon <= 0) return undefined;
  const prefix = id.slice(0, colon);
  return Object.hasOwn(TYPE_OF_PREFIX, prefix) ? TYPE_OF_PREFIX[prefix] : undefined;
}

/** Most attributes of one node or edge, and their sizes. */
export const MAX_PROV_ATTRIBUTES = 128;
const attributes = z.record(z.string().max(128), z.string().max(4096));

export const provNodeSchema = z
  .object({
    id: z.string().min(1).max(1200),
    kind: z.enum(PROV_KINDS),
    type: z.enum(PROV_NODE_TYPES),
    label: z.string().max(512),
    /** '' for nodes no run owns (images, people, sites, external files). */
    runId: z.union([uuid, z.literal('')]),
    attributes,
  })
  .strict();
export type ProvNode = z.infer<typeof provNodeSchema>;

export const provEdgeSchema = z
  .object({ relation: z.enum(PROV_RELATIONS), from: z.string().min(1).max(1200), to: z.string().min(1).max(1200), attributes })
  .strict();
export type ProvEdge = z.infer<typeof provEdgeSchema>;

const pageToken = z.string().max(512).optional();

/** GetRunProvenance: one page of a run's (or a job's) graph. */
export const runProvenanceQuery = z.object({ runId: uuid, pageSize: z.number().int().min(1).max(5000), pageToken, ...callerFields }).strict();
export type RunProvenanceQuery = z.infer<typeof runProvenanceQuery>;
export const runProvenanceReply = z.object({
  runId: uuid,
  nodes: z.array(provNodeSchema),
  edges: z.array(provEdgeSchema),
  nextPageToken: z.string(),
  complete: z.boolean(),
  rerunOf: uuid.optional(),
});
export type RunProvenanceReply = z.infer<typeof runProvenanceReply>;

export const lineageStartSchema = z.union([
  z.object({ nodeId: z.string().min(1).max(1200) }).strict(),
  z.object({ sha256: z.string().regex(SHA256_PATTERN, 'must be a sha256: 64 lowercase hex digits') }).strict(),
  z.object({ imageDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be an image digest: sha256:<64 hex digits>') }).strict(),
]);
export type LineageStart = z.infer<typeof lineageStartSchema>;

/** Lineage: a breadth-first walk from a start, up or down, to maxDepth relations. */
export const MAX_LINEAGE_DEPTH = 50;
export const lineageQuery = z
  .object({
    start: lineageStartSchema,
    direction: z.enum(['upstream', 'downstream']),
    maxDepth: z.number().int().min(1).max(MAX_LINEAGE_DEPTH),
    pageSize: z.number().int().min(1).max(5000),
    pageToken,
    ...callerFields,
  })
  .strict();
export type LineageQuery = z.infer<typeof lineageQuery>;
export const lineageReply = z.object({
  nodes: z.array(provNodeSchema),
  /** How far from the start each node lies (same order as nodes). */
  depths: z.array(z.number().int().min(0)),
  edges: z.array(provEdgeSchema),
  nextPageToken: z.string(),
  depthLimited: z.boolean(),
});
export type LineageReply = z.infer<typeof lineageReply>;

/** What a run was submitted as: for ExportRun (the workflow file in the crate) and Rerun. */
export const runSourceQuery = z.object({ runId: uuid, ...callerFields }).strict();
export type RunSourceQuery = z.infer<typeof runSourceQuery>;
export const runSourceReply = z.object({
  runId: uuid,
  name: shortText(128),
  fileName: z.string().max(255),
  source: z.string(),
  sourceSha256: z.string().regex(SHA256_PATTERN),
  site: siteName,
  account: z.string().max(64),
  params: z.record(z.string(), paramValueSchema),
  images: z.array(z.object({ reference: z.string(), imageRef: z.string(), digest: z.string() }).strict()),
  /** The run has ended and every one of its events has been recorded. */
  complete: z.boolean(),
  rerunOf: uuid.optional(),
});
export type RunSourceReply = z.infer<typeof runSourceReply>;
