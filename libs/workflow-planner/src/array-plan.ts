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
   * Elements that run at once (see `parallelSlots`: the throttle, at most the partition's
   * job slots; without a throttle, the job slots): the element count is rounded up to a
   * multiple of it, keeping the number of waves, so the last wave leaves no slot idle and
   * every element gets shorter (balanced packing).
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
  const shape = planArrayShape(input.items.length, input);
  const elements: number[][] = [];
  for (let i = 0; i < input.items.length; i += shape.itemsPerElement) elements.push(input.items.slice(i, i + shape.itemsPerElement));
  const chunks: ArrayChunk[] = shape.arraySpecs.map((arraySpec, k) => ({ arraySpec, elements: elements.slice(k * input.maxArraySize, (k + 1) * input.maxArraySize) }));
  return { itemsPerElement: shape.itemsPerElement, elementCount: shape.elementCount, elementSeconds: shape.elementSeconds, chunks };
}

/**
 * The packing of `count` items without listing them (what a dry run shows): items per
 * element, elements, and the sbatch --array value of each Slurm array job.
 */
export function planArrayShape(count: number, input: Omit<ArrayPlanInput, 'items'>): Omit<ArrayPlan, 'chunks'> & { arraySpecs: string[] } {
  if (count === 0) return { itemsPerElement: 0, elementCount: 0, elementSeconds: 0, arraySpecs: [] };
  if (!(input.itemSeconds > 0) || !(input.targetSeconds > 0)) throw new Error('item and target durations must be positive');
  if (!Number.isInteger(input.maxArraySize) || input.maxArraySize < 1) throw new Error(`invalid MaxArraySize ${input.maxArraySize}`);
  const byTarget = Math.max(1, Math.floor(input.targetSeconds / input.itemSeconds));
  // The cap first, then the balance: balancing only shortens elements, so the cap holds and the waves stay full.
  const capped = Math.min(byTarget, Math.max(1, Math.floor(input.maxItemsPerElement ?? Infinity)));
  const itemsPerElement = balance(count, capped, input.slots);
  const elementCount = Math.ceil(count / itemsPerElement);
  const arraySpecs: string[] = [];
  for (let i = 0; i < elementCount; i += input.maxArraySize) {
    const size = Math.min(input.maxArraySize, elementCount - i);
    const throttle = input.throttle ? `%${Math.min(input.throttle, size)}` : '';
    arraySpecs.push(`${size === 1 ? '0' : `0-${size - 1}`}${throttle}`);
  }
  return { itemsPerElement, elementCount, elementSeconds: itemsPerElement * input.itemSeconds, arraySpecs };
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

/**
 * How many elements of a step run at once, for balanced packing: the throttle, at most the
 * partition's job slots for the step's CPUs (`jobSlots` counts one-CPU jobs); without a
 * throttle, those job slots. Undefined when neither is known (no balancing).
 */
export function parallelSlots(throttle: number | undefined, jobSlots: number | undefined, cpus = 1): number | undefined {
  const bySlots = jobSlots && jobSlots > 0 ? Math.max(1, Math.floor(jobSlots / Math.max(1, cpus))) : undefined;
  if (throttle && throttle > 0) return Math.min(throttle, bySlots ?? throttle);
  return bySlots;
}

/**
 * Items per element after rounding the element count up to a multiple of the slots: the
 * same number of waves as `perElement` items per element, each element as short as those
 * waves allow (ceil(items ÷ (slots × waves))).
 */
function balance(items: number, perElement: number, slots?: number): number {
  if (!slots || slots < 1) return perElement;
  const elements = Math.ceil(items / perElement);
  const balanced = Math.min(items, Math.ceil(elements / slots) * slots);
  return Math.max(1, Math.ceil(items / balanced));
}
