/** Placeholder: replaced by the view's owner. */
export function TemplatesPage() {
  return <h1>Templates</h1>;
}
