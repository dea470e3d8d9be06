import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandFailedError, ProcessRepository } from './process.repository';

describe('ProcessRepository [real: /bin/sh, /bin/echo]', () => {
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

  it('rejects when the program does not exist', async () => {
    await expect(processes.run('/nonexistent/program', [])).rejects.toThrow(/ENOENT/);
  });
});
