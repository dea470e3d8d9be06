/**
 * A browser, as far as an OpenID provider's sign-in pages need one: cookies (by name and
 * path, expiry honoured), redirects followed by hand, and the forms of a page read and
 * submitted as a person would. Plain HTTP through fetch; for the dev IdP's pages.
 */
interface Cookie {
  name: string;
  value: string;
  path: string;
  expires: number;
}

export interface HtmlForm {
  action: string;
  fields: Record<string, string>;
}

export interface BrowserPage {
  url: string;
  status: number;
  html: string;
}

const decode = (text: string) =>
  text
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const attribute = (tag: string, name: string): string | undefined => {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match?.[1] === undefined ? undefined : decode(match[1]);
};

/** The form with this id (or the first one) of a page, with its hidden and pre-filled fields. */
export function findForm(page: BrowserPage, id?: string): HtmlForm {
  for (const match of page.html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)) {
    const open = /<form\b[^>]*>/.exec(match[0])?.[0] ?? '';
    if (id !== undefined && attribute(open, 'id') !== id) continue;
    const fields: Record<string, string> = {};
    for (const input of match[0].matchAll(/<input\b[^>]*>/g)) {
      const name = attribute(input[0], 'name');
      const value = attribute(input[0], 'value');
      if (name !== undefined && value !== undefined) fields[name] = value;
    }
    return { action: new URL(attribute(open, 'action') ?? page.url, page.url).href, fields };
  }
  throw new Error(`no form${id ? ` ${id}` : ''} on ${page.url} (HTTP ${page.status})`);
}

export class BrowserSession {
  private cookies: Cookie[] = [];

  /** `fetcher`: how requests go out (default the global fetch; e.g. http2Fetch for the portal's TLS). */
  constructor(private readonly fetcher: (input: string, init: RequestInit) => Promise<Response> = (input, init) => fetch(input, init)) {}

  /** The value of a cookie it holds (any path), or undefined. */
  cookie(name: string): string | undefined {
    return this.cookies.find((c) => c.name === name && c.expires > Date.now())?.value;
  }

  /** GET `url` and follow redirects. */
  open(url: string): Promise<BrowserPage> {
    return this.request(url, { method: 'GET' });
  }

  /** Submit `form` with `values` added to (or replacing) its fields, and follow redirects. */
  submit(form: HtmlForm, values: Record<string, string> = {}): Promise<BrowserPage> {
    const body = new URLSearchParams({ ...form.fields, ...values }).toString();
    return this.request(form.action, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  private async request(url: string, init: { method: string; body?: string; headers?: Record<string, string> }): Promise<BrowserPage> {
    let target = url;
    let current = init;
    for (let hop = 0; hop < 20; hop += 1) {
      const res = await this.fetcher(target, { ...current, redirect: 'manual', headers: { ...current.headers, cookie: this.cookieHeader(target) } });
      this.store(target, res.headers.getSetCookie());
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        target = new URL(location, target).href;
        current = res.status === 307 || res.status === 308 ? current : { method: 'GET' };
        continue;
      }
      return { url: target, status: res.status, html: await res.text() };
    }
    throw new Error(`more than 20 redirects from ${url}`);
  }

  private cookieHeader(url: string): string {
    const path = new URL(url).pathname;
    const now = Date.now();
    this.cookies = this.cookies.filter((c) => c.expires > now);
    return this.cookies
      .filter((c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: string, headers: string[]): void {
    for (const header of headers) {
      const [pair = '', ...attributes] = header.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const cookie: Cookie = { name: pair.slice(0, eq), value: pair.slice(eq + 1), path: '/', expires: Number.POSITIVE_INFINITY };
      const defaultPath = new URL(url).pathname.replace(/\/[^/]*$/, '') || '/';
      cookie.path = defaultPath;
      for (const a of attributes) {
        const [key = '', value = ''] = a.split('=');
        const k = key.toLowerCase();
        if (k === 'path' && value.startsWith('/')) cookie.path = value;
        if (k === 'expires') cookie.expires = Date.parse(value);
        if (k === 'max-age') cookie.expires = Date.now() + Number(value) * 1000;
      }
      this.cookies = this.cookies.filter((c) => !(c.name === cookie.name && c.path === cookie.path));
      if (!(cookie.expires <= Date.now())) this.cookies.push(cookie);
    }
  }
}
