/** Placeholder: replaced by the view's owner. */
export function SubmitPage() {
  return <h1>Submit</h1>;
}
