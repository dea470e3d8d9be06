import { goToLogin, useSession } from '@cairn/portal-client';
import { useEffect, type ReactNode } from 'react';
import { ErrorMessage } from './error-message';
import './styles/portal.css';

/**
 * Asks `GET /auth/session` before anything else; someone not signed in is sent to
 * `/auth/login?returnTo=<this page>` and comes back here after logging in.
 */
export function SessionGate({ children }: { readonly children: ReactNode }) {
  const session = useSession();
  const signedOut = session.data !== undefined && !session.data.authenticated;
  useEffect(() => {
    if (signedOut) goToLogin();
  }, [signedOut]);

  if (session.isPending || signedOut) {
    return (
      <main id="main" className="gate">
        <h1>Cairn</h1>
        <p role="status">{signedOut ? 'Taking you to the login page…' : 'Checking your session…'}</p>
      </main>
    );
  }
  if (session.isError) {
    return (
      <main id="main" className="gate">
        <h1>Cairn</h1>
        <ErrorMessage error={session.error} context="Could not check your session" />
        <button type="button" onClick={() => void session.refetch()}>
          Try again
        </button>
      </main>
    );
  }
  return children;
}
