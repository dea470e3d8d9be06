/** Placeholder: replaced by the view's owner. */
export function AdminPage() {
  return <h1>Administration</h1>;
}
