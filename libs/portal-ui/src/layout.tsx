import { NavLink, Outlet } from 'react-router';

/** Placeholder layout: header, navigation and the page (replaced by the shell's owner). */
export function Layout() {
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header>
        <nav aria-label="Main">
          <NavLink to="/">Dashboard</NavLink> <NavLink to="/submit">Submit</NavLink>
        </nav>
      </header>
      <main id="main">
        <Outlet />
      </main>
    </>
  );
}
