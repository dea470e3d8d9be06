import { execFileSync } from 'node:child_process';
import { ProcessRepository } from '@cairn/adapters/process';
import { ApptainerRuntime } from './apptainer.runtime';
import { CharliecloudRuntime } from './charliecloud.runtime';
import type { ContainerRuntime } from './container-runtime';
import type { ContainerRun } from './container-runtime.types';
import { shellQuote } from './shell-quote';

const hostile = ['$(touch /tmp/pwned)', "it's; rm -rf /", '`id`', 'a,b=c', ' spaced '];
const run: ContainerRun = {
  image: { path: '/var/cache/cairn/images/abc.sqfs', digest: `sha256:${'a'.repeat(64)}` },
  command: ['/bin/echo', ...hostile],
  env: { GREETING: 'hello, world', TRICKY: "$HOME `id` it's" },
  workDir: '/cairn/work',
  scratchDir: '/var/lib/cairn/attempt',
  binds: [{ source: '/var/lib/cairn/attempt/work', target: '/cairn/work' }],
};

const runtimes: ContainerRuntime[] = [
  new CharliecloudRuntime(new ProcessRepository()),
  new ApptainerRuntime(new ProcessRepository()),
];

describe.each(runtimes.map((r) => [r.name, r] as const))('%s launch contract', (_name, runtime) => {
  const plan = runtime.launch(run);

  it('ends with the image and the command, every argument its own element, unchanged', () => {
    const imageAt = plan.argv.lastIndexOf(run.image.path);
    expect(imageAt).toBeGreaterThan(0);
    const tail = plan.argv.slice(imageAt + 1).filter((arg) => arg !== '--');
    expect(tail).toEqual(run.command);
  });

  it('starts the container program itself, never a shell', () => {
    expect(['ch-run', 'apptainer']).toContain(plan.argv[0]);
  });

  it('gives the container its own /tmp and never the host home, whatever the run asks', () => {
    const privateTmp = { 'ch-run': ['--private-tmp'], apptainer: ['--contain', '--ipc', '--pid'] }[plan.argv[0] ?? ''] ?? ['?'];
    const options = plan.argv.slice(0, plan.argv.lastIndexOf(run.image.path));
    expect(options).toEqual(expect.arrayContaining(privateTmp));
    expect(options.filter((arg) => /^--(home|bind=\/tmp|bind=\/root|writable|cleanenv|unsafe|write)/.test(arg))).toEqual([]);
  });

  it('adds the spec env only: never a variable of the host (values literal, names as given)', () => {
    const env = plan.argv.filter((arg) => arg.startsWith('--set-env=') || arg.startsWith('--env=')).map((arg) => arg.replace(/^--(set-)?env=/, '').split('=')[0]);
    const fromFile = (plan.files[0]?.content ?? '').split('\n').filter(Boolean).map((line) => line.replace(/^export /, '').split('=')[0]);
    expect([...env, ...fromFile].sort()).toEqual(Object.keys(run.env).sort());
  });
});

describe('CharliecloudRuntime.launch', () => {
  it('sets variables without $ expansion and changes directory', () => {
    const plan = new CharliecloudRuntime(new ProcessRepository()).launch(run);
    expect(plan.argv.slice(0, 7)).toEqual([
      'ch-run',
      '--private-tmp',
      '--env-no-expand',
      "--set-env=GREETING='hello, world'",
      "--set-env=TRICKY='$HOME `id` it's'",
      '--bind=/var/lib/cairn/attempt/work:/cairn/work',
      '--cd=/cairn/work',
    ]);
    expect(plan.files).toEqual([]);
  });
});

describe('ApptainerRuntime.launch', () => {
  it('renders `apptainer exec --contain --ipc --pid` with an env file that sh reads back exactly', () => {
    const plan = new ApptainerRuntime(new ProcessRepository()).launch(run);
    expect(plan.argv.slice(0, 8)).toEqual([
      'apptainer',
      'exec',
      '--contain',
      '--ipc',
      '--pid',
      '--env-file=/var/lib/cairn/attempt/container.env',
      '--bind=/var/lib/cairn/attempt/work:/cairn/work',
      '--pwd=/cairn/work',
    ]);
    const content = plan.files[0]?.content ?? '';
    const printed = execFileSync('/bin/sh', ['-c', `${content}\nprintf '%s|%s' "$GREETING" "$TRICKY"`], {
      encoding: 'utf8',
    });
    expect(printed).toBe("hello, world|$HOME `id` it's");
  });

  // ADR 0016: the item runner reads its work list on standard input and reports on file
  // descriptor 3. That `apptainer exec` passes both through was verified from Apptainer's
  // source for exactly this form: `exec` (not an instance, not --fakeroot or --sharens),
  // --pid (the runner is the child of Apptainer's init) or not.
  it('starts the item runner with `apptainer exec` in the form whose descriptor passing ADR 0016 verified', () => {
    const plan = new ApptainerRuntime(new ProcessRepository()).launch({ ...run, command: ['/cairn/bin/cairn-items-0123456789abcdef'], tools: '/var/lib/cairn/item-runner' });
    expect(plan.argv).toEqual([
      'apptainer',
      'exec',
      '--contain',
      '--ipc',
      '--pid',
      '--env-file=/var/lib/cairn/attempt/container.env',
      '--bind=/var/lib/cairn/attempt/work:/cairn/work',
      '--bind=/var/lib/cairn/item-runner:/cairn/bin:ro',
      '--pwd=/cairn/work',
      run.image.path,
      '/cairn/bin/cairn-items-0123456789abcdef',
    ]);
  });
});

describe.each(runtimes.map((r) => [r.name, r] as const))('%s binds', (_name, runtime) => {
  it.each([
    [{ source: 'relative', target: '/cairn/work' }],
    [{ source: '/a/../etc', target: '/cairn/work' }],
    [{ source: '/a:b', target: '/cairn/work' }],
    [{ source: '/a', target: '/etc' }],
  ])('refuses %j', (bind) => {
    expect(() => runtime.launch({ ...run, binds: [bind] })).toThrow(/invalid bind/);
  });
});

describe.each(runtimes.map((r) => [r.name, r] as const))('%s tools (the item runner, ADR 0016)', (_name, runtime) => {
  it('binds the agent’s tools directory at toolsMount, before the image, read-only where the runtime can say so', () => {
    const plan = runtime.launch({ ...run, tools: '/var/lib/cairn/item-runner' });
    const bind = plan.argv.find((arg) => arg.startsWith('--bind=/var/lib/cairn/item-runner:'));
    expect(bind).toBe(runtime.name === 'apptainer' ? '--bind=/var/lib/cairn/item-runner:/cairn/bin:ro' : '--bind=/var/lib/cairn/item-runner:/tmp/.cairn-bin');
    expect(plan.argv.indexOf(bind ?? '')).toBeLessThan(plan.argv.indexOf(run.image.path));
    expect(runtime.launch(run).argv.some((arg) => arg.includes(runtime.toolsMount))).toBe(false);
  });

  it.each(['relative', '/a/../etc', '/a:b', '/a b'])('refuses the tools directory %j', (tools) => {
    expect(() => runtime.launch({ ...run, tools })).toThrow(/invalid tools directory/);
  });
});

describe('shellQuote', () => {
  it.each(hostile)('round-trips %j through sh', (value) => {
    expect(execFileSync('/bin/sh', ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' })).toBe(value);
  });
  it('refuses NUL', () => expect(() => shellQuote('a\u0000b')).toThrow(/NUL/));
});
