import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatViolations, type AxeViolation } from './axe';
import { spkiHash } from './chromium';
import { JWT_PATTERN } from './page-watch';

const violation = (id: string, impact: string | null, nodes: number): AxeViolation => ({
  id,
  impact,
  help: `help for ${id}`,
  helpUrl: `https://example.test/${id}`,
  nodes: Array.from({ length: nodes }, (_, i) => ({ target: [`#n${i}`], failureSummary: `Fix this:\n  thing ${i}` })),
});

describe('formatViolations', () => {
  it('names each rule, its impact, the help and its first five elements, with the rest counted', () => {
    const text = formatViolations('/submit at phone', [violation('image-alt', 'critical', 7), violation('label', null, 1)]);
    expect(text.split('\n')).toEqual([
      'axe-core: 2 serious or critical violation(s) on /submit at phone:',
      '- [critical] image-alt: help for image-alt (https://example.test/image-alt)',
      '    #n0 -- Fix this: thing 0',
      '    #n1 -- Fix this: thing 1',
      '    #n2 -- Fix this: thing 2',
      '    #n3 -- Fix this: thing 3',
      '    #n4 -- Fix this: thing 4',
      '    ... and 2 more',
      '- [unknown] label: help for label (https://example.test/label)',
      '    #n0 -- Fix this: thing 0',
    ]);
  });
});

describe('spkiHash', () => {
  it('is what openssl computes for the certificate\'s public key (what Chromium pins)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spki-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=t', '-days', '1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
      const der = execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-pubkey', '-noout'], { encoding: 'utf8' });
      const spki = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: der });
      const expected = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: spki }).toString('base64');
      expect(spkiHash(readFileSync(join(dir, 'c.pem')))).toBe(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('JWT_PATTERN', () => {
  it('finds a compact JWT inside other text, and not ordinary ids or base64', () => {
    expect(JWT_PATTERN.test('k=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz')).toBe(true);
    expect(JWT_PATTERN.test('run 4e2d233e-761a-4c55-84ed-f22a7d542dca; eyJhbGciOiJSUzI1NiJ9 alone')).toBe(false);
  });
});
