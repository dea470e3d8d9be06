import { SiteHealth } from '../dashboard/site-health';

/** Each site and its agent in detail: partitions, limits, queue (refreshed every 30 s). */
export function AdminSites() {
  return (
    <>
      <h1>Sites and agents</h1>
      <SiteHealth detailed title="Configured sites" />
    </>
  );
}
