/** Something with a loop that can be nudged to run now instead of at its next tick. */
export interface Wakeable {
  wake(): void;
}
