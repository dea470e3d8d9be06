import type { WorkflowPlan } from '@cairn/portal-client';
import { Dag, planToDag, TableScroll } from '@cairn/portal-ui';
import { useMemo } from 'react';
import { planRows, planSummary } from './plan-table';

/**
 * A dry run's plan: the step graph (a loop's body drawn once, by path) and the same steps
 * in a table with where and how each runs: partition, resources, an array's packing into
 * Slurm array jobs, a loop's budget. Nothing has been submitted.
 */
export function PlanView({ plan }: { readonly plan: WorkflowPlan }) {
  const model = useMemo(() => planToDag(plan), [plan]);
  const rows = useMemo(() => planRows(plan), [plan]);
  return (
    <section aria-labelledby="plan-heading" data-testid="plan">
      <h2 id="plan-heading">Plan (dry run: nothing submitted)</h2>
      <p>{planSummary(plan)}</p>
      <Dag nodes={model.nodes} edges={model.edges} ariaLabel={`Planned steps of ${plan.name}`} />
      {model.hidden > 0 && <p className="notice">{model.hidden} more steps are in the table but not drawn.</p>}
      <TableScroll label="Planned steps">
        <table data-testid="plan-table">
          <caption className="visually-hidden">Planned steps of {plan.name}</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Kind</th>
              <th scope="col">After</th>
              <th scope="col">Partition</th>
              <th scope="col">Resources</th>
              <th scope="col">Packing or budget</th>
              <th scope="col">Image</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.path} data-key={row.path}>
                <th scope="row" style={{ paddingLeft: `${0.5 + row.depth * 1.25}rem` }}>
                  {row.depth > 0 ? '↳ ' : ''}
                  {row.path}
                </th>
                <td>{row.kind}</td>
                <td>{row.needs || '—'}</td>
                <td>{row.partition || '—'}</td>
                <td>{row.resources || '—'}</td>
                <td>{row.packing || '—'}</td>
                <td className="id">{row.image || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
