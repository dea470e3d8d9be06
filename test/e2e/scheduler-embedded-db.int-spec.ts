import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { subjects } from '@cairn/contracts';
import { ServiceProcess, startNats, type TestNats, WORKSPACE } from '@cairn/testing';

/** Runs a scheduler to its end (it refuses to start here) and returns its exit code and output. */
function runScheduler(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', join(WORKSPACE, 'tools', 'register.js'), join(WORKSPACE, 'apps', 'scheduler', 'src', 'main.ts')], {
      cwd: WORKSPACE,
      env: { PATH: process.env['PATH'] ?? '', ...env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('the scheduler on an embedded database (PGlite) [real: scheduler processes, nats-server, PGlite]', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(() => nats.stop());

  it('refuses a second scheduler on the same data directory, naming the first; closes cleanly on SIGTERM; restarts after kill -9', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scheduler-embedded-'));
    const env = { ...nats.envFor(nats.users.scheduler), CAIRN_DATA_DIR: dir, CAIRN_SITES: 'dev' };
    const lockFile = join(dir, 'scheduler', 'pglite.lock');
    const make = (n: number) => new ServiceProcess({ app: 'scheduler', env, healthSubject: subjects.health('scheduler'), nats: nats.connectOptionsFor(nats.users.monitor), logFile: join(dir, `scheduler-${n}.log`) });

    const first = make(1);
    await first.start();
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: first.pid, host: hostname() });

    const second = await runScheduler(env);
    expect(second.code).toBe(1);
    const refusal = second.out.trim().split('\n').map((l) => JSON.parse(l) as { msg?: string }).find((l) => l.msg?.includes('failed to start'));
    expect(refusal?.msg).toMatch(new RegExp(`^cairn-scheduler failed to start: embedded database .*/scheduler/pglite is in use by pid ${first.pid} on ${hostname()}, started \\S+ \\(`));

    expect(await first.kill('SIGTERM')).toBe(0);
    expect(existsSync(lockFile)).toBe(false); // closed last, the directory given up

    const third = make(3);
    await third.start();
    await third.kill('SIGKILL');
    expect(existsSync(lockFile)).toBe(true); // a dead holder's lock stays behind...

    const fourth = make(4);
    await fourth.start(); // ...and is cleared by the next start
    expect(fourth.tail(200)).toMatch(/"msg":"cleared the embedded database lock of a process that is gone"/);
    expect(await fourth.kill('SIGTERM')).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});
