import fc from 'fast-check';
import { isRefusal, parseEvent, type ProvStream } from './event-parsing';
import { enclosingIteration } from './event-mapping';
import { mergeAttributes } from './graph-batch';
import { labelOf, runOfId, typeOfId } from './graph-ids';
import { ancestorsOf } from './provenance-queries';
import { worldEvents } from './provenance-spec-kit';

describe('what provenance accepts from the streams', () => {
  it('refuses anything that is not an event of its stream, with a bounded reason, and never throws', () => {
    const streams: ProvStream[] = ['jobs', 'workflows', 'images'];
    fc.assert(
      fc.property(fc.constantFrom(...streams), fc.jsonValue(), fc.string({ maxLength: 2000 }), (stream, data, subject) => {
        const parsed = parseEvent(stream, { subject, seq: 1, data });
        expect(isRefusal(parsed)).toBe(true);
        if (isRefusal(parsed)) expect(parsed.subject.length + parsed.reason.length).toBeLessThanOrEqual(256 + 3 * 260);
      }),
      { numRuns: 300 },
    );
    expect(parseEvent('jobs', { subject: 's', seq: 1, data: undefined, undecodable: new Error('bad') })).toMatchObject({ reason: 'not JSON' });
  });

  it('takes every event of the recorded world from its own stream, and refuses it from another', () => {
    for (const e of worldEvents()) {
      const parsed = parseEvent(e.stream, { subject: 'x', seq: e.stream === 'images' ? e.seq : 7, data: JSON.parse(JSON.stringify(e.event)) });
      expect(parsed).toMatchObject({ stream: e.stream, id: e.id });
      const other: ProvStream = e.stream === 'jobs' ? 'workflows' : 'jobs';
      expect(isRefusal(parseEvent(other, { subject: 'x', seq: 1, data: e.event }))).toBe(true);
    }
  });
});

describe('node ids and attribute merges', () => {
  it('reads type and run from an id', () => {
    const run = '11111111-1111-4111-8111-111111111111';
    expect([typeOfId(`file:${run}/a/b`), runOfId(`file:${run}/a/b`)]).toEqual(['file', run]);
    expect([typeOfId('file:dev:/data/x@' + 'a'.repeat(64)), runOfId('file:dev:/data/x@' + 'a'.repeat(64))]).toEqual(['file', '']);
    expect([typeOfId('workflow:abc'), runOfId('workflow:abc')]).toEqual(['workflow-file', '']);
    expect(runOfId(`job:${run}`)).toBe(run);
    expect(typeOfId('nonsense')).toBeUndefined();
    expect(labelOf(`step:${run}/x`, { path: 'learn.train' })).toBe('learn.train');
    expect(labelOf('x:'.padEnd(2000, 'y'), {}).length).toBe(512);
  });

  it('finds the iteration a step key belongs to, and the directories above a file', () => {
    expect(enclosingIteration('learn[2].train')).toEqual({ loop: 'learn', n: 2 });
    expect(enclosingIteration('outer[1].inner[3].train')).toEqual({ loop: 'outer[1].inner', n: 3 });
    expect(enclosingIteration('train')).toBeUndefined();
    expect(enclosingIteration('learn')).toBeUndefined();
    expect(ancestorsOf('file:11111111-1111-4111-8111-111111111111/sweep/3/result.json')).toEqual(['file:11111111-1111-4111-8111-111111111111/sweep/3', 'file:11111111-1111-4111-8111-111111111111/sweep']);
  });

  it('merges attributes key by key to the same result in any order', () => {
    const change = fc.record({ attributes: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.string({ maxLength: 3 })), key: fc.integer({ min: 0, max: 1000 }) });
    fc.assert(
      fc.property(fc.uniqueArray(change, { selector: (c) => c.key, maxLength: 8 }), fc.integer(), (changes, seed) => {
        const apply = (list: typeof changes) =>
          list.reduce((acc, c) => mergeAttributes(acc, { attributes: c.attributes, keys: Object.fromEntries(Object.keys(c.attributes).map((k) => [k, c.key])) }), { attributes: {}, keys: {} } as ReturnType<typeof mergeAttributes>);
        const shuffled = [...changes].sort((x, y) => ((x.key * 7919 + seed) % 101) - ((y.key * 7919 + seed) % 101));
        expect(apply(shuffled)).toEqual(apply(changes));
      }),
      { numRuns: 200 },
    );
  });
});
