import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Route, Routes } from 'react-router';
import { AdminPage, DashboardPage, ExperimentsPage, ImagesPage, JobPage, NotFoundPage, ProvenancePage, SubmitPage, TemplatePage, TemplatesPage, WorkflowRunPage } from '@cairn/portal-views';
import { Layout, SessionGate } from '@cairn/portal-ui';
import { isRetryable } from '@cairn/portal-client';

/** Queries retry once after a transient error; never after NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED... */
const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: (failures, error) => failures < 1 && isRetryable(error), refetchOnWindowFocus: false } },
});

/** The portal: one route per view (docs/portal.md lists them). */
export function PortalApp() {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionGate>
        <BrowserRouter>
          <Routes>
            <Route element={<Layout />}>
              <Route index element={<DashboardPage />} />
              <Route path="submit" element={<SubmitPage />} />
              <Route path="workflows/:id" element={<WorkflowRunPage />} />
              <Route path="jobs/:id" element={<JobPage />} />
              <Route path="experiments" element={<ExperimentsPage />} />
              <Route path="provenance/:runId" element={<ProvenancePage />} />
              <Route path="images" element={<ImagesPage />} />
              <Route path="templates" element={<TemplatesPage />} />
              <Route path="templates/:name" element={<TemplatePage />} />
              <Route path="admin/*" element={<AdminPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        </BrowserRouter>
      </SessionGate>
    </QueryClientProvider>
  );
}
