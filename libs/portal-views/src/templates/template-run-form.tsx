import { client, TemplateService, type Template, type WorkflowPlan } from '@cairn/portal-client';
import { AccountPicker, errorCode, ErrorMessage } from '@cairn/portal-ui';
import { Code, ConnectError } from '@connectrpc/connect';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ParameterField } from './parameter-field';
import { PlanSummary } from './plan-summary';
import { checkForm, serverProblems } from './template-form';
import { useTemplateDraft } from './use-template-draft';

/** The form of one template: its parameters, the Slurm account, "Dry run" and "Run template". */
export function TemplateRunForm({ template }: { readonly template: Template }) {
  const navigate = useNavigate();
  const { draft, setValue, setAccount, reset, discard } = useTemplateDraft(template.name, template.parameters);
  const [shown, setShown] = useState<Record<string, string>>({});
  const [plan, setPlan] = useState<WorkflowPlan | undefined>();
  // One request id per attempt: a double click submits once.
  const [requestId, setRequestId] = useState(() => crypto.randomUUID());

  const run = useMutation({
    mutationFn: async ({ dryRun, parameters }: { dryRun: boolean; parameters: Record<string, string> }) =>
      client(TemplateService).runTemplate({ name: template.name, parameters, account: draft.account, dryRun, requestId: dryRun ? '' : requestId }),
    onSuccess: (r, { dryRun }) => {
      if (dryRun) {
        setPlan(r.plan);
        return;
      }
      discard();
      if (r.workflow !== undefined) void navigate(`/workflows/${r.workflow.runId}`);
    },
    onError: (_e, { dryRun }) => {
      if (!dryRun) setRequestId(crypto.randomUUID());
    },
  });

  const names = template.parameters.map((p) => p.name);
  const server = run.error !== null && errorCode(run.error) === Code.InvalidArgument ? serverProblems(ConnectError.from(run.error).rawMessage, names) : undefined;

  const submit = (dryRun: boolean) => {
    const checked = checkForm(template.parameters, draft.values);
    setShown(checked.problems);
    setPlan(undefined);
    if (Object.keys(checked.problems).length > 0) return;
    run.mutate({ dryRun, parameters: checked.values });
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    submit(false);
  };

  return (
    <form onSubmit={onSubmit} noValidate aria-labelledby="form-title">
      <h2 id="form-title">Run it</h2>
      {template.parameters.length === 0 && <p>This template has no parameters to set.</p>}
      {template.parameters.map((p) => (
        <ParameterField key={p.name} parameter={p} value={draft.values[p.name] ?? ''} onChange={(v) => setValue(p.name, v)} problem={shown[p.name] ?? server?.byField[p.name]} />
      ))}
      <AccountPicker value={draft.account} onChange={setAccount} />
      {Object.keys(shown).length > 0 && (
        <p className="error-message" role="alert">
          Some values need fixing (see the fields above).
        </p>
      )}
      {run.isError && server === undefined && <ErrorMessage error={run.error} context="Could not run the template" />}
      {server !== undefined && (
        <div className="error-message" role="alert">
          <p>The server refused these values{server.general.length > 0 ? ':' : ' (see the fields above).'}</p>
          {server.general.length > 0 && (
            <ul>
              {server.general.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="button-row">
        <button type="button" className="button-quiet" onClick={() => submit(true)} disabled={run.isPending}>
          Dry run
        </button>
        <button type="submit" disabled={run.isPending}>
          Run template
        </button>
        <button type="button" className="button-quiet" onClick={reset} disabled={run.isPending}>
          Reset to defaults
        </button>
        {run.isPending && <span role="status">Working…</span>}
      </div>
      {plan !== undefined && <PlanSummary plan={plan} />}
    </form>
  );
}
