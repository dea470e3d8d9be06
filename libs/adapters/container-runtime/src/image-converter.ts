import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessRepository } from '@cairn/adapters/process';
import { BIND_TARGETS } from './container-runtime';
import { LAYOUT_TAG } from './registry-source';

/** The phases a converter goes through (a subset of MATERIALIZE_PHASES). */
export type ConvertPhase = 'unpacking' | 'converting';
/** How long one step of a conversion may take. */
export const CONVERT_STEP_TIMEOUT_MS = 1_800_000;

/**
 * Turns a verified OCI layout (tag LAYOUT_TAG) into the one file its runtime runs. One
 * contract for every runtime: the pull and the verification before it are shared
 * (ImageMaterializer); only this step differs.
 */
export abstract class ImageConverter {
  /** The file name of a converted image: <hex><suffix>. */
  abstract readonly suffix: string;
  /** Writes the runtime's file into `workDir` (a private temporary directory) and returns its path. */
  abstract convert(layoutDir: string, workDir: string, onPhase: (phase: ConvertPhase) => void): Promise<string>;
}

/** `umoci unpack --rootless --image <layout>:img <bundle>`. */
export function umociUnpackArgv(layoutDir: string, bundleDir: string): string[] {
  return ['unpack', '--rootless', '--image', `${layoutDir}:${LAYOUT_TAG}`, bundleDir];
}

/** `mksquashfs <rootfs> <file> -noappend -quiet -no-progress`. */
export function mksquashfsArgv(rootfs: string, file: string): string[] {
  return [rootfs, file, '-noappend', '-quiet', '-no-progress'];
}

/**
 * `apptainer build --force --tmpdir <work> <sif> oci:<layout>:img` (ADR 0007: tested at the
 * level of this vector). Apptainer's own temporary files stay in the private work directory.
 */
export function apptainerBuildArgv(sif: string, layoutDir: string, tmpDir: string): string[] {
  return ['build', '--force', '--tmpdir', tmpDir, sif, `oci:${layoutDir}:${LAYOUT_TAG}`];
}

/**
 * Charliecloud: the layout unpacked rootless with umoci, the /cairn bind targets added,
 * packed into one SquashFS file. "v2": images carry the bind targets (the file names of
 * earlier agents are kept, so their files are found again).
 */
export class SquashfsConverter extends ImageConverter {
  readonly suffix = '.v2.sqfs';

  constructor(private readonly processes: ProcessRepository) {
    super();
  }

  async convert(layoutDir: string, workDir: string, onPhase: (phase: ConvertPhase) => void): Promise<string> {
    const bundle = join(workDir, 'bundle');
    onPhase('unpacking');
    await this.processes.check('umoci', umociUnpackArgv(layoutDir, bundle), { timeoutMs: CONVERT_STEP_TIMEOUT_MS });
    for (const dir of BIND_TARGETS) await mkdir(join(bundle, 'rootfs', dir), { recursive: true });
    onPhase('converting');
    const file = join(workDir, 'image.sqfs');
    await this.processes.check('mksquashfs', mksquashfsArgv(join(bundle, 'rootfs'), file), { timeoutMs: CONVERT_STEP_TIMEOUT_MS });
    return file;
  }
}

/** Apptainer: one SIF built from the OCI layout (Apptainer unpacks it itself). */
export class SifConverter extends ImageConverter {
  readonly suffix = '.sif';

  constructor(private readonly processes: ProcessRepository) {
    super();
  }

  async convert(layoutDir: string, workDir: string, onPhase: (phase: ConvertPhase) => void): Promise<string> {
    onPhase('converting');
    const file = join(workDir, 'image.sif');
    await this.processes.check('apptainer', apptainerBuildArgv(file, layoutDir, workDir), { timeoutMs: CONVERT_STEP_TIMEOUT_MS });
    return file;
  }
}
