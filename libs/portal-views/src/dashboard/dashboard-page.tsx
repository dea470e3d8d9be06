import { isAdmin, useWhoAmI } from '@cairn/portal-client';
import { Link } from 'react-router';
import { JobList } from './job-list';
import { MyCounts } from './my-counts';
import { MyLimits } from './my-limits';
import { SiteHealth } from './site-health';
import { WorkflowList } from './workflow-list';

/** `/`: my work now, my limits, my recent runs and jobs (live), and each site's health. */
export function DashboardPage() {
  const who = useWhoAmI();
  const admin = isAdmin(who.data);
  return (
    <>
      <h1>Dashboard</h1>
      <p>
        <Link to="/submit">Submit a job or workflow</Link> · <Link to="/templates">Run a template</Link>
      </p>
      <MyCounts everyone={admin} />
      <MyLimits />
      <WorkflowList title="Recent workflows" showOwner={admin} />
      <JobList title="Recent jobs" showOwner={admin} />
      <SiteHealth />
    </>
  );
}
