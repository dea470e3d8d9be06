/**
 * Strategic job arrays: a step over N items becomes as few Slurm array jobs as possible.
 * Items are packed several per array element so each element runs about `targetSeconds`;
 * elements are grouped into arrays of at most the cluster's MaxArraySize (an array's task
 * indices run from 0 to MaxArraySize - 1), each throttled with `%k`. Retries plan only the
 * failed items, never the whole array.
 */
export interface ArrayPlanInput {
  /** The items to run, by index (all of them, or only those to retry). */
  items: readonly number[];
  /** Expected run time of one item, in seconds (from history, earlier iterations or the file). */
  itemSeconds: number;
  /** How long one element should run; items are packed up to this. */
  targetSeconds: number;
  /** The cluster's MaxArraySize (scontrol show config). */
  maxArraySize: number;
  /** At most this many elements of each array run at once. */
  throttle?: number;
  /**
   * Elements that run at once (the throttle, at most the partition's job slots): the
   * element count is rounded up to a multiple of it, keeping the number of waves, so the
   * last wave leaves no slot idle and every element gets shorter.
   */
  slots?: number;
  /** At most this many items per element (e.g. so one element's items fit a job's byte budget). */
  maxItemsPerElement?: number;
}

export interface ArrayChunk {
  /** sbatch --array value, e.g. "0-999%64". */
  arraySpec: string;
  /** Item indices run by each element of this array, element by element. */
  elements: number[][];
}

export interface ArrayPlan {
  itemsPerElement: number;
  elementCount: number;
  /** Expected run time of one full element, seconds. */
  elementSeconds: number;
  chunks: ArrayChunk[];
}

export function planArray(input: ArrayPlanInput): ArrayPlan {
  if (input.items.length === 0) return { itemsPerElement: 0, elementCount: 0, elementSeconds: 0, chunks: [] };
  if (!(input.itemSeconds > 0) || !(input.targetSeconds > 0)) throw new Error('item and target durations must be positive');
  if (!Number.isInteger(input.maxArraySize) || input.maxArraySize < 1) throw new Error(`invalid MaxArraySize ${input.maxArraySize}`);
  const byTarget = Math.max(1, Math.floor(input.targetSeconds / input.itemSeconds));
  const itemsPerElement = Math.min(balance(input.items.length, byTarget, input.slots), Math.max(1, input.maxItemsPerElement ?? Infinity));
  const elements: number[][] = [];
  for (let i = 0; i < input.items.length; i += itemsPerElement) elements.push(input.items.slice(i, i + itemsPerElement));
  const chunks: ArrayChunk[] = [];
  for (let i = 0; i < elements.length; i += input.maxArraySize) {
    const group = elements.slice(i, i + input.maxArraySize);
    const throttle = input.throttle ? `%${Math.min(input.throttle, group.length)}` : '';
    chunks.push({ arraySpec: `${group.length === 1 ? '0' : `0-${group.length - 1}`}${throttle}`, elements: group });
  }
  return { itemsPerElement, elementCount: elements.length, elementSeconds: itemsPerElement * input.itemSeconds, chunks };
}

/**
 * Splits a chunk's elements over as few jobs as Cairn's per-job limits allow: each job gets
 * whole elements, at most `maxItems` items and at most `maxBytes` of item text (an element
 * larger than that alone still gets a job of its own, which its submission then refuses).
 */
export function groupElements(elements: readonly number[][], itemBytes: (index: number) => number, limits: { maxItems: number; maxBytes: number }): number[][][] {
  const groups: number[][][] = [];
  let group: number[][] = [];
  let count = 0;
  let bytes = 0;
  for (const element of elements) {
    const size = element.reduce((sum, i) => sum + itemBytes(i), 0);
    if (group.length > 0 && (count + element.length > limits.maxItems || bytes + size > limits.maxBytes)) {
      groups.push(group);
      group = [];
      count = 0;
      bytes = 0;
    }
    group.push(element);
    count += element.length;
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Items of a step as indices 0..n-1 from its `range`. */
export function rangeItems(range: { from: number; to: number; step: number }): number[] {
  const items: number[] = [];
  for (let v = range.from; v <= range.to; v += range.step) items.push(v);
  return items;
}

/** Items per element after rounding the element count up to a multiple of the slots. */
function balance(items: number, perElement: number, slots?: number): number {
  if (!slots || slots < 2) return perElement;
  const elements = Math.ceil(items / perElement);
  const balanced = Math.min(items, Math.ceil(elements / slots) * slots);
  return Math.max(1, Math.ceil(items / balanced));
}
