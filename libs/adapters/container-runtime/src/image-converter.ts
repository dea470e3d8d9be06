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
 * Turns a verified OCI layout (tag LAYOUT_TAG) into the one file (or directory) its runtime runs. One
 * contract for every runtime: the pull and the verification before it are shared
 * (ImageMaterializer); only this step differs.
 */
export abstract class ImageConverter {
  /** The file name of a converted image: <hex><suffix>. */
  abstract readonly suffix: string;
  /** Writes the runtime's file (or directory) into `workDir` (a private temporary directory) and returns its path. */
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

/** The forms a Charliecloud image takes on a site (CAIRN_CHARLIECLOUD_IMAGE_FORM, ADR 0021). */
export const CHARLIECLOUD_IMAGE_FORMS = ['squashfs', 'directory'] as const;
export type CharliecloudImageForm = (typeof CHARLIECLOUD_IMAGE_FORMS)[number];

/**
 * Charliecloud: the layout unpacked rootless with umoci into `<workDir>/bundle` and the /cairn
 * bind targets added; then, by the site's form (ADR 0021), either packed into one SquashFS
 * file, or that root filesystem is the image itself (`ch-run <dir>`: no squashfuse mount and
 * unmount per container start; its converting phase is the sealing, sealImageTree, which the
 * catalogue does for every directory before it is put in place). "v2": images carry the bind
 * targets (the file names of earlier agents are kept, so their files are found again).
 */
export class CharliecloudConverter extends ImageConverter {
  readonly suffix: string;

  constructor(
    private readonly processes: ProcessRepository,
    readonly form: CharliecloudImageForm = 'squashfs',
  ) {
    super();
    this.suffix = form === 'directory' ? '.v2.dir' : '.v2.sqfs';
  }

  async convert(layoutDir: string, workDir: string, onPhase: (phase: ConvertPhase) => void): Promise<string> {
    onPhase('unpacking');
    const bundle = join(workDir, 'bundle');
    await this.processes.check('umoci', umociUnpackArgv(layoutDir, bundle), { timeoutMs: CONVERT_STEP_TIMEOUT_MS });
    const rootfs = join(bundle, 'rootfs');
    for (const dir of BIND_TARGETS) await mkdir(join(rootfs, dir), { recursive: true });
    onPhase('converting');
    if (this.form === 'directory') return rootfs;
    const file = join(workDir, 'image.sqfs');
    await this.processes.check('mksquashfs', mksquashfsArgv(rootfs, file), { timeoutMs: CONVERT_STEP_TIMEOUT_MS });
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
