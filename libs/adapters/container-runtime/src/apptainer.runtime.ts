import { join } from 'node:path';
import type { ProcessRepository } from '@cairn/adapters/process';
import { checkBind, checkTools, ContainerRuntime } from './container-runtime';
import type { ContainerRun, LaunchPlan } from './container-runtime.types';
import { SifConverter } from './image-converter';
import { shellQuote } from './shell-quote';

/**
 * Apptainer (production): images become one SIF per digest (`apptainer build` from the
 * OCI layout ImageMaterializer pulled and verified), run with `apptainer exec --contain --ipc --pid`. The spec's environment goes
 * through an env file with every value single-quoted, because `--env` splits on commas.
 * The command gets the caller's standard input and file descriptor 3 (the item runner's work
 * list and records): verified from Apptainer's source, not at run time (ADR 0016).
 */
export class ApptainerRuntime extends ContainerRuntime {
  readonly name = 'apptainer';
  readonly converter: SifConverter;
  /** Apptainer creates a bind's target in any image (underlay); bound read-only. */
  readonly toolsMount = '/cairn/bin';

  constructor(processes: ProcessRepository) {
    super();
    this.converter = new SifConverter(processes);
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
    if (run.tools) {
      checkTools(run.tools);
      argv.push(`--bind=${run.tools}:${this.toolsMount}:ro`);
    }
    if (run.workDir) argv.push(`--pwd=${run.workDir}`);
    argv.push(run.image.path, ...run.command);
    return { argv, files };
  }
}
