import { AuditService, client, usePagedList, type AuditEvent } from '@cairn/portal-client';
import { ErrorMessage, formatAbsolute, Pager, TableScroll, toDate } from '@cairn/portal-ui';
import { useId, useState, type FormEvent, type ReactElement } from 'react';
import { auditRequest, NO_FILTERS, OUTCOMES, timestampFields, type AuditFilters } from './audit-filters';

const PAGE_SIZE = 50;

function AuditFilterForm({ applied, onApply }: { readonly applied: AuditFilters; readonly onApply: (f: AuditFilters) => void }) {
  const id = useId();
  const [form, setForm] = useState<AuditFilters>(applied);
  const [problems, setProblems] = useState<Partial<Record<keyof AuditFilters, string>>>({});
  const set = (key: keyof AuditFilters) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = auditRequest(form);
    setProblems(r.ok ? {} : r.problems);
    if (r.ok) onApply(form);
  };
  const field = (key: keyof AuditFilters, label: string, control: ReactElement) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      {control}
      {problems[key] !== undefined && (
        <p id={`${id}-${key}-error`} className="field-error">
          {problems[key]}
        </p>
      )}
    </div>
  );
  const aria = (key: keyof AuditFilters) => ({ id: `${id}-${key}`, 'aria-invalid': problems[key] !== undefined, 'aria-describedby': problems[key] !== undefined ? `${id}-${key}-error` : undefined });
  return (
    <form className="filters" onSubmit={submit} aria-label="Audit log filters">
      {field('subject', 'Subject (token sub)', <input {...aria('subject')} type="text" value={form.subject} onChange={set('subject')} maxLength={255} />)}
      {field(
        'outcome',
        'Outcome',
        <select {...aria('outcome')} value={form.outcome} onChange={set('outcome')}>
          <option value="">Any</option>
          {OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>,
      )}
      {field('since', 'Since (UTC)', <input {...aria('since')} type="datetime-local" value={form.since} onChange={set('since')} />)}
      {field('until', 'Until (UTC)', <input {...aria('until')} type="datetime-local" value={form.until} onChange={set('until')} />)}
      <div className="button-row">
        <button type="submit">Apply filters</button>
        <button
          type="button"
          className="button-quiet"
          onClick={() => {
            setForm(NO_FILTERS);
            setProblems({});
            onApply(NO_FILTERS);
          }}
        >
          Clear filters
        </button>
      </div>
    </form>
  );
}

function AuditTable({ events }: { readonly events: readonly AuditEvent[] }) {
  return (
    <TableScroll label="Audit events">
      <table data-testid="audit-list">
        <caption className="visually-hidden">Audit events, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Outcome</th>
            <th scope="col">Call</th>
            <th scope="col">Who</th>
            <th scope="col">IDs</th>
            <th scope="col">From</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => {
            const time = toDate(e.time);
            return (
              <tr key={e.eventId}>
                <td>{time === undefined ? '—' : formatAbsolute(time).replace(' UTC', '')}</td>
                <td>
                  <span className={`state-badge ${e.outcome === 'OK' ? 'state-success' : 'state-failure'}`} data-testid="outcome" data-state={e.outcome}>
                    {e.outcome}
                  </span>
                </td>
                <td className="mono">{e.rpc.replace(/^\/cairn\.v1\./, '')}</td>
                <td>
                  {e.name || <em>not identified</em>}
                  {e.posixUser !== '' && <span className="field-help"> ({e.posixUser})</span>}
                  {e.subject !== '' && (
                    <>
                      <br />
                      <span className="field-help mono">{e.subject}</span>
                    </>
                  )}
                </td>
                <td className="mono">{e.ids.join(', ')}</td>
                <td className="mono">{e.peer}</td>
                <td>{e.reason}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** The audit log (AuditService.ListAuditEvents, admins only), newest first, a page at a time, filtered. */
export function AuditLog() {
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const list = usePagedList<AuditEvent>(['cairn', 'audit', filters], async (pageToken, signal) => {
    const r = auditRequest(filters);
    if (!r.ok) return { items: [], nextPageToken: '' };
    const res = await client(AuditService).listAuditEvents(
      {
        pageSize: PAGE_SIZE,
        pageToken,
        subject: r.subject,
        outcome: r.outcome,
        since: r.since === undefined ? undefined : timestampFields(r.since),
        until: r.until === undefined ? undefined : timestampFields(r.until),
      },
      { signal },
    );
    return { items: res.events, nextPageToken: res.nextPageToken };
  });
  return (
    <>
      <h1>Audit log</h1>
      <p>Every state-changing call and every refusal, newest first.</p>
      <AuditFilterForm applied={filters} onApply={setFilters} />
      {list.error !== null && <ErrorMessage error={list.error} context="Could not read the audit log" />}
      {list.isLoading && <p role="status">Loading events…</p>}
      {!list.isLoading && list.items.length === 0 && list.error === null && <p>No events match.</p>}
      {list.items.length > 0 && <AuditTable events={list.items} />}
      <Pager list={list} label="Audit log: pages" />
    </>
  );
}
