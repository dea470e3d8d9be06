import type { ProcessRepository } from '@cairn/adapters/process';
import { checkBind, checkTools, ContainerRuntime } from './container-runtime';
import type { ContainerRun, LaunchPlan } from './container-runtime.types';
import { CharliecloudConverter, type CharliecloudImageForm, type ImageConverter } from './image-converter';

/**
 * Charliecloud: images (pulled and verified by ImageMaterializer) are unpacked rootless
 * with umoci and either packed into SquashFS with mksquashfs (`ch-run image.v2.sqfs -- cmd`)
 * or kept as that directory, sealed read-only (`ch-run image.v2.dir -- cmd`), as the site's
 * `form` says (ADR 0021). ch-run mounts either read-only.
 */
export class CharliecloudRuntime extends ContainerRuntime {
  readonly name = 'charliecloud';
  readonly converter: ImageConverter;
  /**
   * In the container's private /tmp: ch-run creates a bind's target there, where a read-only
   * image has no directory for it. The host directory is the agent's (0755), so the job
   * cannot change what is in it.
   */
  readonly toolsMount = '/tmp/.cairn-bin';

  constructor(processes: ProcessRepository, form: CharliecloudImageForm = 'squashfs') {
    super();
    this.converter = new CharliecloudConverter(processes, form);
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
    if (run.tools) {
      checkTools(run.tools);
      argv.push(`--bind=${run.tools}:${this.toolsMount}`);
    }
    if (run.workDir) argv.push(`--cd=${run.workDir}`);
    argv.push(run.image.path, '--', ...run.command);
    return { argv, files: [] };
  }
}
