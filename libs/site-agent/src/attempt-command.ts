import { CairnError, type SubmitAttemptCommand } from '@cairn/contracts';
import { checkItemIndices } from './array-element';

/** A pinned image as the scheduler's images service resolves it: registry/name@<digest>. */
const PINNED = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}@sha256:[a-f0-9]{64}$/;
/** Array elements an attempt may have (a Slurm array job of at most this many tasks). */
export const MAX_ELEMENTS = 1000;
/** The largest item index (as the job spec allows). */
export const MAX_ITEM_INDEX = 10_000_000;

/**
 * The agent's own check of a submit command, beyond its schema: every field the scheduler
 * sets (the pinned image, the array's indices and packing, the site) is checked again here,
 * because the agent turns them into files, paths and sbatch arguments. Refuses with
 * INVALID_ARGUMENT naming the field; the workflow run directory's id and step path are
 * checked by the schema (a UUID, and segments of a fixed alphabet without "..").
 */
export function checkAttemptCommand(command: SubmitAttemptCommand, site: string): void {
  const refuse = (field: string, why: string): never => {
    throw new CairnError('INVALID_ARGUMENT', `${field}: ${why}`);
  };
  if (command.spec.site !== site) refuse('spec.site', `attempt for site ${command.spec.site} sent to site ${site}`);
  const { pinned, digest } = command.image;
  if (!PINNED.test(pinned)) refuse('image.pinned', 'must be registry/name@sha256:<64 hex digits>');
  if (!pinned.endsWith(`@${digest}`)) refuse('image.pinned', 'does not carry image.digest');
  if (pinned.split('/').includes('..') || pinned.startsWith('-')) refuse('image.pinned', 'must not contain ".." or start with "-"');
  const array = command.array;
  if (command.spec.array && !array) refuse('array', 'is required for a job spec with an array');
  if (!array) return;
  try {
    checkItemIndices(array);
  } catch (error) {
    refuse('array.indices', (error as Error).message);
  }
  if (array.indices?.some((index) => index > MAX_ITEM_INDEX)) refuse('array.indices', `must be at most ${MAX_ITEM_INDEX}`);
  const elements = Math.ceil(array.items.length / array.itemsPerElement);
  if (elements > MAX_ELEMENTS) refuse('array', `makes ${elements} array elements, more than ${MAX_ELEMENTS}`);
}
