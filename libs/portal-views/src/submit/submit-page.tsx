import { type KeyboardEvent, useRef } from 'react';
import { useSearchParams } from 'react-router';
import { JobForm } from './job-form';
import { WorkflowPanel } from './workflow-panel';

const TABS = [
  { id: 'workflow', label: 'Workflow' },
  { id: 'job', label: 'Job' },
] as const;
type TabId = (typeof TABS)[number]['id'];

/**
 * Submit: a workflow from the editor (with a dry run that draws the plan, and the examples
 * one click away) or a single job from a form. `?tab=job` opens the job form;
 * `?example=active-learning` loads that example into the editor.
 */
export function SubmitPage() {
  const [params, setParams] = useSearchParams();
  const tab: TabId = params.get('tab') === 'job' && params.get('example') === null ? 'job' : 'workflow';
  const buttons = useRef<Record<TabId, HTMLButtonElement | null>>({ workflow: null, job: null });

  const choose = (id: TabId, focus = false) => {
    const next = new URLSearchParams(params);
    if (id === 'workflow') next.delete('tab');
    else next.set('tab', id);
    setParams(next, { replace: true });
    if (focus) buttons.current[id]?.focus();
  };

  // Arrow keys, Home and End move between the tabs (the WAI-ARIA tabs pattern).
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = TABS.findIndex((t) => t.id === tab);
    const to = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : -1;
    const target = TABS[to];
    if (target === undefined) return;
    e.preventDefault();
    choose(target.id, true);
  };

  return (
    <>
      <h1>Submit</h1>
      <div role="tablist" aria-label="What to submit" className="button-row" onKeyDown={onKeyDown}>
        {TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              buttons.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`submit-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`submit-panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className={tab === t.id ? undefined : 'button-quiet'}
            onClick={() => choose(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`submit-panel-${tab}`} aria-labelledby={`submit-tab-${tab}`}>
        {tab === 'workflow' ? <WorkflowPanel /> : <JobForm />}
      </div>
    </>
  );
}
