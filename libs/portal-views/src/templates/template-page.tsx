/** Placeholder: replaced by the view's owner. */
export function TemplatePage() {
  return <h1>Template</h1>;
}
