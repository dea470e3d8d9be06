import { isAdmin, useWhoAmI } from '@cairn/portal-client';
import { ErrorMessage } from '@cairn/portal-ui';
import { Link, NavLink, Route, Routes } from 'react-router';
import { JobList } from '../dashboard/job-list';
import { WorkflowList } from '../dashboard/workflow-list';
import { AdminSites } from './admin-sites';
import { AdminTemplates } from './admin-templates';
import { AllWork } from './all-work';
import { AuditLog } from './audit-log';

function AdminNav() {
  return (
    <nav aria-label="Administration" className="sub-nav">
      <ul>
        <li>
          <NavLink to="/admin/work">All work</NavLink>
        </li>
        <li>
          <NavLink to="/admin/audit">Audit log</NavLink>
        </li>
        <li>
          <NavLink to="/admin/sites">Sites and agents</NavLink>
        </li>
        <li>
          <NavLink to="/admin/templates">Templates</NavLink>
        </li>
      </ul>
    </nav>
  );
}

/** `/admin`: where to go, then everyone's recent work. */
function AdminHome() {
  return (
    <>
      <h1>Administration</h1>
      <ul>
        <li>
          <Link to="/admin/work">All work</Link>: everyone’s workflow runs and jobs.
        </li>
        <li>
          <Link to="/admin/audit">Audit log</Link>: every state-changing call and refusal.
        </li>
        <li>
          <Link to="/admin/sites">Sites and agents</Link>: each cluster’s agent, queue and partitions.
        </li>
        <li>
          <Link to="/admin/templates">Templates</Link>: publish, replace and delete workflow templates.
        </li>
      </ul>
      <WorkflowList title="All workflows" showOwner />
      <JobList title="All jobs" showOwner />
    </>
  );
}

/** `/admin/*`: for the admin role only (the API refuses everyone else anyway). */
export function AdminPage() {
  const who = useWhoAmI();
  if (who.isPending) {
    return (
      <>
        <h1>Administration</h1>
        <p role="status">Checking your roles…</p>
      </>
    );
  }
  if (who.isError) {
    return (
      <>
        <h1>Administration</h1>
        <ErrorMessage error={who.error} context="Could not check your roles" />
      </>
    );
  }
  if (!isAdmin(who.data)) {
    return (
      <>
        <h1>Administrators only</h1>
        <p>
          These pages are for Cairn’s administrators. <Link to="/">Back to the dashboard</Link>.
        </p>
      </>
    );
  }
  return (
    <>
      <AdminNav />
      <Routes>
        <Route index element={<AdminHome />} />
        <Route path="work" element={<AllWork />} />
        <Route path="audit" element={<AuditLog />} />
        <Route path="sites" element={<AdminSites />} />
        <Route path="templates" element={<AdminTemplates />} />
        <Route
          path="*"
          element={
            <>
              <h1>Not found</h1>
              <p>
                No such administration page. <Link to="/admin">Administration</Link>.
              </p>
            </>
          }
        />
      </Routes>
    </>
  );
}
