import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { ProvEdgeSchema, ProvKind, ProvNodeSchema, type ProvEdge, type ProvNode } from '@cairn/portal-client';
import { COLLAPSE_ITEMS_OVER, collapseItems, itemsGroupId, membersOf, outputsGroupId } from './collapse';
import { drawingOf, kindLine, MAX_DRAWN_NODES } from './drawing';
import { addPage, edgesOf, emptyGraph, kindName, labelOf, runNodeOf, type ProvGraph } from './prov-graph-model';

const node = (id: string, type: string, kind: ProvKind, more: { runId?: string; label?: string; attributes?: Record<string, string> } = {}): ProvNode =>
  create(ProvNodeSchema, { id, type, kind, label: id.slice(id.indexOf(':') + 1), runId: 'r1', ...more });
const edge = (relation: string, from: string, to: string, attributes: Record<string, string> = {}): ProvEdge => create(ProvEdgeSchema, { relation, from, to, attributes });
const A = ProvKind.ACTIVITY;
const E = ProvKind.ENTITY;

/** A run with one array step of `n` items, each generating one file, plus the run's usual neighbours. */
function arrayRun(n: number): ProvGraph {
  const nodes = [node('run:r1', 'run', A), node('step:r1/score', 'step', A), node('image:sha256:ab', 'image', E, { runId: '' }), node('person:idp#alice', 'person', ProvKind.AGENT, { runId: '' })];
  const edges = [edge('partOf', 'step:r1/score', 'run:r1'), edge('wasAssociatedWith', 'run:r1', 'person:idp#alice', { role: 'owner' })];
  for (let i = 0; i < n; i++) {
    nodes.push(node(`item:r1/score/${i}`, 'item', A), node(`file:r1/score/out-${i}.txt`, 'file', E));
    edges.push(edge('partOf', `item:r1/score/${i}`, 'step:r1/score'), edge('used', `item:r1/score/${i}`, 'image:sha256:ab'), edge('wasGeneratedBy', `file:r1/score/out-${i}.txt`, `item:r1/score/${i}`));
  }
  return addPage(emptyGraph(), nodes, edges);
}

describe('the graph a view keeps', () => {
  it('adds pages without duplicates: a node or relation sent twice is kept once, as first sent', () => {
    const first = addPage(emptyGraph(), [node('run:r1', 'run', A), node('file:r1/a', 'file', E)], [edge('wasGeneratedBy', 'file:r1/a', 'run:r1')]);
    const again = addPage(first, [node('run:r1', 'run', A, { label: 'changed' }), node('file:r1/b', 'file', E)], [edge('wasGeneratedBy', 'file:r1/a', 'run:r1'), edge('used', 'run:r1', 'file:r1/b')]);
    expect([...again.nodes.keys()]).toEqual(['run:r1', 'file:r1/a', 'file:r1/b']);
    expect(again.nodes.get('run:r1')?.label).toBe('r1');
    expect(again.edges.size).toBe(2);
    // The first graph is unchanged.
    expect(first.nodes.size).toBe(2);
    expect(edgesOf(again, 'run:r1')).toEqual({ outgoing: [expect.objectContaining({ relation: 'used' })], incoming: [expect.objectContaining({ relation: 'wasGeneratedBy' })] });
  });

  it('for any pages in any order and repeated: the same nodes and relations', () => {
    const ids = fc.constantFrom('run:r', 'step:r/a', 'file:r/x', 'image:sha256:1', '__proto__', 'constructor');
    const pages = fc.array(fc.record({ nodes: fc.array(ids, { maxLength: 6 }), edges: fc.array(fc.tuple(fc.constantFrom('used', 'partOf'), ids, ids), { maxLength: 6 }) }), { maxLength: 6 });
    fc.assert(
      fc.property(pages, (ps) => {
        const build = (order: typeof ps) => order.reduce((g, p) => addPage(g, p.nodes.map((id) => node(id, 'file', E)), p.edges.map(([r, f, t]) => edge(r, f, t))), emptyGraph());
        const a = build(ps);
        const b = build([...ps].reverse().concat(ps));
        expect(new Set(a.nodes.keys())).toEqual(new Set(b.nodes.keys()));
        expect(new Set(a.edges.keys())).toEqual(new Set(b.edges.keys()));
        expect(a.nodes.size).toBe(new Set(ps.flatMap((p) => p.nodes)).size);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps attributes named like Object properties as plain attributes', () => {
    const g = addPage(emptyGraph(), [node('file:r/x', 'file', E, { attributes: { ['__proto__']: 'p', constructor: 'c', sha256: 'ab' } })], []);
    const attributes = g.nodes.get('file:r/x')?.attributes ?? {};
    expect(Object.keys(attributes).sort()).toEqual(['__proto__', 'constructor', 'sha256']);
    expect(attributes['constructor']).toBe('c');
  });

  it('names each class; an unspecified class is found from the type', () => {
    expect([kindName(ProvKind.ENTITY), kindName(ProvKind.ACTIVITY), kindName(ProvKind.AGENT)]).toEqual(['entity', 'activity', 'agent']);
    expect([kindName(ProvKind.UNSPECIFIED, 'step'), kindName(ProvKind.UNSPECIFIED, 'site'), kindName(ProvKind.UNSPECIFIED, 'file')]).toEqual(['activity', 'agent', 'entity']);
  });

  it('finds the node of a run or of a job outside any workflow, and labels nodes without a label by their id', () => {
    const g = addPage(emptyGraph(), [node('job:j1', 'job', A)], []);
    expect(runNodeOf(g, 'j1')?.id).toBe('job:j1');
    expect(runNodeOf(g, 'nope')).toBeUndefined();
    expect(labelOf({ id: 'file:r1/out/model.npz', label: '' })).toBe('r1/out/model.npz');
    expect(labelOf({ id: 'plain', label: '' })).toBe('plain');
    expect(labelOf({ id: 'image:sha256:ab', label: 'sha256:ab', type: 'image', attributes: { reference: 'lab/cairn-examples:1' } })).toBe('lab/cairn-examples:1');
  });
});

describe('collapseItems', () => {
  it(`leaves a step of up to ${COLLAPSE_ITEMS_OVER} items as it is`, () => {
    const view = collapseItems(arrayRun(COLLAPSE_ITEMS_OVER), new Set());
    expect(view.nodes).toHaveLength(4 + 2 * COLLAPSE_ITEMS_OVER);
    expect(view.nodes.every((n) => n.group === undefined)).toBe(true);
  });

  it('shows a larger step\'s items as one "N items" node and their outputs as one "N outputs" node, with the relations merged', () => {
    const view = collapseItems(arrayRun(1000), new Set());
    const items = view.nodes.find((n) => n.id === itemsGroupId('step:r1/score'));
    const outputs = view.nodes.find((n) => n.id === outputsGroupId('step:r1/score'));
    expect(items).toEqual({ id: 'items:step:r1/score', kind: 'activity', type: 'items', label: '1000 items', group: { step: 'step:r1/score', count: 1000 } });
    expect(outputs).toMatchObject({ kind: 'entity', type: 'outputs', label: '1000 outputs', group: { count: 1000 } });
    expect(view.nodes).toHaveLength(6);
    expect(view.edges).toEqual(
      expect.arrayContaining([
        { relation: 'partOf', from: 'items:step:r1/score', to: 'step:r1/score', count: 1000 },
        { relation: 'used', from: 'items:step:r1/score', to: 'image:sha256:ab', count: 1000 },
        { relation: 'wasGeneratedBy', from: 'outputs:step:r1/score', to: 'items:step:r1/score', count: 1000 },
      ]),
    );
    expect(view.edges).toHaveLength(5);
    expect(view.shownAs.get('item:r1/score/7')).toBe('items:step:r1/score');
    expect(membersOf(view, 'items:step:r1/score')).toHaveLength(1000);
  });

  it('expands a step on request: every item and file is shown again', () => {
    const view = collapseItems(arrayRun(50), new Set(['step:r1/score']));
    expect(view.nodes).toHaveLength(4 + 100);
    expect(view.nodes.some((n) => n.group !== undefined)).toBe(false);
  });

  it('groups items by their step from the id when no partOf relation came', () => {
    const nodes = Array.from({ length: 10 }, (_, i) => node(`item:r1/a.b/${i}`, 'item', A));
    const view = collapseItems(addPage(emptyGraph(), nodes, []), new Set());
    expect(view.nodes.map((n) => n.id)).toEqual(['items:step:r1/a.b']);
  });

  it('keeps a file made by items of two steps, or by an item and something else, as itself', () => {
    const g = addPage(arrayRun(10), [node('step:r1/other', 'step', A), node('file:r1/shared', 'file', E)], [edge('wasGeneratedBy', 'file:r1/shared', 'item:r1/score/1'), edge('wasGeneratedBy', 'file:r1/shared', 'step:r1/other')]);
    const view = collapseItems(g, new Set());
    expect(view.shownAs.get('file:r1/shared')).toBe('file:r1/shared');
  });

  it('for any graph: every node is shown exactly once (itself or its group), and no edge joins a node to itself', () => {
    const graphs = fc.record({ items: fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.nat({ max: 30 })), { maxLength: 60 }), files: fc.array(fc.tuple(fc.nat({ max: 20 }), fc.constantFrom('a', 'b', 'c'), fc.nat({ max: 30 })), { maxLength: 40 }) });
    fc.assert(
      fc.property(graphs, fc.subarray(['step:r1/a', 'step:r1/b', 'step:r1/c']), ({ items, files }, open) => {
        const nodes = [...items.map(([s, i]) => node(`item:r1/${s}/${i}`, 'item', A)), ...files.map(([f]) => node(`file:r1/f${f}`, 'file', E))];
        const edges = files.map(([f, s, i]) => edge('wasGeneratedBy', `file:r1/f${f}`, `item:r1/${s}/${i}`));
        const g = addPage(emptyGraph(), nodes, edges);
        const view = collapseItems(g, new Set(open));
        const shown = new Set(view.nodes.map((n) => n.id));
        expect(shown.size).toBe(view.nodes.length);
        for (const id of g.nodes.keys()) expect(shown.has(view.shownAs.get(id) ?? '')).toBe(true);
        for (const e of view.edges) expect(e.from).not.toBe(e.to);
        for (const n of view.nodes) if (n.group) expect(n.group.count).toBeGreaterThan(0);
        const grouped = view.nodes.filter((n) => n.type === 'items').map((n) => n.group?.step);
        for (const s of open) expect(grouped).not.toContain(s);
      }),
      { numRuns: 150 },
    );
  });
});

describe('drawingOf', () => {
  it('labels every box with its class in words and lays relations out from cause to effect', () => {
    const view = collapseItems(arrayRun(2), new Set());
    const drawing = drawingOf(view);
    expect(drawing.nodes.find((n) => n.id === 'run:r1')).toEqual({ id: 'run:r1', label: 'r1', detail: '▭ activity · run' });
    expect(drawing.nodes.find((n) => n.id === 'person:idp#alice')?.detail).toBe('⌂ agent · person');
    expect(kindLine({ kind: 'entity', type: 'file' })).toBe('◯ entity · file');
    // step partOf run → the run is laid out first; file wasGeneratedBy item → the item first.
    expect(drawing.edges).toEqual(expect.arrayContaining([{ from: 'run:r1', to: 'step:r1/score' }, { from: 'item:r1/score/0', to: 'file:r1/score/out-0.txt' }]));
    expect(drawing.hidden).toBe(0);
    // Where a walk starts says so in words.
    expect(drawingOf(view, undefined, ['run:r1']).nodes.find((n) => n.id === 'run:r1')?.detail).toBe('▭ activity · run · start');
  });

  it(`draws at most ${MAX_DRAWN_NODES} nodes, counts the rest, and keeps no edge to a node left out`, () => {
    const view = collapseItems(arrayRun(400), new Set(['step:r1/score']));
    const drawing = drawingOf(view);
    expect(drawing.nodes).toHaveLength(MAX_DRAWN_NODES);
    expect(drawing.hidden).toBe(view.nodes.length - MAX_DRAWN_NODES);
    const ids = new Set(drawing.nodes.map((n) => n.id));
    for (const e of drawing.edges) expect(ids.has(e.from) && ids.has(e.to)).toBe(true);
  });
});
