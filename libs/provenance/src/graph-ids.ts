import { createHash } from 'node:crypto';
import { type Owner, type ProvNodeType, provNodeTypeOfId } from '@cairn/contracts';

/** Most bytes of a node id: PostgreSQL indexes (relation, from, to) together, at most 2,704 bytes a row. */
export const MAX_ID_BYTES = 1000;

/**
 * An id as stored: at most MAX_ID_BYTES of UTF-8 (a longer one keeps its first 900 bytes,
 * whole characters, and a hash of the whole: still stable, still unique), without NUL
 * (PostgreSQL text cannot hold it).
 */
export function boundedId(id: string): string {
  const clean = id.includes('\u0000') ? id.replaceAll('\u0000', '\ufffd') : id;
  if (Buffer.byteLength(clean) <= MAX_ID_BYTES) return clean;
  let head = '';
  for (const ch of clean) {
    if (Buffer.byteLength(head + ch) > 900) break;
    head += ch;
  }
  return `${head}…#${createHash('sha256').update(clean).digest('hex').slice(0, 32)}`;
}

/**
 * Node ids (docs/provenance.md, "The graph"): stable text from which a node's type and run
 * follow. Only a job's run is not in its id: a job outside any workflow is its own run.
 */
export const nodeId = {
  run: (runId: string) => boundedId(`run:${runId}`),
  step: (runId: string, key: string) => boundedId(`step:${runId}/${key}`),
  iteration: (runId: string, loop: string, n: number) => boundedId(`iteration:${runId}/${loop}/${n}`),
  item: (runId: string, stepKey: string, index: number) => boundedId(`item:${runId}/${stepKey}/${index}`),
  job: (jobId: string) => boundedId(`job:${jobId}`),
  workflowFile: (sha256: string) => boundedId(`workflow:${sha256}`),
  params: (runId: string) => boundedId(`params:${runId}`),
  /** `digest`: "sha256:<hex>". */
  image: (digest: string) => boundedId(`image:${digest}`),
  /** A file inside a run: its path relative to the run's directory. */
  runFile: (runId: string, pathInRun: string) => boundedId(`file:${runId}/${pathInRun}`),
  /** A file from outside any run, by site, absolute path and content. */
  externalFile: (site: string, path: string, sha256: string) => boundedId(`file:${site}:${path}@${sha256}`),
  decision: (runId: string, loop: string, n: number) => boundedId(`decision:${runId}/${loop}/${n}`),
  person: (owner: Pick<Owner, 'issuer' | 'subject'>) => boundedId(`person:${owner.issuer}#${owner.subject}`),
  site: (site: string) => boundedId(`site:${site}`),
} as const;



const RUN_SCOPED = /^(?:run|step|iteration|item|params|decision|file):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:$|\/)/;

/** The node type an id names, or undefined for an id that is not a node id. */
export function typeOfId(id: string): ProvNodeType | undefined {
  return provNodeTypeOfId(id);
}

/**
 * The run a node belongs to as far as its id says: '' for shared nodes (images, people,
 * sites, workflow files, files from outside runs); a job's own id for a job (its run until
 * its facts say otherwise).
 */
export function runOfId(id: string): string {
  const scoped = RUN_SCOPED.exec(id);
  if (scoped?.[1] !== undefined) return scoped[1];
  if (id.startsWith('job:')) return id.slice('job:'.length);
  return '';
}

/** PROV class of each node type. */
export function provKindOf(type: ProvNodeType): 'entity' | 'activity' | 'agent' {
  switch (type) {
    case 'run':
    case 'step':
    case 'item':
    case 'iteration':
    case 'job':
      return 'activity';
    case 'person':
    case 'site':
      return 'agent';
    case 'workflow-file':
    case 'params':
    case 'image':
    case 'file':
    case 'decision':
      return 'entity';
  }
}

/** A short human label: the node's name or path when it has one, else the tail of its id. */
export function labelOf(id: string, attributes: Record<string, string>): string {
  const named = attributes['name'] ?? attributes['path'] ?? attributes['reference'] ?? attributes['file_name'];
  const label = named !== undefined && named !== '' ? named : id.slice(id.indexOf(':') + 1);
  return label.length > 512 ? label.slice(0, 512) : label;
}
