import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'nats';
import { waitFor } from './free-port';

export const WORKSPACE = join(__dirname, '..', '..', '..');

export interface ServiceSpec {
  app: 'gateway' | 'scheduler' | 'images' | 'agent' | 'staging' | 'provenance';
  env: Record<string, string>;
  /** The NATS subject answering this service's health probe. */
  healthSubject: string;
  /** How the start-up check connects (nats.js options): the monitor user, which may only ask for health. */
  nats: { servers: string; user: string; pass: string; inboxPrefix: string; tls?: { caFile: string } };
  logFile: string;
}

/**
 * For looking into the benchmarks: with CAIRN_BENCH_CPU_PROF set to a directory, every
 * service the stack starts writes a V8 `.cpuprofile` there when it exits (a clean stop);
 * CAIRN_BENCH_NODE_FLAGS adds Node options (space-separated, e.g. `--trace-deopt`).
 */
function profiling(app: string): string[] {
  const dir = process.env['CAIRN_BENCH_CPU_PROF'];
  const extra = process.env['CAIRN_BENCH_NODE_FLAGS']?.split(' ').filter(Boolean) ?? [];
  return [...extra, ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${app}.${Date.now()}.cpuprofile`] : [])];
}

/**
 * One Cairn service as a real process (`node -r tools/register.js apps/<app>/src/main.ts`),
 * started, health-checked over NATS, killed (any signal) and restarted by tests.
 */
export class ServiceProcess {
  private child?: ChildProcess;

  constructor(readonly spec: ServiceSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const log = openSync(this.spec.logFile, 'a');
    const child = spawn(process.execPath, [...profiling(this.spec.app), '-r', join(WORKSPACE, 'tools', 'register.js'), join(WORKSPACE, 'apps', this.spec.app, 'src', 'main.ts')], {
      cwd: WORKSPACE,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root', ...this.spec.env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    await waitFor(
      `${this.spec.app} health (log: ${this.spec.logFile})`,
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`${this.spec.app} exited with ${child.exitCode}: ${this.tail()}`);
        }
        const nc = await connect({ ...this.spec.nats, reconnect: false });
        try {
          await nc.request(this.spec.healthSubject, undefined, { timeout: 500 });
          return true;
        } finally {
          await nc.close();
        }
      },
      60_000,
      200,
    );
  }

  /** Sends a signal and waits for the process to end. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }

  tail(lines = 20): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
