import type { Page } from 'playwright-core';

/**
 * What went wrong inside a page while a test drove it: uncaught exceptions and console
 * errors (a React error, a failed import). `check()` throws with all of them.
 */
export interface PageProblems {
  readonly problems: string[];
  check(): void;
}

/** Starts recording `page`'s uncaught exceptions and console errors; `ignore` filters expected ones. */
export function watchPage(page: Page, ignore: RegExp[] = []): PageProblems {
  const problems: string[] = [];
  const add = (text: string) => {
    if (!ignore.some((re) => re.test(text))) problems.push(text);
  };
  page.on('pageerror', (error) => add(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const source = message.location().url;
    // Browsers ask every origin for /favicon.ico on their own; a page never asked for it.
    if (source !== undefined && new URL(source, page.url()).pathname === '/favicon.ico') return;
    add(`console.error at ${page.url()}${source ? ` (${source})` : ''}: ${message.text()}`);
  });
  return {
    problems,
    check() {
      if (problems.length > 0) throw new Error(`the page reported ${problems.length} problem(s):\n${problems.join('\n')}`);
    },
  };
}

/**
 * Everything script in the page can read that might hold a credential: localStorage,
 * sessionStorage, document.cookie and the page's HTML. The portal keeps tokens server-side
 * (HttpOnly session cookie), so none of it may contain a JWT.
 */
export async function readableByScript(page: Page): Promise<string> {
  // A string, evaluated in the page (this project's types have no DOM).
  return page.evaluate<string>(`(() => {
    const dump = (s) => Array.from({ length: s.length }, (_, i) => s.key(i) + '=' + s.getItem(s.key(i))).join('\\n');
    return [dump(localStorage), dump(sessionStorage), document.cookie, document.documentElement.outerHTML].join('\\n');
  })()`);
}

/** A compact JWT (header.payload.signature, base64url, header starting `{"`) anywhere in `text`. */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;
