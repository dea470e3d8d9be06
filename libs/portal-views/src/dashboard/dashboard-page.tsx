/** Placeholder: replaced by the view's owner. */
export function DashboardPage() {
  return <h1>Dashboard</h1>;
}
