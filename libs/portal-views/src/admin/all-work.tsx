import { JobList } from '../dashboard/job-list';
import { WorkflowList } from '../dashboard/workflow-list';

/** Everyone's runs and jobs (as an admin the API lists them all), with whose each is. */
export function AllWork() {
  return (
    <>
      <h1>All work</h1>
      <p>Every person’s workflow runs and jobs, newest first.</p>
      <WorkflowList title="All workflows" showOwner />
      <JobList title="All jobs" showOwner />
    </>
  );
}
