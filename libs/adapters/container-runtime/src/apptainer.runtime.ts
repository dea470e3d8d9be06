import { chmod, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessRepository } from '@cairn/adapters/process';
import { checkBind, ContainerRuntime, digestHex } from './container-runtime';
import type { ContainerRun, LaunchPlan, PreparedImage } from './container-runtime.types';
import { skopeoSource } from './registry-source';
import { shellQuote } from './shell-quote';

export interface ApptainerOptions {
  cacheDir: string;
  insecureRegistries: readonly string[];
}

/**
 * Apptainer (production): images become one SIF per digest (`apptainer build` from the
 * registry), run with `apptainer exec --contain --ipc --pid`. The spec's environment goes
 * through an env file with every value single-quoted, because `--env` splits on commas.
 */
export class ApptainerRuntime extends ContainerRuntime {
  readonly name = 'apptainer';

  constructor(
    private readonly processes: ProcessRepository,
    private readonly options: ApptainerOptions,
  ) {
    super();
  }

  async prepare(pinned: string, digest: string): Promise<PreparedImage> {
    const hex = digestHex(digest);
    const target = join(this.options.cacheDir, `${hex}.sif`);
    if (await stat(target).then(() => true, () => false)) return { path: target, digest };
    await mkdir(this.options.cacheDir, { recursive: true });
    const work = await mkdtemp(join(this.options.cacheDir, `.build-${hex.slice(0, 12)}-`));
    try {
      const source = skopeoSource(pinned, this.options.insecureRegistries);
      const flags = source.flags.length > 0 ? ['--nohttps'] : [];
      await this.processes.check('apptainer', ['build', ...flags, `${work}/image.sif`, source.ref], {
        timeoutMs: 1_800_000,
      });
      await chmod(`${work}/image.sif`, 0o644);
      await rename(`${work}/image.sif`, target);
      return { path: target, digest };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  launch(run: ContainerRun): LaunchPlan {
    // --contain: a private /tmp, /var/tmp and $HOME instead of the host's; --ipc, --pid:
    // own namespaces. No --cleanenv: the caller already starts apptainer with Cairn's job
    // variables only (the agent's wrappers use `env -i`), which --cleanenv would drop.
    const argv = ['apptainer', 'exec', '--contain', '--ipc', '--pid'];
    const files: LaunchPlan['files'] = [];
    const names = Object.keys(run.env);
    if (names.length > 0) {
      const path = join(run.scratchDir, 'container.env');
      const content = names.map((name) => `export ${name}=${shellQuote(run.env[name] ?? '')}\n`).join('');
      files.push({ path, content });
      argv.push(`--env-file=${path}`);
    }
    for (const bind of run.binds ?? []) {
      checkBind(bind);
      argv.push(`--bind=${bind.source}:${bind.target}`);
    }
    if (run.workDir) argv.push(`--pwd=${run.workDir}`);
    argv.push(run.image.path, ...run.command);
    return { argv, files };
  }
}
