import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { backTo, clampDepth, crumbLabel, current, DEFAULT_DEPTH, MAX_CRUMBS, MAX_DEPTH, startWalk, stepKey, walkTo, withDepth, type WalkStep } from './walk';

const up = (nodeId: string, depth = 3): WalkStep => ({ kind: 'node', nodeId, label: nodeId, direction: 'upstream', depth });

describe('the walk and its breadcrumb', () => {
  it('starts at the run and adds each walk as a crumb', () => {
    let walk = startWalk('r1');
    expect(current(walk)).toEqual({ kind: 'run', runId: 'r1' });
    walk = walkTo(walk, up('file:r1/model.npz'));
    walk = walkTo(walk, { kind: 'node', nodeId: 'job:j1', label: 'train', direction: 'downstream', depth: 2 });
    expect(walk.steps.map(crumbLabel)).toEqual(['Run r1', 'Upstream of file:r1/model.npz (depth 3)', 'Downstream of train (depth 2)']);
  });

  it('goes back to a crumb (dropping those after it), by index or by walking to the same place again', () => {
    const walk = [up('a'), up('b'), up('c')].reduce(walkTo, startWalk('r1'));
    expect(backTo(walk, 1).steps).toEqual([{ kind: 'run', runId: 'r1' }, up('a')]);
    expect(walkTo(walk, up('b')).steps).toHaveLength(3);
    expect(walkTo(walk, { kind: 'run', runId: 'r1' }).steps).toHaveLength(1);
    expect(backTo(walk, 9)).toBe(walk);
    expect(backTo(walk, -1)).toBe(walk);
    expect(backTo(walk, 1.5)).toBe(walk);
  });

  it('changes the depth of the current walk only, clamped to 1..50; the run has none', () => {
    const walk = walkTo(startWalk('r1'), up('a'));
    expect(current(withDepth(walk, 7))).toEqual(up('a', 7));
    expect(current(withDepth(walk, 500))).toEqual(up('a', MAX_DEPTH));
    expect(current(withDepth(walk, 0))).toEqual(up('a', 1));
    expect(withDepth(startWalk('r1'), 5)).toEqual(startWalk('r1'));
    expect([clampDepth(Number.NaN), clampDepth(2.6), clampDepth(-3)]).toEqual([DEFAULT_DEPTH, 3, 1]);
  });

  it('for any sequence of walks and backs: the run stays first, the crumbs stay within the limit, no two alike, the depth within 1..50', () => {
    const moves = fc.array(
      fc.oneof(
        fc.record({ go: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n'), depth: fc.integer({ min: -5, max: 80 }), down: fc.boolean() }),
        fc.record({ back: fc.integer({ min: -1, max: 15 }) }),
      ),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(moves, (ms) => {
        let walk = startWalk('r1');
        for (const m of ms) {
          walk = 'back' in m ? backTo(walk, m.back) : walkTo(walk, { kind: 'node', nodeId: m.go, label: m.go, direction: m.down ? 'downstream' : 'upstream', depth: m.depth });
          expect(walk.steps[0]).toEqual({ kind: 'run', runId: 'r1' });
          expect(walk.steps.length).toBeLessThanOrEqual(MAX_CRUMBS);
          expect(new Set(walk.steps.map((s) => JSON.stringify(stepKey(s)))).size).toBe(walk.steps.length);
          for (const s of walk.steps) if (s.kind !== 'run') expect(s.depth >= 1 && s.depth <= MAX_DEPTH).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('says what a walk from a file hash is, shortly', () => {
    const sha = 'a'.repeat(64);
    expect(crumbLabel({ kind: 'sha256', sha256: sha, label: 'pool.npz', direction: 'downstream', depth: 3 })).toBe('Runs that used pool.npz (sha256 aaaaaaaaaaaa…, depth 3)');
    expect(crumbLabel(up('x'.repeat(80))).length).toBeLessThan(70);
  });
});
