import { client, TemplateService, type Template } from '@cairn/portal-client';
import { ConfirmButton, ErrorMessage, Pager } from '@cairn/portal-ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { TemplateTable, useTemplateList } from '../templates/templates-page';
import { templateToDraft, type PublishDraft } from './publish-form';
import { TemplatePublishForm } from './template-publish-form';

function TemplateActions({ template, onEdit }: { readonly template: Template; readonly onEdit: (t: Template) => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => client(TemplateService).deleteTemplate({ name: template.name }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['cairn', 'templates'] }),
  });
  return (
    <div className="button-row" style={{ margin: 0 }}>
      <button type="button" className="button-quiet" onClick={() => onEdit(template)} aria-label={`Edit ${template.name}`}>
        Edit
      </button>
      <ConfirmButton
        label={`Delete ${template.name}`}
        question={`Delete template ${template.name}? Runs made from it are kept.`}
        confirmLabel={`Yes, delete ${template.name}`}
        onConfirm={() => remove.mutate()}
        busy={remove.isPending}
      />
      {remove.isError && <ErrorMessage error={remove.error} context="Could not delete" />}
    </div>
  );
}

/** Templates for admins: the list with Edit and Delete, and the publish form. */
export function AdminTemplates() {
  const list = useTemplateList();
  const [load, setLoad] = useState<PublishDraft | undefined>();
  const [loadError, setLoadError] = useState<unknown>(null);
  const edit = async (t: Template) => {
    setLoadError(null);
    try {
      const r = await client(TemplateService).getTemplate({ name: t.name });
      if (r.template !== undefined) setLoad(templateToDraft(r.template));
      document.getElementById('publish')?.scrollIntoView();
    } catch (e) {
      setLoadError(e);
    }
  };
  return (
    <>
      <h1>Templates</h1>
      {list.error !== null && <ErrorMessage error={list.error} context="Could not list the templates" />}
      {!list.isLoading && list.items.length === 0 && list.error === null && <p>No template has been published yet.</p>}
      {list.items.length > 0 && <TemplateTable templates={list.items} caption="Published templates" actions={(t) => <TemplateActions template={t} onEdit={(x) => void edit(x)} />} />}
      <Pager list={list} label="Templates: pages" />
      {loadError !== null && <ErrorMessage error={loadError} context="Could not load the template" />}
      <div id="publish">
        <TemplatePublishForm load={load} />
      </div>
    </>
  );
}
