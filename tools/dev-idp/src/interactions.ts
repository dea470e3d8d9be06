import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { errorPage, loginPage } from './html';
import { grantEverything } from './provider-config';
import { checkPassword, MAX_PASSWORD, MAX_USERNAME } from './passwords';

const MAX_FORM_BYTES = 4096;
const ROUTE = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login)?$/;

export type Log = (line: string) => void;

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Whether this request is for the sign-in pages (the rest goes to oidc-provider). */
export function isInteraction(path: string): boolean {
  return ROUTE.test(path);
}

/**
 * The sign-in pages: GET /interaction/<uid> shows the form, POST /interaction/<uid>/login
 * checks the password and hands the person back to oidc-provider. Consent is never asked
 * (every client is first-party: see loadExistingGrant).
 */
export async function handleInteraction(provider: Provider, passwords: Record<string, string>, req: IncomingMessage, res: ServerResponse, log: Log): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const route = ROUTE.exec(path);
  let details: Awaited<ReturnType<Provider['interactionDetails']>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    send(res, 400, errorPage('This sign-in has expired or belongs to another browser.', 'Start again from your application.'));
    return;
  }
  if (!route || route[1] !== details.uid) {
    send(res, 400, errorPage('This sign-in page does not match your session.'));
    return;
  }
  const client = details.params['client_id'];
  const clientName = typeof client === 'string' ? client : 'a client';
  const prompt = details.prompt.name;

  if (prompt === 'consent') {
    // Every client is first-party: the person's consent is the sign-in itself (and, in the
    // device flow, the confirmation of the user code), so grant without a page.
    const accountId = details.session?.accountId;
    if (!accountId || typeof client !== 'string') {
      send(res, 400, errorPage('This sign-in has no signed-in person.'));
      return;
    }
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = grantEverything(existing ?? new provider.Grant({ accountId, clientId: client }));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  if (prompt !== 'login') {
    send(res, 400, errorPage(`This IdP does not handle the "${prompt}" prompt.`));
    return;
  }
  if (req.method === 'GET' && !route[2]) {
    send(res, 200, loginPage(details.uid, clientName));
    return;
  }
  if (req.method !== 'POST' || !route[2]) {
    send(res, 405, errorPage('Method not allowed.'));
    return;
  }
  const form = await readForm(req);
  const username = form?.get('username') ?? '';
  const password = form?.get('password') ?? '';
  if (!form || username.length > MAX_USERNAME || password.length > MAX_PASSWORD) {
    send(res, 413, loginPage(details.uid, clientName, `The username takes at most ${MAX_USERNAME} characters and the password ${MAX_PASSWORD}.`));
    return;
  }
  const person = checkPassword(passwords, username, password);
  if (!person) {
    // Never log what was typed: a password lands in the username field now and then.
    log('sign-in refused: unknown user or wrong password');
    send(res, 401, loginPage(details.uid, clientName, 'Unknown user or wrong password.'));
    return;
  }
  log(`sign-in: ${person.username} to ${clientName}`);
  await provider.interactionFinished(req, res, { login: { accountId: person.sub } }, { mergeWithLastSubmission: false });
}
