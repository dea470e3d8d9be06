/** Placeholder: replaced by the view's owner. */
export function WorkflowRunPage() {
  return <h1>Workflow run</h1>;
}
