import type { ProvNode } from '@cairn/contracts';
import { encodeId, normalizeGraph } from './graph';
import { toProvJson, type ProvJsonDocument, type ProvRecord } from './prov-json';
import { RUN_ID, sampleGraph, sampleSource } from './testing/sample-run';
import { provRoundTrip, validateProvJson } from './validate';

const q = (id: string): string => `node:${encodeId(id)}`;
const relation = (doc: ProvJsonDocument, key: keyof ProvJsonDocument, where: (r: ProvRecord) => boolean): ProvRecord[] => Object.values((doc[key] ?? {}) as Record<string, ProvRecord>).filter(where);

describe('toProvJson', () => {
  const doc = toProvJson(sampleGraph(), sampleSource());

  it('is valid PROV-JSON (the W3C schema) and python3-prov reads every record back', async () => {
    expect(await validateProvJson(doc)).toEqual([]);
    const read = await provRoundTrip(doc);
    expect(read.counts).toEqual({ Entity: 11, Activity: 15, Agent: 2, Usage: 11, Generation: 5, Association: 9, Derivation: 3, Communication: 4, Influence: 1 });
    expect(read.stable).toBe(true);
  }, 60_000);

  it('declares entities, activities and agents with PROV types and typed attributes', () => {
    const run = doc.activity[q(`run:${RUN_ID}`)];
    expect(run?.['prov:startTime']).toBe('2026-11-30T12:00:00.000Z');
    expect(run?.['prov:endTime']).toBe('2026-11-30T12:00:50.000Z');
    expect(run?.['prov:type']).toEqual({ $: 'cairn:Run', type: 'prov:QUALIFIED_NAME' });
    expect(doc.agent[q('person:https://idp.example.edu#alice')]?.['prov:type']).toEqual([
      { $: 'prov:Person', type: 'prov:QUALIFIED_NAME' },
      { $: 'cairn:Person', type: 'prov:QUALIFIED_NAME' },
    ]);
    expect(doc.agent[q('site:hpc1')]?.['prov:type']).toContainEqual({ $: 'prov:SoftwareAgent', type: 'prov:QUALIFIED_NAME' });
    expect(doc.entity[q(`workflow:${'c'.repeat(64)}`)]?.['prov:type']).toContainEqual({ $: 'prov:Plan', type: 'prov:QUALIFIED_NAME' });
    const external = doc.entity[q(`file:hpc1:/data/pool.csv@${'d'.repeat(64)}`)];
    expect(external?.['cairn:size']).toEqual({ $: '5000000000', type: 'xsd:long' });
    expect(external?.['cairn:sha256']).toBe('d'.repeat(64));
    expect(doc.activity[q('job:44444444-4444-4444-8444-444444444444')]?.['cairn:exit_code']).toEqual({ $: '3', type: 'xsd:int' });
    expect(doc.activity[q(`iteration:${RUN_ID}/learn/1`)]?.['cairn:metric.loss']).toEqual({ $: '0.125', type: 'xsd:double' });
    // A node id becomes a QName whose local part is percent-encoded: '#' and '@' never reach it raw.
    expect(Object.keys(doc.agent)).toContain('node:person:https://idp.example.edu%23alice');
    expect(doc.prefix).toMatchObject({ node: 'urn:cairn:node:', cairn: 'urn:cairn:terms#' });
  });

  it('writes each relation with its qualified names, roles and times', () => {
    const prep = q('job:11111111-1111-4111-8111-111111111111');
    expect(relation(doc, 'used', (r) => r['prov:activity'] === prep)).toEqual(
      expect.arrayContaining([
        { 'prov:activity': prep, 'prov:entity': q(`image:sha256:${'a'.repeat(64)}`), 'prov:role': 'image' },
        { 'prov:activity': prep, 'prov:entity': q(`file:hpc1:/data/pool.csv@${'d'.repeat(64)}`), 'prov:role': 'input' },
      ]),
    );
    expect(relation(doc, 'wasGeneratedBy', (r) => r['prov:activity'] === prep)).toEqual([
      { 'prov:entity': q(`file:${RUN_ID}/prepare/pool.npz`), 'prov:activity': prep, 'prov:role': 'output', 'cairn:name': 'pool.npz', 'prov:time': '2026-11-30T12:00:10.000Z' },
    ]);
    expect(relation(doc, 'wasDerivedFrom', (r) => r['prov:generatedEntity'] === q(`file:${RUN_ID}/learn/0/train/model.npz`))).toEqual([
      { 'prov:generatedEntity': q(`file:${RUN_ID}/learn/0/train/model.npz`), 'prov:usedEntity': q(`file:${RUN_ID}/prepare/pool.npz`) },
    ]);
    expect(relation(doc, 'wasInformedBy', () => true)).toContainEqual({ 'prov:informed': q(`step:${RUN_ID}/learn[1].train`), 'prov:informant': q(`step:${RUN_ID}/learn[0].train`) });
    // The plan joins the owner's association; a re-run (run → run) is an influence, not a derivation.
    expect(relation(doc, 'wasAssociatedWith', (r) => r['prov:activity'] === q(`run:${RUN_ID}`))).toEqual([
      { 'prov:activity': q(`run:${RUN_ID}`), 'prov:agent': q('person:https://idp.example.edu#alice'), 'prov:role': 'owner', 'prov:plan': q(`workflow:${'c'.repeat(64)}`) },
    ]);
    expect(relation(doc, 'wasInfluencedBy', () => true)).toEqual([
      { 'prov:influencee': q(`run:${RUN_ID}`), 'prov:influencer': q('run:7d1c0e9a-2b4f-4a6e-8c3d-1e5f9a7b2c60'), 'cairn:relation': 'wasDerivedFrom' },
    ]);
  });

  it('says what is part of what with dcterms:isPartOf, and declares nodes of other runs it refers to', () => {
    expect(doc.activity[q(`step:${RUN_ID}/learn[0].train`)]?.['dcterms:isPartOf']).toEqual({ $: q(`iteration:${RUN_ID}/learn/0`), type: 'prov:QUALIFIED_NAME' });
    expect(doc.activity[q('run:7d1c0e9a-2b4f-4a6e-8c3d-1e5f9a7b2c60')]).toEqual({ 'prov:type': { $: 'cairn:Run', type: 'prov:QUALIFIED_NAME' } });
    expect(doc.entity[q('file:7d1c0e9a-2b4f-4a6e-8c3d-1e5f9a7b2c60/prepare/pool.npz')]).toBeDefined();
  });

  it('gives the same document for the same graph, whatever the page order and duplicates', () => {
    const graph = sampleGraph();
    const shuffled = { nodes: [...graph.nodes].reverse().concat(graph.nodes.slice(0, 5)), edges: [...graph.edges].reverse().concat(graph.edges.slice(0, 7)) };
    expect(JSON.stringify(toProvJson(shuffled, sampleSource()))).toBe(JSON.stringify(doc));
    expect(normalizeGraph(shuffled).nodes).toHaveLength(graph.nodes.length);
  });

  it('turns a relation whose ends have the wrong classes into an influence (still valid PROV)', async () => {
    const graph = sampleGraph();
    const odd = toProvJson({ nodes: graph.nodes, edges: [{ relation: 'used', from: `file:${RUN_ID}/prepare/pool.npz`, to: `run:${RUN_ID}`, attributes: {} }] });
    expect(odd.used).toBeUndefined();
    expect(Object.values(odd.wasInfluencedBy ?? {})).toEqual([{ 'prov:influencee': q(`file:${RUN_ID}/prepare/pool.npz`), 'prov:influencer': q(`run:${RUN_ID}`), 'cairn:relation': 'used' }]);
    expect(await validateProvJson(odd)).toEqual([]);
  });

  it('keeps every documented limit at its maximum: 128 attributes of 4096 characters, ids of 1200', async () => {
    const hostile = '#@ %[]"\'<>&ü\u0000\n/:';
    const id = `file:${RUN_ID}/${hostile.repeat(100)}`.slice(0, 1200);
    const attributes = Object.fromEntries(Array.from({ length: 128 }, (_, i) => [`${hostile}${i}`.padEnd(128, 'x'), `${hostile}`.repeat(300).slice(0, 4096)]));
    const big: ProvNode = { id, kind: 'entity', type: 'file', label: hostile.repeat(40).slice(0, 512), runId: RUN_ID, attributes };
    const graph = sampleGraph();
    const doc = toProvJson({ nodes: [...graph.nodes, big], edges: [...graph.edges, { relation: 'wasGeneratedBy', from: id, to: `run:${RUN_ID}`, attributes: { role: 'output' } }] });
    expect(Object.keys(doc.entity[q(id)] ?? {})).toHaveLength(128 + 2);
    expect(await validateProvJson(doc)).toEqual([]);
    expect((await provRoundTrip(doc)).elements).toContain(q(id));
  }, 60_000);
});

describe('validateProvJson', () => {
  const doc = toProvJson(sampleGraph(), sampleSource());

  it.each([
    ['a generation without its entity', { ...doc, wasGeneratedBy: { '_:g1': { 'prov:activity': 'node:x' } } }, 'prov:entity'],
    ['a usage without its activity', { ...doc, used: { '_:u1': { 'prov:entity': 'node:x' } } }, 'prov:activity'],
    ['a communication without its informant', { ...doc, wasInformedBy: { '_:c1': { 'prov:informed': 'node:x' } } }, 'prov:informant'],
    ['a typed literal without its value', { ...doc, entity: { 'node:x': { 'cairn:size': { type: 'xsd:long' } } } }, '/entity/node:x'],
    ['an activity whose start is not a date-time', { ...doc, activity: { 'node:x': { 'prov:startTime': 'yesterday' } } }, 'prov:startTime'],
    ['an attribute whose value is an object', { ...doc, agent: { 'node:x': { 'cairn:name': { first: 'a' } } } }, '/agent/node:x'],
    ['a prefix that is not a URI', { ...doc, prefix: { cairn: 'not a uri' } }, '/prefix'],
    ['an unknown section', { ...doc, wasCreatedBy: {} }, 'additionalProperty'],
  ])('rejects %s', async (_name, bad, expected) => {
    const problems = await validateProvJson(bad);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain(expected);
  });

  it('fails the round trip of a document python3-prov cannot read (an identifier whose prefix is not declared)', async () => {
    await expect(provRoundTrip({ ...doc, entity: { ...doc.entity, 'undeclared-prefix:x': {} } })).rejects.toThrow(/prov round trip|exited/);
  }, 60_000);
});
