import { client, DraftSaver, draftStore, TemplateService } from '@cairn/portal-client';
import { errorCode, ErrorMessage, serverProblems, workflowProblems, YamlEditor } from '@cairn/portal-ui';
import { Code, ConnectError } from '@connectrpc/connect';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { ParameterRows } from './parameter-rows';
import { EMPTY_PUBLISH, parsePublishDraft, placePublishProblems, rowsToParameters, type ParameterRow, type PublishDraft } from './publish-form';

const DRAFT_NAME = 'admin.template-publish';

/** The file is checked as it is typed, once there is something to check (a new form starts quiet). */
const checkSource = (text: string) => (text.trim() === '' ? [] : workflowProblems(text));

function FieldProblems({ id, problems }: { readonly id: string; readonly problems: readonly string[] | undefined }) {
  if (problems === undefined || problems.length === 0) return null;
  return (
    <p id={id} className="field-error">
      {problems.join(' ')}
    </p>
  );
}

/**
 * Publishes a template (new, or a new version under the same name): name, title,
 * description, the workflow file in the YAML editor (checked as it is typed), the
 * parameter rows; the server's refusals shown at their field, the file's at their line.
 * The draft is kept in sessionStorage.
 */
export function TemplatePublishForm({ load }: { readonly load?: PublishDraft }) {
  const id = useId();
  const queryClient = useQueryClient();
  const store = useMemo(() => draftStore(), []);
  const saver = useMemo(() => new DraftSaver<PublishDraft>(store, DRAFT_NAME), [store]);
  const [draft, setDraftState] = useState<PublishDraft>(() => store.load(DRAFT_NAME, parsePublishDraft) ?? EMPTY_PUBLISH);
  const [rowProblems, setRowProblems] = useState<Record<number, string[]>>({});
  const setDraft = (next: PublishDraft) => {
    setDraftState(next);
    saver.change(next);
  };

  useEffect(() => {
    if (load !== undefined) {
      setDraftState(load);
      saver.change(load);
    }
  }, [load, saver]);
  useEffect(() => {
    const flush = () => saver.flush();
    globalThis.addEventListener('pagehide', flush);
    return () => {
      globalThis.removeEventListener('pagehide', flush);
      saver.flush();
    };
  }, [saver]);

  const publish = useMutation({
    mutationFn: (parameters: ReturnType<typeof rowsToParameters>['parameters']) =>
      client(TemplateService).publishTemplate({ template: { name: draft.name.trim(), title: draft.title, description: draft.description, source: draft.source, parameters } }),
    onSuccess: async () => {
      saver.discard();
      await queryClient.invalidateQueries({ queryKey: ['cairn', 'templates'] });
    },
  });

  const refusal = publish.error !== null && errorCode(publish.error) === Code.InvalidArgument ? ConnectError.from(publish.error).rawMessage : undefined;
  const fromServer = useMemo(() => (refusal === undefined ? undefined : serverProblems(refusal, draft.source)), [refusal, draft.source]);
  const placed = useMemo(() => placePublishProblems(fromServer?.general ?? []), [fromServer]);
  const allRowProblems = useMemo(() => {
    const merged: Record<number, string[]> = { ...placed.rows };
    for (const [i, ps] of Object.entries(rowProblems)) merged[Number(i)] = [...ps, ...(merged[Number(i)] ?? [])];
    return merged;
  }, [placed, rowProblems]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = rowsToParameters(draft.rows);
    setRowProblems(r.problems);
    if (Object.keys(r.problems).length > 0) return;
    publish.mutate(r.parameters);
  };

  const describe = (key: string, has: boolean) => (has ? `${id}-${key}-error` : undefined);
  return (
    <form onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Publish a template</h2>
      <p className="field-help">Publishing under an existing name replaces that template with a new version.</p>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          name="name"
          type="text"
          value={draft.name}
          onChange={(e) => setDraft({ ...draft, name: e.target.value })}
          maxLength={63}
          aria-invalid={placed.fields.name !== undefined}
          aria-describedby={[`${id}-name-help`, describe('name', placed.fields.name !== undefined)].filter(Boolean).join(' ')}
        />
        <p id={`${id}-name-help`} className="field-help">
          Lower-case letters, digits and “-”, starting with a letter (at most 63).
        </p>
        <FieldProblems id={`${id}-name-error`} problems={placed.fields.name} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-ttl`}>Title</label>
        <input
          id={`${id}-ttl`}
          name="title"
          type="text"
          value={draft.title}
          onChange={(e) => setDraft({ ...draft, title: e.target.value })}
          maxLength={200}
          aria-invalid={placed.fields.title !== undefined}
          aria-describedby={describe('title', placed.fields.title !== undefined)}
        />
        <FieldProblems id={`${id}-title-error`} problems={placed.fields.title} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description</label>
        <textarea
          id={`${id}-description`}
          name="description"
          value={draft.description}
          onChange={(e) => setDraft({ ...draft, description: e.target.value })}
          maxLength={4096}
          rows={4}
          style={{ minHeight: '6rem', fontFamily: 'inherit' }}
          aria-invalid={placed.fields.description !== undefined}
          aria-describedby={describe('description', placed.fields.description !== undefined)}
        />
        <FieldProblems id={`${id}-description-error`} problems={placed.fields.description} />
      </div>
      <YamlEditor label="Workflow file (YAML)" value={draft.source} onChange={(source) => setDraft({ ...draft, source })} check={checkSource} extraProblems={fromServer?.located} showProblems />
      <ParameterRows rows={draft.rows} onChange={(rows: ParameterRow[]) => setDraft({ ...draft, rows })} problems={allRowProblems} />
      {Object.keys(rowProblems).length > 0 && (
        <p className="error-message" role="alert">
          Some parameters need fixing (see above).
        </p>
      )}
      {publish.isError && refusal === undefined && <ErrorMessage error={publish.error} context="Could not publish the template" />}
      {refusal !== undefined && (
        <div className="error-message" role="alert">
          <p>The template was not published: see the problems at their fields{placed.general.length > 0 ? ' and here:' : '.'}</p>
          {placed.general.length > 0 && (
            <ul>
              {placed.general.map((l) => (
                <li key={l}>{l}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {publish.isSuccess && (
        <p role="status" className="notice">
          Published {publish.data.template?.name} version {publish.data.template?.version}.
        </p>
      )}
      <div className="button-row">
        <button type="submit" disabled={publish.isPending}>
          Publish template
        </button>
        <button
          type="button"
          className="button-quiet"
          onClick={() => {
            setDraft(EMPTY_PUBLISH);
            setRowProblems({});
            publish.reset();
          }}
        >
          Start a new template
        </button>
        {publish.isPending && <span role="status">Publishing…</span>}
      </div>
    </form>
  );
}
