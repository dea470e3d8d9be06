import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunGraph } from '@cairn/client';
import { type CairnStack, pushFreshImage, startCairnStack, testEnv, waitFor, WORKSPACE } from '@cairn/testing';

const run = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('cairn CLI [real: gateway, scheduler, images, agent, nats-server, PostgreSQL, registry, slurmctld, slurmd, ch-run]', () => {
  let stack: CairnStack;
  let caFile = '';

  const cairnAs = async (person: 'alice' | 'bob' | 'carol', ...args: string[]): Promise<CliResult> => {
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        ['-r', join(WORKSPACE, 'tools', 'register.js'), join(WORKSPACE, 'apps', 'cli', 'src', 'main.ts'), ...args],
        { cwd: WORKSPACE, env: { PATH: process.env['PATH'] ?? '', CAIRN_GATEWAY: stack.grpcAddress, CAIRN_GRPC_CA: caFile, CAIRN_TOKEN: stack.tokens[person], NO_COLOR: '1' }, timeout: 120_000 },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const cairn = (...args: string[]): Promise<CliResult> => cairnAs('alice', ...args);

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
    // 100 per element makes 10 elements; balanced on the dev partition's 8 job slots (no throttle): two full waves, 16 × 63.
    expect(planned.stdout).toMatch(/2\. run \[1000 items → 16 × 63 in 1 array \(0-15\)\]/);
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

  it('cancels a job; `cairn limits` counts it toward alice and her account while it is unfinished', async () => {
    const usedByAlice = async () => (JSON.parse((await cairn('limits', '--json')).stdout) as { jobs: { person: { used: number } } }).jobs.person.used;
    const before = await usedByAlice();
    const submitted = await cairn('job', 'submit', '-i', 'lab/busybox:1.36', '--', '/bin/sleep', '300');
    const jobId = /^submitted ([0-9a-f-]{36})/.exec(submitted.stdout)?.[1] ?? '';
    const limits = await cairn('limits');
    expect(limits.code).toBe(0);
    expect(limits.stdout).toMatch(new RegExp(`^jobs +you \\(alice\\) +${before + 1} / 1000 +\\S+ +CAIRN_MAX_ACTIVE_JOBS_PER_PERSON$`, 'm'));
    expect(limits.stdout).toMatch(/^jobs +account alice-lab +[1-9]\d* \/ 5000 +\S+ +CAIRN_MAX_ACTIVE_JOBS_PER_PROJECT$/m);
    expect(limits.stdout).toMatch(/^workflow runs +account genomics +\d+ \/ 500 /m);
    const cancelled = await cairn('job', 'cancel', jobId);
    expect(cancelled.stdout).toMatch(new RegExp(`^cancel requested for ${jobId}`));
    const watched = await cairn('job', 'watch', jobId);
    expect(watched.stdout).toContain('CANCELLED');
    expect(watched.code).toBe(1);
    expect(await usedByAlice()).toBe(before);
  });

  it('provenance: shows, walks, exports and re-runs alice\'s run (changed parameter, same image digest); bob gets NOT_FOUND', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-provenance-'));
    const file = join(dir, 'words.yaml');
    writeFileSync(
      file,
      `version: 1
name: cli-provenance
params: { word: hello }
defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M, time: 2m } }
steps:
  say:
    command: [/bin/sh, -c, 'echo "$0" > word.txt', '\${{ params.word }}']
    outputs: { word: word.txt }
`,
    );
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    // Provenance records the run from its events: wait until it says the run is complete.
    const recorded = async (runId: string): Promise<RunGraph> => {
      for (;;) {
        const shown = await cairn('provenance', 'show', runId, '--json');
        if (shown.code === 0 && (JSON.parse(shown.stdout) as RunGraph).complete) return JSON.parse(shown.stdout) as RunGraph;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    };
    const submitted = await cairn('workflow', 'submit', file, '--watch');
    expect(submitted.code).toBe(0);
    const runId = /^submitted ([0-9a-f-]{36})/.exec(submitted.stdout)?.[1] ?? '';
    const graph = await recorded(runId);
    const output = graph.nodes.find((n) => n.type === 'file' && n.attributes['path']?.endsWith('word.txt'));
    expect(output?.attributes['sha256']).toBe(sha256('hello\n'));
    const image = graph.nodes.find((n) => n.type === 'image');
    expect(image?.attributes['digest']).toMatch(/^sha256:[0-9a-f]{64}$/);

    const summary = await cairn('provenance', 'show', runId);
    expect(summary.stdout).toContain(`run ${runId} cli-provenance SUCCEEDED`);
    expect(summary.stdout).toMatch(/by alice \(posix user alice\)/);
    expect(summary.stdout).toContain('  word = "hello"');
    expect(summary.stdout).toMatch(new RegExp(`\\nimages\\n  \\S*lab/busybox\\S*  ${image?.attributes['digest'] ?? '?'}\\n`));
    expect(summary.stdout).toMatch(new RegExp(`word\\.txt +sha256:${sha256('hello\n')}`));

    const upstream = await cairn('provenance', 'lineage', '--sha256', sha256('hello\n'), '--json');
    expect(upstream.code).toBe(0);
    const walked = JSON.parse(upstream.stdout) as { nodes: Array<{ id: string; type: string }>; depths: number[] };
    expect(walked.nodes[0]?.id).toBe(output?.id);
    expect(walked.depths[0]).toBe(0);
    expect(walked.nodes.map((n) => n.type)).toEqual(expect.arrayContaining(['job', 'image']));
    const tree = await cairn('provenance', 'lineage', image?.id ?? '', '--downstream', '--depth', '2');
    expect(tree.stdout).toContain(output?.id ?? '?');

    const exported = await cairn('provenance', 'export', runId, '--format', 'prov-json', '-o', join(dir, 'run.prov.json'));
    expect(exported.code).toBe(0);
    const prov = JSON.parse(readFileSync(join(dir, 'run.prov.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(prov)).toEqual(expect.arrayContaining(['entity', 'activity', 'agent']));
    const crate = await cairn('provenance', 'export', runId, '--format', 'ro-crate', '-o', join(dir, 'run.crate.zip'));
    expect(crate.code).toBe(0);
    const zip = readFileSync(join(dir, 'run.crate.zip'));
    expect(zip.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    expect(zip.includes('ro-crate-metadata.json')).toBe(true);

    const rerun = await cairn('provenance', 'rerun', runId, '--param', 'word=again', '--request-id', 'cli-rerun-1', '--watch');
    expect(rerun.code).toBe(0);
    const rerunId = /^submitted ([0-9a-f-]{36}) \(a re-run of ([0-9a-f-]{36})\)/.exec(rerun.stdout);
    expect(rerunId?.[2]).toBe(runId);
    const again = await recorded(rerunId?.[1] ?? '');
    // The same request id: the same new run, nothing submitted twice.
    expect((await cairn('provenance', 'rerun', runId, '--param', 'word=again', '--request-id', 'cli-rerun-1', '--json')).stdout).toContain(`"runId": "${rerunId?.[1] ?? '?'}"`);
    expect(again.rerunOf).toBe(runId);
    expect(again.nodes.find((n) => n.type === 'file' && n.attributes['path']?.endsWith('word.txt'))?.attributes['sha256']).toBe(sha256('again\n'));
    expect(again.nodes.find((n) => n.type === 'image')?.attributes['digest']).toBe(image?.attributes['digest']);
    expect((await cairn('provenance', 'rerun', runId, '--param', 'colour=red')).stderr).toMatch(/^cairn: INVALID_ARGUMENT: params\["colour"\]: the recorded run has no such parameter/);

    for (const args of [['show', runId], ['export', runId, '--format', 'prov-json', '-o', join(dir, 'bob.json')], ['rerun', runId]]) {
      const refused = await cairnAs('bob', 'provenance', ...args);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^cairn: NOT_FOUND: /);
    }
  });

  it('images: resolves, materialises with its phases, lists (the runs each person may see) and evicts (carol only) a freshly pushed image', async () => {
    const fresh = await pushFreshImage({ registry: testEnv().registry, repository: 'lab/cli-images', tag: '1' });
    const resolved = await cairn('images', 'resolve', fresh.reference);
    expect(resolved.stderr).toBe('');
    expect(resolved.stdout).toContain(`pinned    ${fresh.pinned}\n`);
    expect(resolved.stdout).toMatch(/\nplatform {2}linux\/\w+/);
    expect(JSON.parse((await cairn('images', 'resolve', fresh.reference, '--json')).stdout)).toMatchObject({ site: stack.site, image: { digest: fresh.digest, pinned: fresh.pinned } });

    const materialized = await cairn('images', 'materialize', fresh.reference);
    expect(materialized.stderr).toBe('');
    expect(materialized.code).toBe(0);
    const lines = materialized.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`pinned ${fresh.pinned} at ${stack.site}`);
    expect(lines[1]).toBe('resolving');
    expect(lines).toEqual(expect.arrayContaining(['pulling', 'verifying', 'converting', 'ready']));
    expect(lines.at(-1)).toMatch(new RegExp(`^ready ${fresh.digest.slice(0, 19)} \\S+ \\S+ charliecloud file at ${stack.site}, converted 1 time$`));

    // alice's job runs the image: its run id is hers to see, not bob's.
    const job = await cairn('job', 'submit', '-i', fresh.reference, '-n', 'cli-images', '--watch', '--', '/bin/true');
    expect(job.code).toBe(0);
    const jobId = /^submitted ([0-9a-f-]{36})/.exec(job.stdout)?.[1] ?? '';
    type Listed = { site: string; quotaBytes: number; usedBytes: number; images: Array<{ digest: string; runIds: string[]; conversions: number }> };
    const listAs = async (person: 'alice' | 'bob') => JSON.parse((await cairnAs(person, 'images', 'list', '--json')).stdout) as Listed;
    const mine = (await listAs('alice')).images.find((i) => i.digest === fresh.digest);
    expect(mine?.runIds).toContain(jobId);
    expect(mine?.conversions).toBe(1);
    const bobs = await listAs('bob');
    expect(bobs.images.find((i) => i.digest === fresh.digest)?.runIds).not.toContain(jobId);
    expect(bobs.quotaBytes).toBeGreaterThan(0);
    const table = await cairn('images', 'list');
    expect(table.stdout).toMatch(/DIGEST +PINNED FROM +SIZE +LAST USED +RUNS +IN USE\n/);
    expect(table.stdout).toMatch(new RegExp(`${fresh.digest.slice(0, 19)} +${testEnv().registry.replace(/\./g, '\\.')}/lab/cli-images `));
    expect(table.stdout).toMatch(/\nquota .* used\n$/);

    const refused = await cairn('images', 'evict', fresh.digest);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^cairn: PERMISSION_DENIED: only admins may evict images; alice is not an admin/);
    const evicted = await cairnAs('carol', 'images', 'evict', fresh.digest);
    expect(evicted.stderr).toBe('');
    expect(evicted.stdout).toMatch(new RegExp(`^evicted ${fresh.digest.slice(0, 19)} \\(\\S+ \\S+ freed\\)\n$`));
    expect((await listAs('alice')).images.map((i) => i.digest)).not.toContain(fresh.digest);
    // Both evictions are in the audit log, alice's refusal and carol's eviction, each with who.
    type Audited = { rpc: string; outcome: string; posixUser: string; name: string; ids: string[] };
    const evictions = await waitFor('both evictions in the audit log', async () => {
      const lines = (await cairnAs('carol', 'audit', '--json', '-n', '500')).stdout.trim().split('\n').filter(Boolean);
      const found = lines.map((line) => JSON.parse(line) as Audited).filter((e) => e.rpc === '/cairn.v1.ImageService/EvictImage' && e.ids[0] === fresh.digest);
      return found.length >= 2 ? found : undefined;
    }, 30_000, 500);
    expect(evictions.map((e) => [e.outcome, e.posixUser, e.name, e.ids]).sort()).toEqual([
      ['OK', 'carol', 'carol', [fresh.digest, stack.site]],
      ['PERMISSION_DENIED', 'alice', 'alice', [fresh.digest, stack.site]],
    ]);

    const malformed = await cairn('images', 'resolve', 'lab/Bad Name:1');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/^cairn: INVALID_ARGUMENT: reference: /);
    expect((await cairn('images', 'evict', 'latest')).stderr).toBe('cairn: INVALID_ARGUMENT: digest: must be sha256:<64 hex>\n');
  });
});
