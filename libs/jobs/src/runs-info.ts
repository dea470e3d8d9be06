import { MAX_RUNS_INFO, type RunInfo } from '@cairn/contracts';

/** A table of runs the scheduler keeps (lone jobs, workflow runs): which of these ids it holds, one query. */
export interface RunsInfoSource {
  runsInfo(runIds: readonly string[]): Promise<RunInfo[]>;
}

/**
 * `scheduler.runs.info` (ADR 0015): for each id that is a workflow run or a job, its kind,
 * whether it is live (not final), its owner and account; unknown ids are left out. The
 * images service asks before it evicts an image and to filter a catalogue's run ids.
 */
export class RunsInfo {
  constructor(private readonly sources: readonly RunsInfoSource[]) {}

  async of(runIds: readonly string[]): Promise<{ runs: RunInfo[] }> {
    const ids = [...new Set(runIds)].slice(0, MAX_RUNS_INFO);
    if (ids.length === 0) return { runs: [] };
    const found = new Map<string, RunInfo>();
    for (const rows of await Promise.all(this.sources.map((source) => source.runsInfo(ids)))) {
      for (const row of rows) if (!found.has(row.runId)) found.set(row.runId, row);
    }
    // In the order asked.
    return { runs: ids.flatMap((id) => found.get(id) ?? []) };
  }
}
