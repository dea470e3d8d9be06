import { client, TemplateService, usePagedList, type Template } from '@cairn/portal-client';
import { ErrorMessage, Pager, RelativeTime, TableScroll } from '@cairn/portal-ui';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

const PAGE_SIZE = 25;

/** One page of templates at a time (ListTemplates, sorted by name). */
export function useTemplateList() {
  return usePagedList<Template>(['cairn', 'templates', 'list'], async (pageToken, signal) => {
    const r = await client(TemplateService).listTemplates({ pageSize: PAGE_SIZE, pageToken }, { signal });
    return { items: r.templates, nextPageToken: r.nextPageToken };
  });
}

/** The templates as a table, each linking to its form; `actions` adds a cell per row (admin: Delete). */
export function TemplateTable({ templates, caption, actions }: { readonly templates: readonly Template[]; readonly caption: string; readonly actions?: (t: Template) => ReactNode }) {
  return (
    <TableScroll label={caption}>
      <table data-testid="template-list">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Template</th>
            <th scope="col">What it does</th>
            <th scope="col" className="num">Version</th>
            <th scope="col">Published</th>
            {actions !== undefined && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {templates.map((t) => (
            <tr key={t.name}>
              <td>
                <Link to={`/templates/${encodeURIComponent(t.name)}`}>{t.title || t.name}</Link>
                <br />
                <span className="field-help mono">{t.name}</span>
              </td>
              <td>{t.description.length > 200 ? `${t.description.slice(0, 200)}…` : t.description}</td>
              <td className="num">{t.version}</td>
              <td>
                <RelativeTime time={t.publishedAt} />
                {t.publishedBy !== undefined && ` by ${t.publishedBy.name}`}
              </td>
              {actions !== undefined && <td>{actions(t)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** `/templates`: the curated pipelines a researcher runs from a form. */
export function TemplatesPage() {
  const list = useTemplateList();
  return (
    <>
      <h1>Templates</h1>
      <p>Curated workflows your administrators published: fill in a short form and run one, no YAML needed.</p>
      {list.error !== null && <ErrorMessage error={list.error} context="Could not list the templates" />}
      {list.isLoading && <p role="status">Loading templates…</p>}
      {!list.isLoading && list.items.length === 0 && list.error === null && <p>No template has been published yet.</p>}
      {list.items.length > 0 && <TemplateTable templates={list.items} caption="Templates" />}
      <Pager list={list} label="Templates: pages" />
    </>
  );
}
