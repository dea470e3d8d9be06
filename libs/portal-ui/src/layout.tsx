import { isAdmin, LOGOUT_PATH, useSession, useWhoAmI } from '@cairn/portal-client';
import { useEffect, useRef } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import './styles/portal.css';

/** The main navigation; Admin only for people with the admin role (the API refuses others anyway). */
function MainNav({ admin }: { readonly admin: boolean }) {
  return (
    <nav aria-label="Main" className="main-nav">
      <ul>
        <li>
          <NavLink to="/" end>
            Dashboard
          </NavLink>
        </li>
        <li>
          <NavLink to="/submit">Submit</NavLink>
        </li>
        <li>
          <NavLink to="/experiments">Experiments</NavLink>
        </li>
        <li>
          <NavLink to="/templates">Templates</NavLink>
        </li>
        <li>
          <NavLink to="/images">Images</NavLink>
        </li>
        {admin && (
          <li>
            <NavLink to="/admin">Admin</NavLink>
          </li>
        )}
      </ul>
    </nav>
  );
}

/** Who is signed in, and "Log out" (a form POST: the server drops the session and revokes its tokens). */
function SignedIn({ name }: { readonly name: string }) {
  return (
    <div className="signed-in">
      <span className="person" title="Signed in as">
        {name}
      </span>
      <form method="post" action={LOGOUT_PATH}>
        <button type="submit" className="button-quiet">
          Log out
        </button>
      </form>
    </div>
  );
}

/**
 * After a move to another page (not the first load): the tab's title follows the page's
 * `<h1>` and focus moves to `<main>`, so keyboard and screen-reader users start at the new
 * page rather than on the link they left.
 */
function usePageChange() {
  const { pathname } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    const frame = requestAnimationFrame(() => {
      const h1 = document.querySelector('main h1')?.textContent?.trim();
      document.title = h1 ? `${h1} · Cairn` : 'Cairn';
      if (!first.current) document.getElementById('main')?.focus({ preventScroll: false });
      first.current = false;
    });
    return () => cancelAnimationFrame(frame);
  }, [pathname]);
}

/** Every page's frame: skip link, header (Cairn, navigation, the person, Log out) and the page in `<main id="main">`. */
export function Layout() {
  const who = useWhoAmI();
  const session = useSession();
  const name = who.data?.name || session.data?.name || '';
  usePageChange();
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="site-header">
        <div className="site-header-inner">
          <a href="/" className="brand">
            Cairn
          </a>
          <MainNav admin={isAdmin(who.data)} />
          <SignedIn name={name} />
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
