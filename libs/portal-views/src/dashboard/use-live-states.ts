import { useCallback, useState } from 'react';
import { applyLive, type LiveStates } from './live-states';

/** Live states of list rows, fed by watch streams (see WorkflowWatcher, JobWatcher). */
export function useLiveStates(): [LiveStates, (id: string, state: string, sequence: number) => void] {
  const [live, setLive] = useState<LiveStates>(() => new Map());
  const onState = useCallback((id: string, state: string, sequence: number) => setLive((s) => applyLive(s, id, state, sequence)), []);
  return [live, onState];
}
