import { Code, ConnectError } from '@connectrpc/connect';
import { client, draftString, type SubmitWorkflowResponse, WorkflowService } from '@cairn/portal-client';
import { AccountPicker, type EditorProblem, ErrorMessage, serverProblems, workflowProblems, YamlEditor } from '@cairn/portal-ui';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { findExample, WORKFLOW_EXAMPLES } from './examples';
import { PlanView } from './plan-view';
import { newRequestId, useDraft } from './use-draft';

/** What the workflow editor keeps as a draft. */
interface WorkflowDraft {
  text: string;
  fileName: string;
  account: string;
}

const parseDraft = (v: unknown): WorkflowDraft | undefined => {
  const text = draftString(v, 'text', '\u0000');
  if (text === '\u0000') return undefined;
  return { text, fileName: draftString(v, 'fileName', 'workflow.yaml', 128), account: draftString(v, 'account', '', 128) };
};

/** The server's refusal of one exact text, placed in it. */
interface Refusal {
  forText: string;
  located: EditorProblem[];
  general: string[];
}

const FILE_NAME = /^[A-Za-z0-9._/-]{1,128}$/;

/**
 * The workflow editor: YAML checked against the published schema as it is typed; "Dry run"
 * asks the server for the plan (every problem it finds is placed in the editor too);
 * "Submit workflow" starts the run and opens it. Nothing is sent while the editor lists a
 * problem. The text is a draft in sessionStorage until a run is submitted.
 */
export function WorkflowPanel() {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [draft, setDraft, discardDraft] = useDraft<WorkflowDraft>('submit.workflow', parseDraft, () => ({ text: '', fileName: 'workflow.yaml', account: '' }));
  const [refusal, setRefusal] = useState<Refusal | undefined>();
  const [blocked, setBlocked] = useState(false);
  const [plan, setPlan] = useState<{ forText: string; response: SubmitWorkflowResponse } | undefined>();
  const problemsHeading = useRef<HTMLDivElement>(null);
  const { text, fileName, account } = draft;

  const typed = useMemo(() => workflowProblems(text), [text]);
  const serverLocated = useMemo(() => (refusal !== undefined && refusal.forText === text ? refusal.located : []), [refusal, text]);
  const serverGeneral = refusal !== undefined && refusal.forText === text ? refusal.general : [];
  // One key per text and account: a second click (or a retry after a lost answer) finds the same run.
  const requestId = useMemo(() => newRequestId(), [text, account]);

  const load = (source: string, name: string) => {
    setDraft({ ...draft, text: source, fileName: name });
    setRefusal(undefined);
    setPlan(undefined);
    setBlocked(false);
  };

  // ?example=active-learning loads that example once; the parameter is then dropped, so a
  // return from the login page (to this URL) restores the draft instead of the example.
  const exampleParam = params.get('example');
  useEffect(() => {
    const example = findExample(exampleParam);
    if (example === undefined) return;
    load(example.source, example.fileName);
    const next = new URLSearchParams(params);
    next.delete('example');
    setParams(next, { replace: true });
    // Runs when the parameter appears (load and params as they are then).
  }, [exampleParam]);

  const send = useMutation({
    mutationFn: async ({ dryRun }: { dryRun: boolean }) =>
      client(WorkflowService).submitWorkflow({
        source: text,
        fileName: FILE_NAME.test(fileName) ? fileName : 'workflow.yaml',
        dryRun,
        ...(dryRun ? {} : { requestId, account }),
      }),
    onMutate: () => setRefusal(undefined),
    onSuccess: (response, { dryRun }) => {
      if (dryRun) {
        setPlan({ forText: text, response });
        return;
      }
      const runId = response.workflow?.runId;
      discardDraft();
      if (runId) void navigate(`/workflows/${encodeURIComponent(runId)}`);
    },
    onError: (error) => {
      const e = ConnectError.from(error);
      if (e.code === Code.InvalidArgument) {
        const found = serverProblems(e.rawMessage, text);
        setRefusal({ forText: text, ...found });
        if (found.located.length > 0) problemsHeading.current?.focus();
      }
    },
  });

  const go = (dryRun: boolean) => {
    if (typed.length > 0 || serverLocated.length > 0 || text.trim() === '') {
      setBlocked(true);
      problemsHeading.current?.focus();
      return;
    }
    setBlocked(false);
    send.mutate({ dryRun });
  };

  const error = send.error === null ? undefined : ConnectError.from(send.error);
  const accountError = error?.code === Code.PermissionDenied ? error.rawMessage : undefined;
  const otherError = error !== undefined && error.code !== Code.InvalidArgument && error.code !== Code.PermissionDenied ? error : undefined;
  const shownPlan = plan !== undefined && plan.forText === text ? plan.response.plan : undefined;
  const problemCount = typed.length + serverLocated.length;

  return (
    <section aria-labelledby="workflow-heading">
      <h2 id="workflow-heading">Workflow</h2>
      <p className="field-help">
        A workflow file in YAML (docs/workflows.md): it is checked against the published JSON Schema as you type, and by the
        server on "Dry run" and "Submit workflow". Images without a registry host come from the site's registry.
      </p>
      <div className="button-row" role="group" aria-label="Examples">
        <span>Start from an example:</span>
        {WORKFLOW_EXAMPLES.map((ex) => (
          <button key={ex.id} type="button" className="button-quiet" onClick={() => load(ex.source, ex.fileName)}>
            {ex.title}
          </button>
        ))}
      </div>
      <YamlEditor
        label={`Workflow (YAML): ${fileName}`}
        value={text}
        onChange={(next) => setDraft({ ...draft, text: next })}
        check={workflowProblems}
        extraProblems={serverLocated}
        showProblems
      />
      <div ref={problemsHeading} tabIndex={-1} aria-live="polite">
        {blocked && problemCount > 0 && (
          <p className="field-error">
            Nothing was submitted: fix the {problemCount === 1 ? 'problem' : `${problemCount} problems`} listed under the editor first.
          </p>
        )}
        {blocked && problemCount === 0 && text.trim() === '' && <p className="field-error">Nothing was submitted: the editor is empty.</p>}
        {serverGeneral.length > 0 && (
          <div className="error-message" role="alert">
            <strong>The server refused the workflow:</strong>
            <ul>
              {serverGeneral.map((g, i) => (
                <li key={i}>{g}</li>
              ))}
            </ul>
          </div>
        )}
      </div>
      <AccountPicker value={account} onChange={(a) => setDraft({ ...draft, account: a })} {...(accountError === undefined ? {} : { error: accountError })} />
      <div className="button-row">
        <button type="button" className="button-quiet" onClick={() => go(true)} disabled={send.isPending}>
          Dry run
        </button>
        <button type="button" onClick={() => go(false)} disabled={send.isPending}>
          Submit workflow
        </button>
        {send.isPending && <span aria-live="polite">{send.variables?.dryRun ? 'Planning…' : 'Submitting…'}</span>}
      </div>
      {otherError !== undefined && <ErrorMessage error={otherError} context={send.variables?.dryRun ? 'Could not plan the workflow' : 'Could not submit the workflow'} />}
      {shownPlan !== undefined && <PlanView plan={shownPlan} />}
    </section>
  );
}
