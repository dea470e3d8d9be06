import { client, TemplateService } from '@cairn/portal-client';
import { errorCode, ErrorMessage, RelativeTime } from '@cairn/portal-ui';
import { Code } from '@connectrpc/connect';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { TemplateRunForm } from './template-run-form';

/** `/templates/:name`: what the template does and its form (drafts survive an expired session). */
export function TemplatePage() {
  const { name = '' } = useParams();
  const template = useQuery({
    queryKey: ['cairn', 'template', name],
    queryFn: async ({ signal }) => (await client(TemplateService).getTemplate({ name }, { signal })).template,
  });
  if (template.isPending) {
    return (
      <>
        <h1>Template</h1>
        <p role="status">Loading the template…</p>
      </>
    );
  }
  if (template.isError || template.data === undefined) {
    const code = errorCode(template.error);
    return (
      <>
        <h1>{code === Code.NotFound || code === Code.InvalidArgument ? 'No such template' : 'Template'}</h1>
        {code === Code.NotFound || code === Code.InvalidArgument ? (
          <p>
            There is no template named <code>{name}</code>. <Link to="/templates">See the templates</Link>.
          </p>
        ) : (
          <ErrorMessage error={template.error} context="Could not load the template" />
        )}
      </>
    );
  }
  const t = template.data;
  return (
    <>
      <h1>{t.title || t.name}</h1>
      <p className="template-description">{t.description}</p>
      <p className="field-help">
        <span className="mono">{t.name}</span>, version {t.version}, published <RelativeTime time={t.publishedAt} />
        {t.publishedBy !== undefined && ` by ${t.publishedBy.name}`}. <Link to="/templates">All templates</Link>
      </p>
      <TemplateRunForm key={t.name} template={t} />
    </>
  );
}
