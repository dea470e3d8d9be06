import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type CairnStack, startCairnStack, WORKSPACE } from '@cairn/testing';

const run = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('cairn CLI [real: gateway, scheduler, images, agent, nats-server, PostgreSQL, registry, slurmctld, slurmd, ch-run]', () => {
  let stack: CairnStack;
  let caFile = '';

  const cairn = async (...args: string[]): Promise<CliResult> => {
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        ['-r', join(WORKSPACE, 'tools', 'register.js'), join(WORKSPACE, 'apps', 'cli', 'src', 'main.ts'), ...args],
        { cwd: WORKSPACE, env: { PATH: process.env['PATH'] ?? '', CAIRN_GATEWAY: stack.grpcAddress, CAIRN_GRPC_CA: caFile, CAIRN_TOKEN: stack.tokens.alice, NO_COLOR: '1' }, timeout: 120_000 },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    stack = await startCairnStack();
    // The gateway speaks TLS: the CLI trusts the stack's CA (CAIRN_GRPC_CA names a file).
    caFile = join(stack.dir, 'cli-ca.pem');
    writeFileSync(caFile, stack.ca);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('submits with --watch: shows each state, the timeline and the output, exits 0', async () => {
    const result = await cairn('job', 'submit', '-i', 'lab/busybox:1.36', '-n', 'cli', '-t', '2m', '-e', 'WHO=$USER', '--watch', '--', '/bin/sh', '-c', 'echo "hi $WHO"');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^submitted [0-9a-f-]{36} 127\.0\.0\.1:5000\/lab\/busybox@sha256:[a-f0-9]{64}$/);
    for (const state of ['ACCEPTED', 'PENDING', 'RUNNING', 'COMPLETED']) {
      expect(lines.some((l) => new RegExp(`^  \\d\\d:\\d\\d:\\d\\d  ${state}`).test(l))).toBe(true);
    }
    expect(result.stdout).toContain('● ACCEPTED ─ ● PENDING ─ ● RUNNING ─ ✔ COMPLETED');
    expect(result.stdout.endsWith('hi $USER\n')).toBe(true);
  });

  it('exits 1 when the watched job fails, and lists it with its exit code', async () => {
    const result = await cairn('job', 'submit', '-i', 'lab/busybox:1.36', '-n', 'cli-fail', '--watch', '--', '/bin/sh', '-c', 'exit 3');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✖ FAILED');
    const jobId = /^submitted ([0-9a-f-]{36})/.exec(result.stdout)?.[1] ?? '';
    const listed = await cairn('job', 'list', '--state', 'failed', '--name', 'cli-fail');
    expect(listed.stdout).toMatch(new RegExp(`${jobId}\\s+cli-fail\\s+FAILED\\s+3\\s`));
    const got = await cairn('job', 'get', jobId, '--json');
    expect(JSON.parse(got.stdout)).toMatchObject({ jobId, exitCode: 3 });
  });

  it('prints one clear line, no stack trace, for a refused request (exit 2)', async () => {
    const result = await cairn('job', 'submit', '-i', 'lab/busybox:1.36', '-n', '$(id)', '--', '/bin/true');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'cairn: INVALID_ARGUMENT: spec.name: must be a job name: letters, digits, ".", "-" and "_", starting with a letter or digit\n',
    );
  });

  it('prints one clear line when the gateway is unreachable (exit 1)', async () => {
    const result = await cairn('--gateway', '127.0.0.1:1', 'job', 'get', '00000000-0000-4000-8000-000000000000');
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^cairn: UNAVAILABLE: /);
  });

  it('refuses a bad option value before calling the gateway (exit 2)', async () => {
    const result = await cairn('job', 'submit', '-i', 'lab/busybox:1.36', '-t', 'soon', '--', '/bin/true');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"soon" is not a duration');
  });

  it('plans a workflow file and shows its graph and packing; a bad file is one error per problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-wf-'));
    const file = join(dir, 'sweep.yaml');
    writeFileSync(
      file,
      'version: 1\nname: sweep\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n  prep: { command: [/bin/true] }\n  run:\n    needs: [prep]\n    command: [/bin/echo, "${{ item }}"]\n    array: { range: { from: 1, to: 1000 }, itemEstimate: 1s, targetDuration: 100s }\n',
    );
    const planned = await cairn('workflow', 'plan', file);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain('sweep on site');
    expect(planned.stdout).toContain('2 Slurm jobs per pass');
    expect(planned.stdout).toMatch(/2\. run \[1000 items → 10 × 100 in 1 array \(0-9\)\]/);
    writeFileSync(file, 'version: 2\nname: x\nsteps: {}\n');
    const refused = await cairn('workflow', 'plan', file);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('cairn: INVALID_ARGUMENT: sweep.yaml:1:1: version: must be 1\nsweep.yaml:3:1: steps: must have at least one step\n');
    const missing = await cairn('workflow', 'plan', join(dir, 'nope.yaml'));
    expect(missing).toMatchObject({ code: 1, stderr: `cairn: cannot read ${join(dir, 'nope.yaml')}: no such file\n` });
  });

  it('runs a command over a range of items as one array job and prints every item’s output', async () => {
    const result = await cairn('job', 'submit', '-i', 'lab/busybox:1.36', '--range', '1..6', '--per-element', '3', '--watch', '--', '/bin/echo', 'item ${{ item }}');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('✔ COMPLETED');
    expect(result.stdout.endsWith(['1', '2', '3', '4', '5', '6'].map((i) => `item ${i}\n`).join(''))).toBe(true);
    const bad = await cairn('job', 'submit', '-i', 'lab/busybox:1.36', '--range', '9..1', '--', '/bin/true');
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toContain('"9..1" is not a range such as 1..100');
  });

  it('cancels a job', async () => {
    const submitted = await cairn('job', 'submit', '-i', 'lab/busybox:1.36', '--', '/bin/sleep', '300');
    const jobId = /^submitted ([0-9a-f-]{36})/.exec(submitted.stdout)?.[1] ?? '';
    const cancelled = await cairn('job', 'cancel', jobId);
    expect(cancelled.stdout).toMatch(new RegExp(`^cancel requested for ${jobId}`));
    const watched = await cairn('job', 'watch', jobId);
    expect(watched.stdout).toContain('CANCELLED');
    expect(watched.code).toBe(1);
  });
});
