import { Link } from 'react-router';

/** A path no view has. */
export function NotFoundPage() {
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no page here. <Link to="/">Back to the dashboard</Link>.
      </p>
    </>
  );
}
