import { ConnectError } from '@connectrpc/connect';
import { useEffect, useRef, useState } from 'react';
import { backoffMs, isRetryable } from './backoff';

/** Where a server stream is: waiting to open, open, ended by the server, or failed for good. */
export type StreamStatus = 'idle' | 'connecting' | 'open' | 'retrying' | 'ended' | 'failed';

export interface ServerStreamState {
  readonly status: StreamStatus;
  /** The last error (while retrying, or the one it failed with). */
  readonly error?: ConnectError;
}

/**
 * Follows one server-streaming call while the component is mounted: `open(signal)` starts
 * the call (e.g. `(signal) => client(JobService).watchJob({ jobId }, { signal })`), each
 * message goes to `onMessage`. The call is aborted on unmount or when `key` changes; when
 * it fails with a retryable error it is opened again after a backoff (1 s doubling to 30 s),
 * so `onMessage` must accept replays (Cairn's watch calls replay from the start: reduce by
 * sequence). It never polls: a stream the server ended stays ended. `key` null: nothing open.
 */
export function useServerStream<T>(
  key: string | null,
  open: (signal: AbortSignal) => AsyncIterable<T>,
  onMessage: (message: T) => void,
): ServerStreamState {
  const [state, setState] = useState<ServerStreamState>({ status: 'idle' });
  const openRef = useRef(open);
  const onMessageRef = useRef(onMessage);
  openRef.current = open;
  onMessageRef.current = onMessage;

  useEffect(() => {
    if (key === null) {
      setState({ status: 'idle' });
      return undefined;
    }
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;

    const run = async (): Promise<void> => {
      setState({ status: failures === 0 ? 'connecting' : 'retrying' });
      try {
        let first = true;
        for await (const message of openRef.current(controller.signal)) {
          if (controller.signal.aborted) return;
          if (first) {
            first = false;
            failures = 0;
            setState({ status: 'open' });
          }
          onMessageRef.current(message);
        }
        if (!controller.signal.aborted) setState({ status: 'ended' });
      } catch (e) {
        if (controller.signal.aborted) return;
        const error = ConnectError.from(e);
        if (!isRetryable(error)) {
          setState({ status: 'failed', error });
          return;
        }
        failures += 1;
        setState({ status: 'retrying', error });
        timer = setTimeout(() => void run(), backoffMs(failures));
      }
    };
    void run();

    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [key]);

  return state;
}
