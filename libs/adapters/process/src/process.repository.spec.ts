import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandFailedError, ProcessRepository } from './process.repository';

describe('ProcessRepository [real: /bin/sh, /bin/echo, /usr/bin/env]', () => {
  const processes = new ProcessRepository();

  it('passes arguments as a vector: shell syntax stays literal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proc-'));
    const pwned = join(dir, 'pwned');
    const result = await processes.run('/bin/echo', [`$(touch ${pwned})`, '; rm -rf /', '`id`']);
    expect(result.stdout).toBe(`$(touch ${pwned}) ; rm -rf / \`id\`\n`);
    expect(existsSync(pwned)).toBe(false);
  });

  it('reports a non-zero exit without rejecting, and check() rejects with the output', async () => {
    const result = await processes.run('/bin/sh', ['-c', 'echo oops >&2; exit 3']);
    expect(result).toEqual({ exitCode: 3, stdout: '', stderr: 'oops\n' });
    await expect(processes.check('/bin/sh', ['-c', 'echo oops >&2; exit 3'])).rejects.toThrow(CommandFailedError);
  });

  it('starts the child with the environment envFrom makes of its own, and with env when both are given', async () => {
    const seen: string[] = [];
    const filtered = await processes.run('/usr/bin/env', [], {
      envFrom: (parent) => {
        seen.push(...Object.keys(parent));
        return { ONLY: 'this' };
      },
    });
    expect(filtered.stdout).toBe('ONLY=this\n');
    expect(seen).toContain('PATH');
    const explicit = await processes.run('/usr/bin/env', [], { env: { A: '1' }, envFrom: () => ({ B: '2' }) });
    expect(explicit.stdout).toBe('A=1\n');
  });

  it('rejects when the program does not exist', async () => {
    await expect(processes.run('/nonexistent/program', [])).rejects.toThrow(/ENOENT/);
  });
});
