import type { StepPlan, WorkflowPlan } from '@cairn/portal-client';
import { Dag, formatDuration, formatMebibytes, planToDag, TableScroll } from '@cairn/portal-ui';
import { useMemo } from 'react';

function flatten(steps: readonly StepPlan[]): StepPlan[] {
  return steps.flatMap((s) => [s, ...flatten(s.loop?.steps ?? [])]);
}

function resourcesText(s: StepPlan): string {
  const r = s.resources;
  if (r === undefined) return '—';
  const parts = [`${r.cpus} CPU${r.cpus === 1 ? '' : 's'}`, formatMebibytes(r.memoryMb), formatDuration(r.timeLimitSeconds)];
  if (r.gpus > 0) parts.push(`${r.gpus} GPU${r.gpus === 1 ? '' : 's'}${r.gpuType ? ` (${r.gpuType})` : ''}`);
  return parts.join(', ');
}

/** A dry run's answer: where it would run, how many Slurm jobs, each step's partition and resources, and the graph. */
export function PlanSummary({ plan }: { readonly plan: WorkflowPlan }) {
  const dag = useMemo(() => planToDag(plan), [plan]);
  const steps = flatten(plan.steps);
  return (
    <section aria-labelledby="plan-title" data-testid="plan-summary">
      <h2 id="plan-title">Plan (dry run: nothing was submitted)</h2>
      <p>
        Workflow <strong>{plan.name}</strong> on site <strong>{plan.site}</strong>: {steps.length} step{steps.length === 1 ? '' : 's'} as{' '}
        {plan.slurmJobs} Slurm job{plan.slurmJobs === 1 ? '' : 's'}.
      </p>
      <Dag nodes={dag.nodes} edges={dag.edges} ariaLabel={`Plan of ${plan.name}`} />
      <TableScroll label="Planned steps">
        <table>
          <caption className="visually-hidden">Planned steps</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Partition</th>
              <th scope="col">Resources</th>
              <th scope="col">Image</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((s) => (
              <tr key={s.path}>
                <th scope="row">{s.path}</th>
                <td>{s.resources?.partition || '—'}</td>
                <td>{resourcesText(s)}</td>
                <td className="mono">{s.imageDigest || s.image || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
