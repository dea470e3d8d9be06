/** Placeholder: replaced by the view's owner. */
export function ExperimentsPage() {
  return <h1>Experiments</h1>;
}
