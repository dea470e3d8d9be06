import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { boxWidth, characters, type DagEdge, type DagLayout, type DagNode, layoutDag, layoutKey, MAX_LABEL_CHARS, shorten } from './dag-layout';

function overlaps(a: DagLayout['nodes'][number], b: DagLayout['nodes'][number]): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Random DAGs: nodes 0..n-1, edges only from a lower to a higher index (no cycle). */
const dags = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.record({
    nodes: fc.constant(Array.from({ length: n }, (_, i): DagNode => ({ id: `s${i}`, label: `step-${'x'.repeat(i % 45)}${i}`, state: 'RUNNING' }))),
    edges: fc.array(
      fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 1 })).map(([a, b]): DagEdge => ({ from: `s${Math.min(a, b)}`, to: `s${Math.max(a, b)}` })),
      { maxLength: n * 2 },
    ),
  }),
);

describe('layoutDag', () => {
  it('places every node of a random DAG inside the drawing, in reading order, with no two boxes overlapping', () => {
    fc.assert(
      fc.property(dags, fc.constantFrom<'TB' | 'LR'>('TB', 'LR'), ({ nodes, edges }, direction) => {
        const layout = layoutDag(nodes, edges, { direction });
        expect(layout.nodes.map((n) => n.id).sort()).toEqual(nodes.map((n) => n.id).sort());
        for (const node of layout.nodes) {
          expect(Number.isFinite(node.x) && Number.isFinite(node.y)).toBe(true);
          expect(node.x).toBeGreaterThanOrEqual(0);
          expect(node.y).toBeGreaterThanOrEqual(0);
          expect(node.x + node.width).toBeLessThanOrEqual(layout.width);
          expect(node.y + node.height).toBeLessThanOrEqual(layout.height);
        }
        for (let i = 1; i < layout.nodes.length; i++) {
          const [a, b] = [layout.nodes[i - 1], layout.nodes[i]] as [DagLayout['nodes'][number], DagLayout['nodes'][number]];
          // Reading order: rank by rank (top to bottom, or left to right).
          if (direction === 'TB') expect(a.y < b.y || (a.y === b.y && a.x <= b.x)).toBe(true);
          else expect(a.x < b.x || (a.x === b.x && a.y <= b.y)).toBe(true);
        }
        for (let i = 0; i < layout.nodes.length; i++) {
          for (let j = i + 1; j < layout.nodes.length; j++) {
            expect(overlaps(layout.nodes[i] as DagLayout['nodes'][number], layout.nodes[j] as DagLayout['nodes'][number])).toBe(false);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps every edge between placed nodes, each drawn with points, and runs it downwards top to bottom', () => {
    fc.assert(
      fc.property(dags, ({ nodes, edges }) => {
        const layout = layoutDag(nodes, edges);
        const byId = new Map(layout.nodes.map((n) => [n.id, n]));
        const wanted = new Set(edges.filter((e) => e.from !== e.to).map((e) => `${e.from}>${e.to}`));
        expect(new Set(layout.edges.map((e) => `${e.from}>${e.to}`))).toEqual(wanted);
        for (const edge of layout.edges) {
          const from = byId.get(edge.from);
          const to = byId.get(edge.to);
          expect(from && to).toBeTruthy();
          expect(edge.points.length).toBeGreaterThanOrEqual(2);
          if (from && to) expect(to.y).toBeGreaterThan(from.y);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('leaves out edges to unknown nodes, self-edges and repeated ids, and draws an empty graph as nothing', () => {
    const layout = layoutDag(
      [
        { id: 'a', label: 'a' },
        { id: 'a', label: 'again' },
        { id: 'b', label: 'b' },
      ],
      [
        { from: 'a', to: 'b' },
        { from: 'a', to: 'b' },
        { from: 'a', to: 'a' },
        { from: 'a', to: 'ghost' },
        { from: '__proto__', to: 'b' },
      ],
    );
    expect(layout.nodes.map((n) => n.label).sort()).toEqual(['a', 'b']);
    expect(layout.edges.map((e) => [e.from, e.to])).toEqual([['a', 'b']]);
    expect(layoutDag([], [{ from: 'a', to: 'b' }])).toEqual({ width: 0, height: 0, nodes: [], edges: [] });
  });

  it('draws a cycle anyway (every node placed)', () => {
    const layout = layoutDag(
      [
        { id: 'a', label: 'a' },
        { id: 'b', label: 'b' },
      ],
      [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
      ],
    );
    expect(layout.nodes).toHaveLength(2);
  });
});

describe('shorten', () => {
  it('keeps short text and cuts long text to the limit, keeping its end', () => {
    expect(shorten('train')).toBe('train');
    const long = `learn[12].${'a'.repeat(50)}.train`;
    const short = shorten(long);
    expect([...short]).toHaveLength(MAX_LABEL_CHARS);
    expect(short.startsWith('…')).toBe(true);
    expect(short.endsWith('.train')).toBe(true);
  });

  it('for any text: at most the limit in characters, the text itself when short, else "…" and its end; never half a character', () => {
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        const short = shorten(text);
        expect(characters(short).length).toBeLessThanOrEqual(MAX_LABEL_CHARS);
        if (characters(text).length <= MAX_LABEL_CHARS) expect(short).toBe(text);
        else {
          expect(short.startsWith('…')).toBe(true);
          expect(text.endsWith(short.slice(1))).toBe(true);
        }
        expect(loneSurrogate.test(short)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('counts an emoji with its modifiers as one character and never cuts it', () => {
    const family = '👩‍👩‍👧‍👦';
    expect(characters(`a${family}b`)).toEqual(['a', family, 'b']);
    const short = shorten(family.repeat(40));
    expect(characters(short)).toHaveLength(MAX_LABEL_CHARS);
    expect(short.slice(1)).toBe(family.repeat(MAX_LABEL_CHARS - 1));
  });
});

describe('layoutDag on the graph dagre once overlapped (dagrejs/dagre#158)', () => {
  it('keeps boxes of very different widths apart', () => {
    const ids = ['a', 'c1234-a-very-long-step-name-indeed', 'd', 'ee', 'k', 'l', 'm', 'n', 'p', 'q', 'r', 's'];
    const edges: DagEdge[] = [
      ['a', 'c1234-a-very-long-step-name-indeed'],
      ['a', 'd'],
      ['a', 'ee'],
      ['ee', 'k'],
      ['ee', 'l'],
      ['ee', 'm'],
      ['ee', 'n'],
      ['d', 'p'],
      ['p', 'q'],
      ['p', 'r'],
      ['p', 's'],
    ].map(([from, to]) => ({ from: from as string, to: to as string }));
    for (const direction of ['TB', 'LR'] as const) {
      const layout = layoutDag(ids.map((id) => ({ id, label: id, state: 'SUCCEEDED', detail: id === 'd' ? 'x'.repeat(60) : undefined })), edges, { direction });
      for (const a of layout.nodes) for (const b of layout.nodes) if (a !== b) expect(overlaps(a, b)).toBe(false);
    }
  });
});

describe('layoutKey and boxWidth', () => {
  const nodes: DagNode[] = [
    { id: 'prepare', label: 'prepare', state: 'WAITING' },
    { id: 'score', label: 'score', state: 'RUNNING', detail: '37/100 items' },
  ];
  const edges: DagEdge[] = [{ from: 'prepare', to: 'score' }];

  it('stays the same when states, links and counts (of the same length) change, so the drawing does not move', () => {
    const later: DagNode[] = [
      { id: 'prepare', label: 'prepare', state: 'SUCCEEDED', href: '/jobs/1' },
      { id: 'score', label: 'score', state: 'CANCELLED', detail: '98/100 items' },
    ];
    expect(layoutKey(later, edges)).toBe(layoutKey(nodes, edges));
  });

  it('changes when a node or an edge is added, or the direction changes', () => {
    const key = layoutKey(nodes, edges);
    expect(layoutKey([...nodes, { id: 'report', label: 'report' }], edges)).not.toBe(key);
    expect(layoutKey(nodes, [...edges, { from: 'score', to: 'prepare' }])).not.toBe(key);
    expect(layoutKey(nodes, edges, 'LR')).not.toBe(key);
  });

  it('gives every box room for its label and second line, in whole steps', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.option(fc.string({ maxLength: 60 }), { nil: undefined }), fc.boolean(), (label, detail, hasState) => {
        const width = boxWidth({ id: 'x', label, ...(detail === undefined ? {} : { detail }), ...(hasState ? { state: 'SUCCEEDED' } : {}) });
        expect(width % 16).toBe(0);
        expect(width).toBeGreaterThanOrEqual(120);
        expect(width).toBeGreaterThanOrEqual(characters(shorten(label)).length * 7.4);
      }),
      { numRuns: 200 },
    );
  });
});
