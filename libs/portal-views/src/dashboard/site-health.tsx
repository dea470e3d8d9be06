import { useId } from 'react';
import { client, SiteService, type Site, type SitePartition } from '@cairn/portal-client';
import { ErrorMessage, formatDuration, formatMebibytes, RelativeTime, TableScroll } from '@cairn/portal-ui';
import { useQuery } from '@tanstack/react-query';

/** Site health is no run state: asking every 30 s is fine (each ask reaches every agent). */
const SITES_REFRESH_MS = 30_000;

export function useSites() {
  return useQuery({
    queryKey: ['cairn', 'sites'],
    queryFn: ({ signal }) => client(SiteService).listSites({}, { signal }),
    refetchInterval: SITES_REFRESH_MS,
  });
}

function AgentBadge({ site }: { readonly site: Site }) {
  if (!site.agentConnected) {
    return (
      <span className="state-badge state-failure" data-testid="agent" data-state="NOT_CONNECTED">
        Agent not connected
      </span>
    );
  }
  // It answered, but with an error or a status Cairn could not read: its state is unknown.
  return site.error === '' ? (
    <span className="state-badge state-success" data-testid="agent" data-state="CONNECTED">
      Agent connected
    </span>
  ) : (
    <span className="state-badge state-waiting" data-testid="agent" data-state="UNKNOWN">
      Agent connected, state unknown
    </span>
  );
}

function PartitionTable({ site, partitions }: { readonly site: string; readonly partitions: readonly SitePartition[] }) {
  return (
    <TableScroll label={`Partitions of ${site}`}>
      <table>
        <caption className="visually-hidden">Partitions of {site}</caption>
        <thead>
          <tr>
            <th scope="col">Partition</th>
            <th scope="col">Up</th>
            <th scope="col" className="num">Nodes</th>
            <th scope="col" className="num">CPUs/node</th>
            <th scope="col" className="num">Memory/node</th>
            <th scope="col">Time limit</th>
            <th scope="col">GPUs etc.</th>
          </tr>
        </thead>
        <tbody>
          {partitions.map((p) => (
            <tr key={p.name}>
              <th scope="row">
                {p.name}
                {p.isDefault ? ' (default)' : ''}
              </th>
              <td>{p.up ? 'up' : 'DOWN'}</td>
              <td className="num">{p.nodes}</td>
              <td className="num">{p.cpusPerNode}</td>
              <td className="num">{formatMebibytes(p.memoryMbPerNode)}</td>
              <td>{p.maxTimeSeconds === 0n ? 'none' : formatDuration(Number(p.maxTimeSeconds))}</td>
              <td>{p.gres.join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** One site: its agent, Cairn's queue there, and (in detail) its partitions. */
export function SiteCard({ site, detailed }: { readonly site: Site; readonly detailed: boolean }) {
  // An error means the site's state is unknown (docs/sites.md): its counts are not zeros.
  const known = site.error === '';
  return (
    <li className="card" data-testid="site" data-site={site.name}>
      <h3>{site.name}</h3>
      <p>
        <AgentBadge site={site} />
      </p>
      {!known && <p className="field-help">{site.error}</p>}
      <dl className="facts">
        <dt>Pending</dt>
        <dd>{known ? site.pendingJobs : 'unknown'}</dd>
        <dt>Running</dt>
        <dd>{known ? site.runningJobs : 'unknown'}</dd>
        <dt>Partitions</dt>
        <dd>{site.partitions.map((p) => (p.up ? p.name : `${p.name} (down)`)).join(', ') || '—'}</dd>
        {detailed && (
          <>
            <dt>Default partition</dt>
            <dd>{site.defaultPartition || '—'}</dd>
            <dt>Largest array</dt>
            <dd>{site.maxArraySize === 0 ? 'unknown' : site.maxArraySize}</dd>
            <dt>Checked</dt>
            <dd>
              <RelativeTime time={site.checkedAt} />
            </dd>
          </>
        )}
      </dl>
      {detailed && site.partitions.length > 0 && <PartitionTable site={site.name} partitions={site.partitions} />}
    </li>
  );
}

/** Every site's health (SiteService.ListSites), refreshed every 30 s. */
export function SiteHealth({ detailed = false, title = 'Sites' }: { readonly detailed?: boolean; readonly title?: string }) {
  const titleId = useId();
  const sites = useSites();
  return (
    <section aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      {sites.isPending && <p role="status">Asking the sites…</p>}
      {sites.error !== null && <ErrorMessage error={sites.error} context="Could not list the sites" />}
      {sites.data !== undefined && sites.data.sites.length === 0 && <p>No site is configured.</p>}
      {sites.data !== undefined && sites.data.sites.length > 0 && (
        <ul className={detailed ? 'cards cards-wide' : 'cards'}>
          {sites.data.sites.map((s) => (
            <SiteCard key={s.name} site={s} detailed={detailed} />
          ))}
        </ul>
      )}
    </section>
  );
}
