import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ARRAY_WRAPPER_SCRIPT, JOB_ENV_NAMES, WRAPPER_SCRIPT } from '@cairn/site-agent';
import { type CairnStack, startCairnStack, testEnv } from '@cairn/testing';
import { spec, stateOf, submit, watchAll } from './job-helpers';

/**
 * What a hostile job tries from inside its box, and must fail at: reading the agent's
 * environment, writing what the agent runs later, writing the host's /tmp, finding the
 * agent's NATS credentials and talking to NATS. It reports each attempt on stdout; the
 * test checks the report and the host.
 */
const PROBE = [
  'pid=$1; port=$2; stack=$3; other=$4; marker=$5',
  'echo "uid=$(id -u)"',
  'echo env-begin; env; echo env-end',
  'if cat "/proc/$pid/environ" >/dev/null 2>&1; then echo agent-environ=readable; else echo agent-environ=denied; fi',
  'for f in "$stack/agent/bin/cairn-wrap" "$stack/agent/bin/cairn-wrap-array" "$stack/agent/attempts/$other/argv" "$stack/agent/attempts/$other/job.sh"; do if [ -e "$f" ]; then echo "visible=$f"; fi; if (echo "touch /tmp/pwned" >> "$f") 2>/dev/null; then echo "written=$f"; fi; done',
  // Out of the container: the wrapper that started it (as the job user) would show the host's root in /proc.
  'host="/proc/$PPID/root"; if [ -e "$host$stack/agent/bin/cairn-wrap" ]; then echo host-reachable=yes; fi',
  'for f in "$stack/agent/bin/cairn-wrap" "$stack/agent/bin/cairn-wrap-array" "$stack/agent/attempts/$other/argv" "$stack/agent/attempts/$other/job.sh"; do if (echo "touch /tmp/pwned" >> "$host$f") 2>/dev/null; then echo "written=$f"; fi; if (rm -f "$host$f" && echo x > "$host$f") 2>/dev/null; then echo "replaced=$f"; fi; done',
  'if cat "$host$stack/agent/attempts/$other/status.json" >/dev/null 2>&1; then echo nonce=readable; fi',
  'if ls "$host$stack/agent/attempts" >/dev/null 2>&1; then echo attempts=listable; fi',
  'echo probe > "/tmp/$marker" && echo tmp-marker=written',
  'echo tmp-begin; ls -A /tmp; echo tmp-end',
  "echo creds-begin; grep -rlsE 'CAIRN_NATS_(USER|PASSWORD)|natsPassword' /cairn /tmp /etc /home /root /var 2>/dev/null; echo creds-end",
  String.raw`echo nats-begin; printf 'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\nSUB cairn.> 1\r\nPING\r\n' | nc -w 3 127.0.0.1 "$port" 2>&1; echo nats-end`,
  'exit 0',
].join('; ');

function section(report: string, name: string): string[] {
  const lines = report.split('\n');
  return lines.slice(lines.indexOf(`${name}-begin`) + 1, lines.indexOf(`${name}-end`));
}

/** Who the stack's default client is: every job here runs as that person's POSIX user. */
const PERSON = 'alice';

/** Runs a shell command on the host as the job's owner: what a job that got out of its container could still do. */
function asJobUser(script: string, ...args: string[]): { status: number | null; stderr: string } {
  const user = PERSON;
  const result = spawnSync('setpriv', [`--reuid=${user}`, `--regid=${user}`, '--clear-groups', '--', '/bin/sh', '-c', script, 'sh', ...args], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  return { status: result.status, stderr: result.stderr };
}

describe('job containment [real: gateway, scheduler, images, agent, nats-server, PostgreSQL, registry, slurmctld, slurmd, ch-run]', () => {
  let stack: CairnStack;

  beforeAll(async () => {
    stack = await startCairnStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('runs a hostile job as its owner (an unprivileged person), and it fails to reach the agent, its files, the host /tmp and NATS', async () => {
    const agentEnv = stack.services.agent.spec.env;
    // The agent's NATS password is in a file only the agent's user may read.
    const secret = readFileSync(agentEnv['CAIRN_NATS_PASSWORD_FILE'] ?? '', 'utf8');
    expect(secret).not.toBe('');
    // Another attempt on the site, whose launch files the probe goes after.
    const otherJob = await submit(stack.client, spec({ name: 'other', command: ['/bin/echo', 'other'] }));
    expect(stateOf((await watchAll(stack.client, otherJob)).at(-1)?.state ?? 0)).toBe('COMPLETED');
    const other = (await stack.client.getJob(otherJob)).attemptId;
    const otherDir = join(stack.dir, 'agent', 'attempts', other);
    const launchFiles = [join(stack.dir, 'agent', 'bin', 'cairn-wrap'), join(stack.dir, 'agent', 'bin', 'cairn-wrap-array'), join(otherDir, 'argv'), join(otherDir, 'job.sh')];
    const before = launchFiles.map((f) => readFileSync(f));

    const marker = `cairn-containment-${randomBytes(6).toString('hex')}`;
    const natsPort = new URL(stack.nats.url).port;
    const jobId = await submit(
      stack.client,
      spec({ name: 'probe', command: ['/bin/sh', '-c', PROBE, 'probe', String(stack.services.agent.pid), natsPort, stack.dir, other, marker] }),
    );
    const events = await watchAll(stack.client, jobId);
    expect(stateOf(events.at(-1)?.state ?? 0)).toBe('COMPLETED');
    const report = Buffer.from((await stack.client.getJobOutput({ jobId, maxBytes: 1 << 20 })).data).toString();

    // Never root: the owner's POSIX user, as dev-cluster.sh made it.
    const uid = execFileSync('id', ['-u', PERSON], { encoding: 'utf8' }).trim();
    expect(uid).not.toBe('0');
    expect(report).toContain(`\nuid=${uid}\n`.slice(1));

    // (a) Its environment holds Cairn's job variables only, nothing of the agent's; the agent's own is unreadable.
    const env = new Map(section(report, 'env').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    const shellOwn = ['PWD', 'SHLVL', 'OLDPWD', '_', 'CH_RUNNING'];
    expect([...env.keys()].filter((name) => !(JOB_ENV_NAMES as readonly string[]).includes(name) && !shellOwn.includes(name))).toEqual([]);
    expect([...env.keys()].filter((name) => /NATS|DATABASE|CAIRN_/.test(name))).toEqual([]);
    expect(env.get('USER')).toBe(PERSON);
    expect(env.get('HOME')).toBe('/tmp');
    expect(env.get('SLURM_JOB_ID')).toBe((await stack.client.getJob(jobId)).slurmJobId);
    expect(report).toContain('agent-environ=denied');
    expect(report).not.toContain(secret);

    // (b) The wrapper and another attempt's launch files: not even visible, and unchanged.
    expect(report).not.toMatch(/^(visible|written|replaced)=/m);
    // Nor through /proc/<the wrapper>/root, the host's root as the job user sees it: the
    // container's user namespace denies it (and the permissions would refuse it; next test).
    expect(report).not.toContain('host-reachable=yes');
    expect(report).not.toMatch(/^(nonce=readable|attempts=listable)$/m);
    expect(launchFiles.map((f) => readFileSync(f))).toEqual(before);
    expect(readFileSync(launchFiles[0] ?? '', 'utf8')).toBe(WRAPPER_SCRIPT);
    expect(readFileSync(launchFiles[1] ?? '', 'utf8')).toBe(ARRAY_WRAPPER_SCRIPT);

    // (c) Its /tmp is its own: the marker was written there, and nothing appeared on the host.
    expect(report).toContain('tmp-marker=written');
    expect(section(report, 'tmp')).toEqual([marker]);
    expect(existsSync(join('/tmp', marker))).toBe(false);

    // (d) No credentials within reach, and NATS refuses a connection without them (and without TLS).
    expect(section(report, 'creds')).toEqual([]);
    const nats = section(report, 'nats').join('\n');
    expect(nats).toMatch(/Authorization Violation|"tls_required":true/i);
    expect(nats).not.toMatch(/PONG|MSG /);
  });

  it('keeps the agent’s files out of the job owner’s reach on the host too: what a job that left its container could do', async () => {
    const jobId = await submit(stack.client, spec({ name: 'files', command: ['/bin/sh', '-c', 'echo hi; echo result > out.txt'] }));
    expect(stateOf((await watchAll(stack.client, jobId)).at(-1)?.state ?? 0)).toBe('COMPLETED');
    const attempt = join(stack.dir, 'agent', 'attempts', (await stack.client.getJob(jobId)).attemptId);
    const agentBin = join(stack.dir, 'agent', 'bin');
    // The job ran from the image in the site's form (ADR 0021): the dev cluster's is a directory.
    const images = join(stack.dir, 'agent', 'images');
    const imageName = readdirSync(images).find((name) => /^[a-f0-9]{64}\.v2\.(dir|sqfs)$/.test(name)) ?? '';
    const image = join(images, imageName);
    expect(imageName.endsWith(testEnv().charliecloudImageForm === 'directory' ? '.v2.dir' : '.v2.sqfs')).toBe(true);
    const intoImage: (readonly [string, string, string])[] = statSync(image).isDirectory()
      ? [
          ['append to a program of the image directory', 'echo x >> "$1/bin/busybox"', image],
          ['append to a file of the image directory', 'echo x >> "$1/etc/passwd"', image],
          ['add a file to the image directory', 'echo x > "$1/planted"', image],
          ['add a file to the image’s /tmp', 'echo x > "$1/tmp/planted"', image],
          ['make a file of the image writable', 'chmod u+w "$1/etc/passwd"', image],
          ['replace a directory of the image', 'mv "$1/etc" "$1/etc2"', image],
        ]
      : [['write the converted image', 'echo x >> "$1"', image]];
    const denied = [
      ['append to the wrapper', 'echo x >> "$1"', join(agentBin, 'cairn-wrap')],
      ['replace the wrapper', 'echo x > "$1.new" && mv -f "$1.new" "$1"', join(agentBin, 'cairn-wrap')],
      ['write the argv', 'echo x >> "$1"', join(attempt, 'argv')],
      ['write the batch script', 'echo x >> "$1"', join(attempt, 'job.sh')],
      ['replace the argv', 'rm -f "$1" && echo x > "$1"', join(attempt, 'argv')],
      ['read the attempt state (its nonce)', 'cat "$1"', join(attempt, 'status.json')],
      ['read the command', 'cat "$1"', join(attempt, 'command.json')],
      ['list the attempts', 'ls "$1"', join(stack.dir, 'agent', 'attempts')],
      ['add a file beside the launch files', 'echo x > "$1"', join(attempt, 'planted')],
      ['add an image beside the converted ones', 'echo x > "$1/planted.v2.dir"', images],
      ...intoImage,
      ['append to the element wrapper', 'echo x >> "$1"', join(agentBin, 'cairn-wrap-element')],
      ['write the item runner (ADR 0016)', 'for f in "$1"/cairn-items-*; do echo x >> "$f" || exit 1; done', join(stack.dir, 'agent', 'item-runner')],
      ['add a program beside the item runner', 'echo x > "$1/planted"', join(stack.dir, 'agent', 'item-runner')],
    ] as const;
    for (const [what, script, path] of denied) {
      const result = asJobUser(script, path);
      expect({ what, status: result.status === 0 ? 'allowed' : 'denied' }).toEqual({ what, status: 'denied' });
    }
    // What the job writes is its owner's: its records, output and workspace.
    for (const path of [join(attempt, 'out', 'exit.json'), join(attempt, 'out', 'stdout'), join(attempt, 'work', 'out.txt')]) {
      expect(asJobUser('test -w "$1"', path).status).toBe(0);
    }
    expect(readFileSync(join(attempt, 'out', 'stdout'), 'utf8')).toBe('hi\n');
  });
});
