/** Placeholder: replaced by the view's owner. */
export function JobPage() {
  return <h1>Job</h1>;
}
