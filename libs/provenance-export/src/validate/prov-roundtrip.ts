import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessRepository } from '@cairn/adapters/process';

/** What python3-prov read from a PROV-JSON document. */
export interface ProvRoundTrip {
  /** Records by PROV-DM type (Entity, Activity, Agent, Usage, Generation, Association, ...). */
  counts: Record<string, number>;
  elements: string[];
  relations: string[][];
  /** Serializing what prov read and reading it again gives an equal document. */
  stable: boolean;
  provnLines: number;
}

/** The system Python with Debian's python3-prov (never a pyenv shim). */
export const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, 'prov_roundtrip.py');

/** PROV-JSON sections and the PROV-DM record type python3-prov names them by. */
const SECTIONS: Readonly<Record<string, string>> = {
  entity: 'Entity',
  activity: 'Activity',
  agent: 'Agent',
  used: 'Usage',
  wasGeneratedBy: 'Generation',
  wasAssociatedWith: 'Association',
  wasDerivedFrom: 'Derivation',
  wasInformedBy: 'Communication',
  wasInfluencedBy: 'Influence',
  wasAttributedTo: 'Attribution',
  wasStartedBy: 'Start',
  wasEndedBy: 'End',
  wasInvalidatedBy: 'Invalidation',
  actedOnBehalfOf: 'Delegation',
  specializationOf: 'Specialization',
  alternateOf: 'Alternate',
  hadMember: 'Membership',
};

/** The two ends of each relation, as python3-prov orders its formal attributes. */
const ENDS: Readonly<Record<string, readonly [string, string]>> = {
  used: ['prov:activity', 'prov:entity'],
  wasGeneratedBy: ['prov:entity', 'prov:activity'],
  wasAssociatedWith: ['prov:activity', 'prov:agent'],
  wasDerivedFrom: ['prov:generatedEntity', 'prov:usedEntity'],
  wasInformedBy: ['prov:informed', 'prov:informant'],
  wasInfluencedBy: ['prov:influencee', 'prov:influencer'],
  wasAttributedTo: ['prov:entity', 'prov:agent'],
};

/** [PROV-DM type, first end, second end] of every relation a document states (ends it leaves out: "None"). */
export function statedRelations(doc: Record<string, unknown>): string[][] {
  const out: string[][] = [];
  for (const [section, [a, b]] of Object.entries(ENDS)) {
    const records = doc[section];
    if (!records || typeof records !== 'object') continue;
    for (const record of Object.values(records as Record<string, Record<string, unknown>>)) {
      const end = (key: string): string => (typeof record[key] === 'string' ? (record[key] as string) : 'None');
      out.push([SECTIONS[section] ?? section, end(a), end(b)]);
    }
  }
  return out.sort((x, y) => (x.join('\u0000') < y.join('\u0000') ? -1 : x.join('\u0000') > y.join('\u0000') ? 1 : 0));
}

/** Record counts a PROV-JSON document states, by PROV-DM type. */
export function statedCounts(doc: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [section, type] of Object.entries(SECTIONS)) {
    const records = doc[section];
    const n = records && typeof records === 'object' ? Object.keys(records).length : 0;
    if (n > 0) counts[type] = n;
  }
  return counts;
}

/**
 * Parses the document with python3-prov, serializes it again and parses that: throws unless
 * prov reads every record (same counts per type, same element identifiers as the document
 * states) and the second reading equals the first.
 */
export async function provRoundTrip(doc: unknown, processes = new ProcessRepository()): Promise<ProvRoundTrip> {
  if (!doc || typeof doc !== 'object') throw new Error('prov round trip: the document is not a JSON object');
  const dir = await mkdtemp(join(tmpdir(), 'cairn-prov-'));
  try {
    const file = join(dir, 'prov.json');
    await writeFile(file, JSON.stringify(doc), 'utf8');
    const { stdout } = await processes.check(PYTHON, [SCRIPT, file], { timeoutMs: 120_000 });
    const raw = JSON.parse(stdout) as { counts: Record<string, number>; elements: string[]; relations: string[][]; stable: boolean; provn_lines: number };
    const result: ProvRoundTrip = { counts: raw.counts, elements: raw.elements, relations: raw.relations, stable: raw.stable, provnLines: raw.provn_lines };
    const stated = statedCounts(doc as Record<string, unknown>);
    const statedElements = ['entity', 'activity', 'agent'].flatMap((s) => Object.keys(((doc as Record<string, unknown>)[s] as Record<string, unknown> | undefined) ?? {})).sort();
    const problems: string[] = [];
    if (JSON.stringify(sortKeys(result.counts)) !== JSON.stringify(sortKeys(stated))) problems.push(`record counts differ: prov read ${JSON.stringify(sortKeys(result.counts))}, the document states ${JSON.stringify(sortKeys(stated))}`);
    if (JSON.stringify(result.elements) !== JSON.stringify(statedElements)) problems.push(`element identifiers differ: ${result.elements.filter((e) => !statedElements.includes(e)).concat(statedElements.filter((e) => !result.elements.includes(e))).slice(0, 5).join(', ')}`);
    const relations = statedRelations(doc as Record<string, unknown>);
    const read = [...result.relations].sort((x, y) => (x.join('\u0000') < y.join('\u0000') ? -1 : x.join('\u0000') > y.join('\u0000') ? 1 : 0));
    if (JSON.stringify(read) !== JSON.stringify(relations)) problems.push(`relation ends differ: prov read ${JSON.stringify(read.filter((r) => !relations.some((x) => JSON.stringify(x) === JSON.stringify(r))).slice(0, 3))}`);
    if (!result.stable) problems.push('serializing what prov read and reading it again gives a different document');
    if (problems.length > 0) throw new Error(`prov round trip: ${problems.join('; ')}`);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const sortKeys = (o: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
