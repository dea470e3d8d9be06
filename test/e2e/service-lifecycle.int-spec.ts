import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subjects } from '@cairn/contracts';
import { makeTestCa, ServiceProcess, startNats, type TestNats, WORKSPACE } from '@cairn/testing';

function runService(app: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', join(WORKSPACE, 'tools', 'register.js'), join(WORKSPACE, 'apps', app, 'src', 'main.ts')], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('service start-up and shutdown [real: nats-server, service processes]', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startNats({ sites: ['a'], tls: true });
  });
  afterAll(() => nats.stop());

  it.each([
    ['agent', { CAIRN_NATS_URL: 'nats://127.0.0.1:1', CAIRN_AGENT_JOB_USER: 'cairn-job' }, /^cairn-agent: invalid configuration: CAIRN_SITE \(site\) is unset: .* — the site \(cluster\) this agent serves\n$/],
    ['agent', { CAIRN_SITE: 'Bad Site' }, /^cairn-agent: invalid configuration: CAIRN_SITE \(site\) is "Bad Site": must be a site name/],
    ['scheduler', { CAIRN_DATABASE_URL: 'mysql://db/x' }, /^cairn-scheduler: invalid configuration: CAIRN_DATABASE_URL \(databaseUrl\) is "mysql:\/\/db\/x": expected postgres:\/\//],
    ['gateway', { CAIRN_GRPC_ADDRESS: 'everywhere' }, /^cairn-gateway: invalid configuration: CAIRN_GRPC_ADDRESS \(grpcAddress\) is "everywhere": expected host:port/],
    ['gateway', { CAIRN_GRPC_ADDRESS: '127.0.0.1:0' }, /^cairn-gateway: invalid configuration: .*CAIRN_IDENTITY_CONFIG \(identityConfig\) is unset: required: the gateway authenticates every call and will not start without it/],
    ['gateway', { CAIRN_IDENTITY_CONFIG: '/nonexistent/identity.yaml' }, /^cairn-gateway: invalid configuration: .*CAIRN_IDENTITY_CONFIG \(identityConfig\) is "\/nonexistent\/identity\.yaml": cannot read/],
    ['agent', { CAIRN_SITE: 'a', CAIRN_POLL_INTERVAL_MS: '5' }, /CAIRN_POLL_INTERVAL_MS \(pollIntervalMs\) is "5"/],
  ])('%s refuses to start on a bad setting, with one line naming it (exit 2)', async (app, env, message) => {
    const result = await runService(app, env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    ['root', /^cairn-agent: CAIRN_AGENT_JOB_USER is "root": that is root \(uid 0\), and jobs never run as root\n$/],
    ['no-such-user-cairn', /^cairn-agent: CAIRN_AGENT_JOB_USER is "no-such-user-cairn": no such user on this host/],
    ['Root', /^cairn-agent: invalid configuration: CAIRN_AGENT_JOB_USER \(jobUser\) is "Root": expected a user name/],
  ])('the agent refuses to start with the job user %s, with one line naming the setting (exit 2)', async (user, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
    const result = await runService('agent', {
      CAIRN_SITE: 'a',
      CAIRN_AGENT_JOB_USER: user,
      ...nats.envFor(nats.agent('a')),
      CAIRN_DATA_DIR: dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('the agent refuses a work directory its jobs could not reach (under a 0700 directory), with one line naming it and the fix (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
    const result = await runService('agent', { CAIRN_SITE: 'a', CAIRN_AGENT_JOB_USER: 'cairn-job', ...nats.envFor(nats.agent('a')), CAIRN_DATA_DIR: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `cairn-agent: CAIRN_AGENT_WORK_DIR: the job user cairn-job cannot reach ${join(dir, 'agent', 'a')}: ${dir} is mode 700 (owner uid 0, group 0), so no job could open its output there (chmod o+x ${dir}, or choose another directory)\n`,
    );
    chmodSync(dir, 0o711);
    const started = new ServiceProcess({
      app: 'agent',
      env: { CAIRN_SITE: 'a', CAIRN_AGENT_JOB_USER: 'cairn-job', ...nats.envFor(nats.agent('a')), CAIRN_DATA_DIR: dir },
      healthSubject: subjects.site('a').health,
      nats: nats.connectOptionsFor(nats.users.monitor),
      logFile: join(dir, 'agent.log'),
    });
    await started.start();
    expect(await started.kill('SIGTERM')).toBe(0);
  });

  it('refuses a NATS password file others may read, and a wrong CA, with one line and no secret (exit 2, exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
    const user = nats.users.images;
    const open = join(dir, 'open.password');
    writeFileSync(open, user.password, { mode: 0o644 });
    chmodSync(open, 0o644);
    const refused = await runService('images', { ...nats.envFor(user), CAIRN_NATS_PASSWORD_FILE: open, CAIRN_DATA_DIR: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`cairn-images: CAIRN_NATS_PASSWORD_FILE: ${open} may be read by anyone (mode 0644); make it readable by its owner only (chmod 0600)\n`);
    // A CA that did not sign the server's certificate: the service never connects.
    const other = makeTestCa(join(dir, 'other-ca'));
    const untrusted = await runService('images', { ...nats.envFor(user), CAIRN_NATS_CA: other.file, CAIRN_DATA_DIR: dir });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stdout).toMatch(/cairn-images failed to start: .*(certificate|self.signed|unable to verify)/i);
    expect(`${refused.stderr}${untrusted.stdout}${untrusted.stderr}`).not.toContain(user.password);
  });

  it('shuts down gracefully on SIGTERM: exit 0 after saying so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
    const service = new ServiceProcess({
      app: 'provenance',
      env: { ...nats.envFor(nats.users.provenance), CAIRN_DATA_DIR: dir },
      healthSubject: subjects.health('provenance'),
      nats: nats.connectOptionsFor(nats.users.monitor),
      logFile: join(dir, 'provenance.log'),
    });
    await service.start();
    expect(await service.kill('SIGTERM')).toBe(0);
    expect(service.tail()).toMatch(/"msg":"shutting down"/);
  });
});
