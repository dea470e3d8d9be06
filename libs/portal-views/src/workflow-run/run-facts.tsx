import { workflowStateName, Duration, RelativeTime, StateBadge } from '@cairn/portal-ui';
import type { Workflow } from '@cairn/portal-client';

/** Who, where and when: the run's state (data-testid="workflow-state"), owner, account, site and times. */
export function RunFacts({ workflow }: { readonly workflow: Workflow }) {
  const owner = workflow.owner;
  return (
    <dl className="facts">
      <dt>State</dt>
      <dd>
        <StateBadge state={workflowStateName(workflow.state)} testId="workflow-state" />
        {workflow.reason !== '' && <span className="run-reason"> {workflow.reason}</span>}
      </dd>
      <dt>Run id</dt>
      <dd>
        <code>{workflow.runId}</code>
      </dd>
      <dt>Owner</dt>
      <dd>{owner ? owner.name || owner.posixUser || owner.subject : '—'}{owner && owner.posixUser !== '' && owner.posixUser !== owner.name ? ` (runs as ${owner.posixUser})` : ''}</dd>
      <dt>Account</dt>
      <dd>{workflow.account || '—'}</dd>
      <dt>Site</dt>
      <dd>{workflow.site || '—'}</dd>
      <dt>File</dt>
      <dd>{workflow.fileName || '—'}</dd>
      <dt>Started</dt>
      <dd>
        <RelativeTime time={workflow.createTime} />
      </dd>
      <dt>Ended</dt>
      <dd>{workflow.endTime ? <RelativeTime time={workflow.endTime} /> : 'not yet'}</dd>
      <dt>Duration</dt>
      <dd>
        <Duration from={workflow.createTime} {...(workflow.endTime ? { to: workflow.endTime } : {})} />
        {workflow.endTime ? '' : ' so far'}
      </dd>
    </dl>
  );
}
