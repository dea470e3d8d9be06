import { client, usePagedList, type Workflow, WorkflowService } from '@cairn/portal-client';
import { ErrorMessage, Pager, RelativeTime, StateBadge, TableScroll, workflowStateName } from '@cairn/portal-ui';
import { useQueries, useQuery } from '@tanstack/react-query';
import { useId, useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ExperimentCompare } from './experiment-compare';
import { MAX_COMPARED_RUNS, parseRunIds, shortId, toggleRun, workflowNames } from './experiment-model';

/** Runs listed per page in the experiment's run list. */
const PAGE_SIZE = 25;
/** Runs read to offer workflow names in the picker (the newest; a name can also be typed). */
const NAME_SCAN = 500;

/**
 * Experiments: the runs of one workflow (by name) side by side. Pick the workflow, tick the
 * runs to compare (the newest three until you choose), and read their metric curves
 * overlaid per metric and their final metrics in a table. `?name=<workflow>&runs=<id,id>`.
 */
export function ExperimentsPage() {
  const [params, setParams] = useSearchParams();
  const name = params.get('name') ?? '';
  const chosen = parseRunIds(params.get('runs'));
  const pickerId = useId();

  const names = useQuery({
    queryKey: ['cairn', 'experiments', 'names'],
    queryFn: async ({ signal }) => workflowNames((await client(WorkflowService).listWorkflows({ pageSize: NAME_SCAN }, { signal })).workflows),
    staleTime: 60_000,
  });

  const runs = usePagedList<Workflow>(
    ['cairn', 'experiments', 'runs', name],
    async (pageToken, signal) => {
      const page = await client(WorkflowService).listWorkflows({ pageSize: PAGE_SIZE, pageToken, namePrefix: name }, { signal });
      // The server filters by prefix: "train" also finds "train-big", which is another workflow.
      return { items: page.workflows.filter((w) => w.name === name), nextPageToken: page.nextPageToken };
    },
    { enabled: name !== '' },
  );

  const compared = chosen.length > 0 ? chosen : runs.pageIndex === 0 ? runs.items.slice(0, 3).map((r) => r.runId) : [];
  const details = useQueries({
    queries: compared.map((runId) => ({
      queryKey: ['cairn', 'experiments', 'run', runId],
      queryFn: async ({ signal }: { signal: AbortSignal }) => (await client(WorkflowService).getWorkflow({ runId }, { signal })).workflow,
    })),
  });
  const loaded = useMemo(() => details.flatMap((d) => (d.data === undefined ? [] : [d.data])), [details]);
  const failed = details.find((d) => d.isError);

  const setName = (next: string) => setParams(next === '' ? {} : { name: next });
  const toggle = (runId: string) => {
    const next = new URLSearchParams(params);
    const ids = toggleRun(compared, runId);
    if (ids.length === 0) next.delete('runs');
    else next.set('runs', ids.join(','));
    setParams(next, { replace: true });
  };
  const choices = names.data ?? [];
  const nameChoices = name !== '' && !choices.includes(name) ? [name, ...choices] : choices;

  return (
    <>
      <h1>Experiments{name !== '' ? `: ${name}` : ''}</h1>
      <div className="filters">
        <div className="field">
          <label htmlFor={pickerId}>Workflow</label>
          <select id={pickerId} name="workflow" value={name} onChange={(e) => setName(e.target.value)} aria-describedby={`${pickerId}-help`}>
            <option value="">Choose a workflow…</option>
            {nameChoices.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <p id={`${pickerId}-help`} className="field-help">
            Names of workflows among your {NAME_SCAN} newest runs.
          </p>
        </div>
      </div>
      {names.isError && <ErrorMessage error={names.error} context="Could not list your workflows" />}
      {name === '' ? (
        <p>Choose a workflow to compare its runs.</p>
      ) : (
        <>
          <section aria-labelledby="runs-heading">
            <h2 id="runs-heading">Runs of {name}</h2>
            <p className="field-help">Tick up to {MAX_COMPARED_RUNS} runs to compare; the newest three are compared until you choose.</p>
            {runs.error !== null && <ErrorMessage error={runs.error} context="Could not list the runs" />}
            {runs.isLoading && <p>Loading runs…</p>}
            {!runs.isLoading && runs.items.length === 0 && runs.error === null && <p>No runs of {name} on this page.</p>}
            {runs.items.length > 0 && (
              <TableScroll label={`Runs of ${name}`}>
                <table data-testid="workflow-list">
                  <thead>
                    <tr>
                      <th scope="col">Compare</th>
                      <th scope="col">Run</th>
                      <th scope="col">State</th>
                      <th scope="col">Submitted</th>
                    </tr>
                  </thead>
                  <tbody>
                    {runs.items.map((run) => (
                      <tr key={run.runId}>
                        <td>
                          <input
                            type="checkbox"
                            id={`compare-${run.runId}`}
                            checked={compared.includes(run.runId)}
                            onChange={() => toggle(run.runId)}
                            aria-label={`Compare run ${shortId(run.runId)}`}
                          />
                        </td>
                        <td className="id">
                          <Link to={`/workflows/${encodeURIComponent(run.runId)}`}>{shortId(run.runId)}</Link>
                        </td>
                        <td>
                          <StateBadge state={workflowStateName(run.state)} />
                        </td>
                        <td>
                          <RelativeTime time={run.createTime} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            )}
            <Pager list={runs} label={`Runs of ${name}: pages`} />
          </section>
          {failed !== undefined && <ErrorMessage error={failed.error} context="Could not load a run" />}
          <ExperimentCompare runs={loaded} loading={details.some((d) => d.isLoading)} />
        </>
      )}
    </>
  );
}
