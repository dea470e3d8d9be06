import { chmod, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessRepository } from '@cairn/adapters/process';
import { BIND_TARGETS, checkBind, ContainerRuntime, digestHex } from './container-runtime';
import type { ContainerRun, LaunchPlan, PreparedImage } from './container-runtime.types';
import { skopeoSource } from './registry-source';

export interface CharliecloudOptions {
  /** Where converted images are cached, one SquashFS file per digest. */
  cacheDir: string;
  /** Registries reached over plain HTTP (dev clusters). */
  insecureRegistries: readonly string[];
}

/**
 * Charliecloud: images are pulled by digest with skopeo, unpacked rootless with umoci,
 * packed into SquashFS with mksquashfs, and run with `ch-run image.sqfs -- cmd`.
 */
export class CharliecloudRuntime extends ContainerRuntime {
  readonly name = 'charliecloud';
  private readonly inFlight = new Map<string, Promise<PreparedImage>>();

  constructor(
    private readonly processes: ProcessRepository,
    private readonly options: CharliecloudOptions,
  ) {
    super();
  }

  prepare(pinned: string, digest: string): Promise<PreparedImage> {
    const hex = digestHex(digest);
    let pending = this.inFlight.get(hex);
    if (!pending) {
      pending = this.convert(pinned, digest, hex).finally(() => this.inFlight.delete(hex));
      this.inFlight.set(hex, pending);
    }
    return pending;
  }

  /**
   * `ch-run --private-tmp`: the container's /tmp is its own, never the host's. ch-run passes
   * the environment it is started with into the container, so the caller starts it with
   * Cairn's job variables only (the agent's wrappers use `env -i`); the spec's variables
   * are added here, literally (--env-no-expand).
   */
  launch(run: ContainerRun): LaunchPlan {
    const argv = ['ch-run', '--private-tmp', '--env-no-expand'];
    // ch-run strips one pair of single quotes around a value, so wrap every value in one:
    // a value that itself starts and ends with ' then survives intact.
    for (const [name, value] of Object.entries(run.env)) argv.push(`--set-env=${name}='${value}'`);
    for (const bind of run.binds ?? []) {
      checkBind(bind);
      argv.push(`--bind=${bind.source}:${bind.target}`);
    }
    if (run.workDir) argv.push(`--cd=${run.workDir}`);
    argv.push(run.image.path, '--', ...run.command);
    return { argv, files: [] };
  }

  private async convert(pinned: string, digest: string, hex: string): Promise<PreparedImage> {
    // v2: images carry the /cairn bind targets.
    const target = join(this.options.cacheDir, `${hex}.v2.sqfs`);
    if (await exists(target)) return { path: target, digest };
    await mkdir(this.options.cacheDir, { recursive: true });
    const work = await mkdtemp(join(this.options.cacheDir, `.pull-${hex.slice(0, 12)}-`));
    try {
      const source = skopeoSource(pinned, this.options.insecureRegistries);
      await this.processes.check('skopeo', ['copy', ...source.flags, source.ref, `oci:${work}/layout:img`], {
        timeoutMs: 600_000,
      });
      await this.processes.check('umoci', ['unpack', '--rootless', '--image', `${work}/layout:img`, `${work}/bundle`], {
        timeoutMs: 600_000,
      });
      for (const dir of BIND_TARGETS) await mkdir(join(work, 'bundle', 'rootfs', dir), { recursive: true });
      await this.processes.check(
        'mksquashfs',
        [`${work}/bundle/rootfs`, `${work}/image.sqfs`, '-noappend', '-quiet', '-no-progress'],
        { timeoutMs: 600_000 },
      );
      // Jobs run as the job user: the image must be readable by it (never writable).
      await chmod(`${work}/image.sqfs`, 0o644);
      await rename(`${work}/image.sqfs`, target);
      return { path: target, digest };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
