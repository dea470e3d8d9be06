import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { redirectToLoginWhenSessionEnds } from '@cairn/portal-client';
import { PortalApp } from './portal-app';

// A call answered UNAUTHENTICATED (the session expired or ended) sends the person to log in,
// to come back to this page; forms keep their drafts in sessionStorage meanwhile.
redirectToLoginWhenSessionEnds();

const root = document.getElementById('root');
if (root === null) throw new Error('the page has no #root element');
createRoot(root).render(
  <StrictMode>
    <PortalApp />
  </StrictMode>,
);
