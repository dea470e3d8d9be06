/**
 * The writes this process asked the scheduler for, told to whoever remembers the scheduler's
 * answers in this process (the gateway's read memories, ADR 0019): a SubmitWorkflow,
 * CancelWorkflow, RunTemplate or Rerun answered through any binding of the gateway drops
 * what was remembered of the run and the run pages before its reply is sent. Told when the
 * answer came and when it did not (the write may still have been committed): `id` is then
 * the one asked about, or undefined for a new run whose id is not known.
 */
type Listener = (id: string | undefined) => void;

const runListeners = new Set<Listener>();

/** Calls `listener` on every run write of this process; returns the function that stops it. */
export function onRunWrite(listener: Listener): () => void {
  runListeners.add(listener);
  return () => runListeners.delete(listener);
}

/** A run was (or may have been) created or changed by a request of this process. */
export function runWritten(id: string | undefined): void {
  for (const listener of runListeners) listener(id);
}

/** The write's answer, with every listener told before it is returned (also when it failed). */
export async function writingRun<T>(id: string | undefined, write: () => Promise<T>, idOf: (answer: T) => string | undefined): Promise<T> {
  let answered: string | undefined = id;
  try {
    const answer = await write();
    answered = idOf(answer) ?? id;
    return answer;
  } finally {
    runWritten(answered);
  }
}
