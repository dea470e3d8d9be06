import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor, WORKSPACE } from '@cairn/testing';

/** One embedded-writer.ts process and everything it said. */
class Writer {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(mode: 'write' | 'hold' | 'count', dir: string) {
    this.child = spawn(process.execPath, ['-r', join(WORKSPACE, 'tools', 'register.js'), join(__dirname, 'embedded-writer.ts'), mode, dir], {
      cwd: WORKSPACE,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Complete stdout lines only: a line cut by a kill is not a statement. */
  lines(): string[] {
    return this.stdout.split('\n').slice(0, -1);
  }

  acked(): number[] {
    return this.lines().flatMap((l) => (l.startsWith('acked ') ? [Number(l.slice(6))] : []));
  }

  async said(line: string | RegExp, timeoutMs = 180_000): Promise<void> {
    await waitFor(
      `"${String(line)}" from the writer`,
      async () => {
        if (this.lines().some((l) => (typeof line === 'string' ? l === line : line.test(l)))) return true;
        if (this.child.exitCode !== null) throw new Error(`the writer exited ${this.child.exitCode}: ${this.stderr}`);
        return undefined;
      },
      timeoutMs,
      20,
    );
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}

/** The row ids in the directory's database, read by a fresh process. */
async function rowsIn(dir: string): Promise<number[]> {
  const reader = new Writer('count', dir);
  const { code } = await reader.exited;
  const line = reader.lines().find((l) => l.startsWith('rows '));
  if (code !== 0 || !line) throw new Error(`the reader failed (${code}): ${reader.stderr}`);
  return JSON.parse(line.slice(5)) as number[];
}

/** Names, sizes and modification times of every file under dir: what "changed nothing" compares. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const st = statSync(path);
        out.push(`${path} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort();
}

const HOLDER = new RegExp(`^refused: embedded database .* is in use by pid (\\d+) on ${hostname()}, started \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z \\(.*\\); a data directory takes one process at a time\\n$`);

describe('embedded database (PGlite) under kill -9 and a second process [real: PGlite in Node processes, SIGKILL]', () => {
  let scratch: string;
  const newDir = () => join(mkdtempSync(join(scratch, 'db-')), 'pglite');
  const running: Writer[] = [];
  const start = (mode: 'write' | 'hold' | 'count', dir: string) => {
    const w = new Writer(mode, dir);
    running.push(w);
    return w;
  };

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'cairn-embedded-lock-'));
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((w) => w.kill('SIGKILL')));
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('keeps every acknowledged row through five kill -9s at random moments (during start-up and recovery too), each followed by a restart', async () => {
    const dir = newDir();
    const acked: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      const writer = start('write', dir);
      if (round % 2 === 0) {
        // Killed mid-writing: after a random number of acknowledged rows.
        const rows = 5 + Math.floor(Math.random() * 60);
        await writer.said(`acked ${(acked.at(-1) ?? 0) + rows}`);
        await new Promise((r) => setTimeout(r, Math.random() * 50));
      } else {
        // Killed at a random moment after spawn: maybe still opening, recovering or migrating.
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 2500));
      }
      await writer.kill('SIGKILL');
      acked.push(...writer.acked());
    }
    expect(acked.length).toBeGreaterThanOrEqual(15);
    const rows = await rowsIn(dir);
    expect(rows).toEqual(expect.arrayContaining(acked));
    expect(new Set(rows).size).toBe(rows.length);
    // Ids are consecutive: nothing acknowledged was lost and then written again under a later id.
    expect(rows).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
  }, 900_000);

  it('refuses a second process on a directory a live one holds, naming the holder, and the refusal changes nothing', async () => {
    const dir = newDir();
    const first = start('write', dir);
    await first.said('acked 10');
    const second = start('write', dir);
    expect(await second.exited).toEqual({ code: 3, signal: null });
    expect(second.stderr).toMatch(HOLDER);
    expect(HOLDER.exec(second.stderr)?.[1]).toBe(String(first.child.pid));
    expect(second.lines()).toEqual([]);

    // The first keeps writing, and every row it acknowledged is there after it stops.
    const before = first.acked().length;
    await first.said(`acked ${before + 10}`);
    await first.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(await rowsIn(dir)).toEqual(expect.arrayContaining(first.acked()));
    expect(existsSync(`${dir}.lock`)).toBe(false); // a clean close gives the directory up
  });

  it('leaves the holder’s files untouched when refusing: nothing in the data directory or its lock changes', async () => {
    const dir = newDir();
    const holder = start('hold', dir);
    await holder.said('ready');
    const files = snapshot(join(dir, '..'));
    const lock = readFileSync(`${dir}.lock`, 'utf8');

    for (const mode of ['write', 'count'] as const) {
      const refused = start(mode, dir);
      expect(await refused.exited).toEqual({ code: 3, signal: null });
      expect(refused.stderr).toMatch(HOLDER);
    }

    expect(snapshot(join(dir, '..'))).toEqual(files);
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(lock);
    expect(JSON.parse(lock)).toMatchObject({ pid: holder.child.pid, host: hostname() });
  });

  it('starts after a kill -9, clearing the stale lock the dead process left', async () => {
    const dir = newDir();
    const first = start('write', dir);
    await first.said('acked 5');
    await first.kill('SIGKILL');
    expect(JSON.parse(readFileSync(`${dir}.lock`, 'utf8'))).toMatchObject({ pid: first.child.pid });

    const next = start('write', dir);
    await next.said('ready');
    expect(next.lines()[0]).toBe(`cleared ${first.child.pid}`);
    expect(JSON.parse(readFileSync(`${dir}.lock`, 'utf8'))).toMatchObject({ pid: next.child.pid });
    await next.said(/^acked \d+$/);
    await next.kill('SIGTERM');
    expect(await rowsIn(dir)).toEqual(expect.arrayContaining([...first.acked(), ...next.acked()]));
  });

  it('treats a lock naming a reused pid (same pid, another start time) or a torn lock file as stale', async () => {
    for (const content of [
      JSON.stringify({ pid: process.pid, host: hostname(), startTicks: '1', since: new Date().toISOString() }),
      '{"pid": 12',
      '',
    ]) {
      const dir = newDir();
      writeFileSync(`${dir}.lock`, content);
      const writer = start('count', dir);
      expect(await writer.exited).toEqual({ code: 0, signal: null });
      expect(writer.lines()).toContain('ready');
      expect(existsSync(`${dir}.lock`)).toBe(false);
    }
  });

  it('refuses a lock held from another host (it cannot check that process), saying how to clear it', async () => {
    const dir = newDir();
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: 4242, host: 'elsewhere', startTicks: '99', since: '2026-01-02T03:04:05.000Z' }));
    const writer = start('count', dir);
    expect(await writer.exited).toEqual({ code: 3, signal: null });
    expect(writer.stderr).toMatch(/^refused: embedded database .* is in use by pid 4242 on elsewhere, started 2026-01-02T03:04:05.000Z \(it cannot be checked from .*; if that process is gone, remove .*pglite\.lock\); /);
    expect(existsSync(`${dir}.lock`)).toBe(true);
  });
});
