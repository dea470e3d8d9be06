import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { serverProblems } from './server-problems';
import { formatProblem } from './workflow-problems';

const TEXT = 'version: 1\nname: demo\nsteps:\n  train:\n    command: [x]\n    resources: { cpus: 999 }\n';

describe('serverProblems: the workflow service\'s refusal, placed in the editor', () => {
  it('places each "<file>:<line>:<column>: <field>: <message>" line and keeps the field in the message', () => {
    const message = [
      'workflow.yaml:6:24: steps.train.resources.cpus: must be at most 256',
      'workflow.yaml:4:3: steps.train.image: an image is required (here or in defaults.image)',
      'workflow.yaml: and 2 more problems',
    ].join('\n');
    const { located, general } = serverProblems(message, TEXT);
    expect(located.map(formatProblem)).toEqual([
      'Line 6, column 24: steps.train.resources.cpus: must be at most 256',
      'Line 4, column 3: steps.train.image: an image is required (here or in defaults.image)',
    ]);
    expect(TEXT.slice(located[0]?.from, located[0]?.to)).toBe('999');
    expect(located.every((p) => p.source === 'server')).toBe(true);
    expect(general).toEqual(['and 2 more problems']);
  });

  it('keeps what names no place as it was said', () => {
    expect(serverProblems('site: unknown site "mars"; known sites: dev', TEXT)).toEqual({ located: [], general: ['site: unknown site "mars"; known sites: dev'] });
  });

  it('clamps a stale position (the text changed since) into the document', () => {
    const [p] = serverProblems('w.yaml:99:80: too far', 'a: 1\nb: 2').located;
    expect(p).toMatchObject({ line: 2, column: 5, from: 9, to: 9 });
  });

  it('never throws and places every problem inside the document, whatever the message and text', () => {
    const line = fc.oneof(
      fc.tuple(fc.nat({ max: 2_000_000_000 }), fc.nat({ max: 2_000_000_000 }), fc.string({ maxLength: 40 })).map(([l, c, m]) => `workflow.yaml:${l}:${c}: ${m}`),
      fc.string({ maxLength: 60 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 25 }), fc.string({ maxLength: 200 }), (lines, text) => {
        const { located } = serverProblems(lines.join('\n'), text);
        for (const p of located) {
          expect(p.from).toBeGreaterThanOrEqual(0);
          expect(p.to).toBeGreaterThanOrEqual(p.from);
          expect(p.to).toBeLessThanOrEqual(text.length);
          expect(p.line).toBeLessThanOrEqual(text.split('\n').length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
