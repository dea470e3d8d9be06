import { CairnError } from '@cairn/contracts';

/** Where a page of a run's graph ended: after a node id, or (nodes done) after a relation. */
export type RunCursor = { runId: string; node: string } | { runId: string; edge: [string, string, string] | null };
/** Where a page of a lineage walk ended: after the node at (depth, id) of the walk's order. */
export interface LineageCursor {
  depth: number;
  id: string;
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function decode(token: string, call: string): unknown {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad(call);
  }
}

const bad = (call: string) => new CairnError('INVALID_ARGUMENT', `page_token: not a token from a previous ${call} page`);
const isText = (value: unknown): value is string => typeof value === 'string' && value.length <= 1200;

export function encodeRunCursor(cursor: RunCursor): string {
  return encode(cursor);
}

export function decodeRunCursor(token: string, runId: string): RunCursor {
  const value = decode(token, 'GetRunProvenance');
  if (typeof value === 'object' && value !== null && 'runId' in value && value.runId === runId) {
    if ('node' in value && isText(value.node)) return { runId, node: value.node };
    if ('edge' in value) {
      if (value.edge === null) return { runId, edge: null };
      const edge: unknown = value.edge;
      if (Array.isArray(edge) && edge.length === 3 && isText(edge[0]) && isText(edge[1]) && isText(edge[2])) return { runId, edge: [edge[0], edge[1], edge[2]] };
    }
  }
  throw bad('GetRunProvenance');
}

export function encodeLineageCursor(cursor: LineageCursor): string {
  return encode(cursor);
}

export function decodeLineageCursor(token: string): LineageCursor {
  const value = decode(token, 'Lineage');
  if (typeof value === 'object' && value !== null && 'depth' in value && 'id' in value && Number.isInteger(value.depth) && typeof value.depth === 'number' && value.depth >= 0 && isText(value.id)) {
    return { depth: value.depth, id: value.id };
  }
  throw bad('Lineage');
}
