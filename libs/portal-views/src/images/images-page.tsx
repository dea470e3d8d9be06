import { client, ImageService, isAdmin, type ListImagesResponse, type ResolveImageResponse, useWhoAmI } from '@cairn/portal-client';
import { ConfirmButton, ErrorMessage, RelativeTime, TableScroll } from '@cairn/portal-ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useSites } from '../dashboard/site-health';
import { chosenSite, formatBytes, type ImageRow, imageRow, platformText, quotaModel, referenceProblem } from './images-model';
import './images.css';

const imagesKey = (site: string) => ['cairn', 'images', site] as const;

/** A site's catalogue changes when runs start and images are converted: asking every 30 s is enough (no stream). */
const IMAGES_REFRESH_MS = 30_000;

function useSiteImages(site: string) {
  return useQuery({
    queryKey: imagesKey(site),
    queryFn: ({ signal }) => client(ImageService).listImages({ site }, { signal }),
    enabled: site !== '',
    refetchInterval: IMAGES_REFRESH_MS,
  });
}

/** "Resolve": a reference pinned to the digest for the site's platform, as a run would be. */
function ResolveForm({ site }: { readonly site: string }) {
  const inputId = useId();
  const helpId = useId();
  const [reference, setReference] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const resolve = useMutation<ResolveImageResponse, Error, string>({ mutationFn: (ref) => client(ImageService).resolveImage({ reference: ref, site }) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = referenceProblem(reference);
    setProblem(found);
    if (found === undefined) resolve.mutate(reference.trim());
  };
  const image = resolve.data?.image;
  return (
    <section aria-labelledby={`${inputId}-heading`}>
      <h2 id={`${inputId}-heading`}>Resolve a reference</h2>
      <form onSubmit={submit} className="images-resolve" noValidate>
        <div className="field">
          <label htmlFor={inputId}>Image reference</label>
          <input
            id={inputId}
            name="reference"
            value={reference}
            onChange={(e) => setReference(e.target.value)}
            aria-describedby={helpId}
            aria-invalid={problem !== undefined}
            autoComplete="off"
            spellCheck={false}
            maxLength={1000}
          />
          <p className="field-help" id={helpId}>
            As you write it in a workflow: <code>python:3.12</code>, <code>host:5000/lab/tool:1</code>, <code>docker://…</code>, or pinned <code>…@sha256:…</code>. Resolved for {site || 'the default site'}.
          </p>
          {problem !== undefined && <p className="field-error">{problem}</p>}
        </div>
        <div className="button-row">
          <button type="submit" disabled={resolve.isPending}>
            {resolve.isPending ? 'Resolving…' : 'Resolve'}
          </button>
        </div>
      </form>
      {resolve.error && <ErrorMessage error={resolve.error} context="Could not resolve it" />}
      {image && (
        <dl className="facts" data-testid="resolved-image">
          <dt>Pinned</dt>
          <dd className="mono" data-testid="resolved-pinned">
            {image.pinned}
          </dd>
          <dt>Digest</dt>
          <dd className="mono">{image.digest}</dd>
          <dt>Platform</dt>
          <dd data-testid="resolved-platform">{platformText(image.platform)}</dd>
          {image.indexDigest !== '' && (
            <>
              <dt>Chosen from index</dt>
              <dd className="mono">{image.indexDigest}</dd>
            </>
          )}
          <dt>Size</dt>
          <dd>{formatBytes(image.size)} (compressed)</dd>
          <dt>Looked up</dt>
          <dd>
            <RelativeTime time={image.resolvedAt} />
            {image.cached ? ' (from the tag cache)' : ''}
          </dd>
        </dl>
      )}
    </section>
  );
}

function EvictButton({ site, row }: { readonly site: string; readonly row: ImageRow }) {
  const queryClient = useQueryClient();
  const evict = useMutation({
    mutationFn: () => client(ImageService).evictImage({ site, digest: row.digest }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: imagesKey(site) }),
  });
  return (
    <>
      <ConfirmButton
        label={`Evict ${row.short}`}
        question={`Evict ${row.short} (${row.from}) from ${site}? Its ${row.size} file is removed; a run that needs it again converts it again.`}
        confirmLabel={`Yes, evict ${row.short}`}
        onConfirm={() => evict.mutate()}
        busy={evict.isPending}
        disabled={row.inUse}
      />
      {evict.data && <p className="field-help">{formatBytes(evict.data.freedBytes)} freed</p>}
      {evict.error && <ErrorMessage error={evict.error} context="Not evicted" />}
    </>
  );
}

function QuotaBar({ list }: { readonly list: ListImagesResponse }) {
  const quota = quotaModel(list);
  const labelId = useId();
  return (
    <div className="images-quota" data-testid="image-quota">
      <span id={labelId}>Image storage at {list.site}</span>
      {quota.quota > 0 && <meter aria-labelledby={labelId} min={0} max={quota.quota} value={Math.min(quota.used, quota.quota)} high={quota.quota * 0.9} optimum={0} />}
      <span>{quota.text}</span>
      {quota.full && <span className="state-badge state-waiting">Full: the least recently used images not in use are evicted next</span>}
    </div>
  );
}

function ImageTable({ site, list, admin }: { readonly site: string; readonly list: ListImagesResponse; readonly admin: boolean }) {
  const rows = list.images.map(imageRow);
  const caption = `Images held at ${site}, most recently used first`;
  if (rows.length === 0) return <p data-testid="no-images">No images at {site} yet: they are converted when a run that needs them is accepted.</p>;
  return (
    <TableScroll label={caption}>
      <table data-testid="image-list">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Digest</th>
            <th scope="col">Pinned reference</th>
            <th scope="col" className="num">Size</th>
            <th scope="col">Last used</th>
            <th scope="col">Runs</th>
            <th scope="col">In use</th>
            <th scope="col" className="num">Conversions</th>
            {admin && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.digest} data-testid="image-row" data-digest={row.digest}>
              <td className="id" title={row.digest}>
                {row.short}
              </td>
              <td className="images-pinned" title={row.pinned}>
                {row.from}
              </td>
              <td className="num">{row.size}</td>
              <td>
                <RelativeTime time={row.lastUsed} />
              </td>
              <td data-testid="image-runs">
                {row.runs.length === 0
                  ? '—'
                  : row.runs.map((run, i) => (
                      <span key={run.id}>
                        {i > 0 && ', '}
                        <Link to={run.href} title={run.id} aria-label={`run ${run.id}`} className="mono">
                          {run.short}
                        </Link>
                      </span>
                    ))}
              </td>
              <td>{row.inUse ? <span className="state-badge state-running" data-testid="in-use">In use</span> : 'No'}</td>
              <td className="num">{row.conversions}</td>
              {admin && (
                <td>
                  <EvictButton site={site} row={row} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** `/images`: each site's materialised images, its quota, and a form to resolve a reference (docs/portal.md). */
export function ImagesPage() {
  const [params, setParams] = useSearchParams();
  const sites = useSites();
  const who = useWhoAmI();
  const selectId = useId();
  const site = chosenSite(sites.data?.sites ?? [], params.get('site'));
  const images = useSiteImages(site);
  return (
    <>
      <h1>Images</h1>
      <p>
        Every step runs in a container image pinned to a digest. Each site keeps one verified, runnable copy of each image its runs used, within its quota; an image a live run needs is never
        evicted.
      </p>
      {sites.error && <ErrorMessage error={sites.error} context="Could not load the sites" />}
      <div className="field">
        <label htmlFor={selectId}>Site</label>
        <select id={selectId} name="site" value={site} onChange={(e) => setParams({ site: e.target.value }, { replace: true })} disabled={!sites.data}>
          {(sites.data?.sites ?? []).map((s) => (
            <option key={s.name} value={s.name}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      <section aria-labelledby={`${selectId}-images`}>
        <h2 id={`${selectId}-images`}>Images at {site || '…'}</h2>
        {images.error && <ErrorMessage error={images.error} context={`Could not list the images at ${site}`} />}
        {images.data && (
          <>
            <p className="field-help">
              Runtime {images.data.runtime}, platform {platformText(images.data.platform)}.
            </p>
            <QuotaBar list={images.data} />
            <ImageTable site={site} list={images.data} admin={isAdmin(who.data)} />
          </>
        )}
        {images.isPending && site !== '' && <p aria-live="polite">Loading images…</p>}
      </section>
      <ResolveForm site={site} />
    </>
  );
}
