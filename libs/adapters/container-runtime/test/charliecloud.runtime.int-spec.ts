import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHARLIECLOUD_IMAGE_FORMS, CharliecloudRuntime, ImageCatalogue, ImageMaterializer, type PreparedImage } from '../src';
import { OciRegistryRepository } from '@cairn/adapters/oci-registry';
import { ProcessRepository, type RunResult } from '@cairn/adapters/process';
import { testEnv } from '@cairn/testing';

describe('CharliecloudRuntime [real: OCI registry, skopeo, umoci, mksquashfs, ch-run, the job user]', () => {
  const { registry, jobUser } = testEnv();
  const processes = new ProcessRepository();
  let root: string;
  let pinned: string;
  let digest: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cairn-charliecloud-int-'));
    // The job user reaches the images below it, as it reaches an agent's image directory.
    chmodSync(root, 0o755);
    const image = await new OciRegistryRepository({ defaultRegistry: registry, insecureRegistries: [registry] }).resolve('lab/busybox:1.36');
    pinned = image.pinned;
    digest = image.digest;
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  describe.each(CHARLIECLOUD_IMAGE_FORMS)('launch, run with ch-run (%s image, ADR 0021)', (form) => {
    let runtime: CharliecloudRuntime;
    let image: PreparedImage;

    beforeAll(async () => {
      runtime = new CharliecloudRuntime(processes, form);
      const dir = mkdtempSync(join(root, 'images-'));
      chmodSync(dir, 0o755);
      const catalogue = await ImageCatalogue.open({
        dir,
        runtime: 'charliecloud',
        materializer: new ImageMaterializer(processes, runtime.converter, { insecureRegistries: [registry] }),
      });
      image = { path: (await catalogue.materialize(pinned, digest)).path, digest };
    });

    /** Runs the launch plan's argument vector as the agent's wrapper would: no shell, USER set. */
    async function runInContainer(command: string[], env: Record<string, string> = {}, workDir?: string): Promise<RunResult> {
      const plan = runtime.launch({ image, command, env, scratchDir: root, ...(workDir ? { workDir } : {}) });
      expect(plan.files).toEqual([]);
      const [program, ...args] = plan.argv;
      return processes.check(program ?? '', args, { env: { ...process.env, USER: 'root' }, timeoutMs: 60_000 });
    }

    it('runs the command inside the image (busybox), in the requested directory', async () => {
      const result = await runInContainer(['/bin/sh', '-c', 'pwd; readlink /bin/sh'], {}, '/tmp');
      expect(result.stdout).toBe('/tmp\nbusybox\n');
    });

    it('binds a host directory at /cairn/work in the read-only image, writable from inside', async () => {
      const workspace = mkdtempSync(join(root, 'work-'));
      const plan = runtime.launch({
        image,
        command: ['/bin/sh', '-c', 'pwd; echo written > result.txt'],
        env: {},
        scratchDir: root,
        binds: [{ source: workspace, target: '/cairn/work' }],
        workDir: '/cairn/work',
      });
      const [program, ...args] = plan.argv;
      const result = await processes.check(program ?? '', args, { env: { ...process.env, USER: 'root' }, timeoutMs: 60_000 });
      expect(result.stdout).toBe('/cairn/work\n');
      expect(readFileSync(join(workspace, 'result.txt'), 'utf8')).toBe('written\n');
    });

    it('sets env values literally: $HOME, backticks, commas, = and spaces are not expanded or split', async () => {
      const env = {
        CAIRN_A: '$HOME',
        CAIRN_B: '`id -u` $(id -u)',
        CAIRN_C: 'a,b=c, d',
        CAIRN_D: ' spaced  out ',
        CAIRN_E: 'double "quotes" and it\'s',
        CAIRN_F: '',
        CAIRN_G: "'single-quoted'",
        CAIRN_H: "''",
      };
      const result = await runInContainer(['/bin/sh', '-c', 'printf "[%s]\\n" "$CAIRN_A" "$CAIRN_B" "$CAIRN_C" "$CAIRN_D" "$CAIRN_E" "$CAIRN_F" "$CAIRN_G" "$CAIRN_H"'], env);
      expect(result.stdout).toBe(`${Object.values(env).map((v) => `[${v}]`).join('\n')}\n`);
    });

    it('passes every argument as it is: $(...), backticks and ; stay literal and run nothing', async () => {
      const pwned = join(mkdtempSync(join(root, 'pwn-')), 'pwned');
      const args = [`$(touch ${pwned})`, `\`touch ${pwned}\``, `; touch ${pwned}`, '*', "it's"];

      const result = await runInContainer(['/bin/echo', ...args]);

      expect(result.stdout).toBe(`${args.join(' ')}\n`);
      expect(existsSync(pwned)).toBe(false);
    });

    it('gives the container its own /tmp: what it writes there never reaches the host, and the host /tmp is not visible', async () => {
      const marker = `cairn-private-tmp-${randomBytes(6).toString('hex')}`;
      const hostFile = join('/tmp', `${marker}-host`);
      writeFileSync(hostFile, 'host');
      try {
        const result = await runInContainer(['/bin/sh', '-c', 'echo x > "/tmp/$0"; ls -A /tmp; test ! -e "/tmp/$0-host"', marker]);
        expect(result.stdout).toBe(`${marker}\n`);
        expect(existsSync(join('/tmp', marker))).toBe(false);
      } finally {
        rmSync(hostFile, { force: true });
      }
    });

    it('passes only the environment it is started with, plus the run env (the wrapper starts it with env -i)', async () => {
      const plan = runtime.launch({ image, command: ['/bin/sh', '-c', 'env | cut -d= -f1 | sort | tr "\\n" " "'], env: { GREETING: 'hi' }, scratchDir: root });
      const [program, ...args] = plan.argv;
      const result = await processes.check(program ?? '', args, { env: { USER: 'root', PATH: '/usr/bin:/bin' }, timeoutMs: 60_000 });
      expect(result.stdout.trim().split(' ').filter((name) => !['PWD', 'SHLVL', '_'].includes(name))).toEqual(['CH_RUNNING', 'GREETING', 'PATH', 'USER']);
    });

    it('runs as the job user, who reads the image but cannot change it: not through the container, nor on the host', async () => {
      const asJobUser = (argv: string[]) =>
        processes.run('setpriv', [`--reuid=${jobUser}`, `--regid=${jobUser}`, '--clear-groups', '--', 'env', '-i', `USER=${jobUser}`, 'PATH=/usr/bin:/bin', ...argv], { cwd: '/', timeoutMs: 60_000 });
      const plan = runtime.launch({ image, command: ['/bin/sh', '-c', 'cat /etc/passwd >/dev/null && echo read; touch /bin/planted /etc/planted 2>/dev/null || echo refused'], env: {}, scratchDir: root });
      const inside = await asJobUser(plan.argv);
      expect(inside).toMatchObject({ exitCode: 0, stdout: 'read\nrefused\n' });
      if (form === 'directory') {
        expect(statSync(image.path).isDirectory()).toBe(true);
        // On the host: no file of the image to append to, no directory to add to (its /tmp included), no mode to change.
        for (const script of ['echo x >> "$1/bin/busybox"', 'echo x >> "$1/etc/passwd"', 'echo x > "$1/tmp/planted"', 'echo x > "$1/planted"', 'chmod u+w "$1/etc/passwd"', 'mv "$1/etc" "$1/etc2"']) {
          expect({ script, exitCode: (await asJobUser(['/bin/sh', '-c', script, 'sh', image.path])).exitCode }).not.toEqual({ script, exitCode: 0 });
        }
        expect(existsSync(join(image.path, 'planted'))).toBe(false);
      } else {
        expect(readFileSync(image.path).subarray(0, 4).toString('latin1')).toBe('hsqs');
        expect((await asJobUser(['/bin/sh', '-c', 'echo x >> "$1"', 'sh', image.path])).exitCode).not.toBe(0);
      }
    });

    it('reports the command exit status', async () => {
      const plan = runtime.launch({ image, command: ['/bin/sh', '-c', 'echo oops >&2; exit 7'], env: {}, scratchDir: root });
      const [program, ...args] = plan.argv;
      const result = await processes.run(program ?? '', args, { env: { ...process.env, USER: 'root' } });
      expect(result).toMatchObject({ exitCode: 7, stderr: 'oops\n' });
    });
  });
});
