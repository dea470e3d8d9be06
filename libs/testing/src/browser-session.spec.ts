import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BrowserSession, findForm } from './browser-session';

describe('findForm', () => {
  const page = (html: string) => ({ url: 'http://idp.test/device', status: 200, html });

  it('reads the form by id: its action resolved against the page, its named fields decoded', () => {
    const html = `<form id="a" action="/x"><input name="n" value="1"></form>
<form id="op.confirm" method="post" action="/device?step=2&amp;x=1">
<input type="hidden" name="xsrf" value="a&quot;b&#60;c"/><input type="text" name="user_code"><input name="code" value="ABCD-EFGH"/></form>`;
    expect(findForm(page(html), 'op.confirm')).toEqual({ action: 'http://idp.test/device?step=2&x=1', fields: { xsrf: 'a"b<c', code: 'ABCD-EFGH' } });
    expect(findForm(page(html))).toEqual({ action: 'http://idp.test/x', fields: { n: '1' } });
  });

  it('says which form is missing on which page', () => {
    expect(() => findForm(page('<p>no form</p>'), 'login')).toThrow('no form login on http://idp.test/device (HTTP 200)');
  });
});

describe('BrowserSession [real: node:http server on loopback]', () => {
  let server: Server;
  let base: string;
  const seen: { method: string; path: string; cookie: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      seen.push({ method: req.method ?? '', path, cookie: req.headers.cookie ?? '' });
      if (path === '/start') {
        res.writeHead(303, { location: '/area/page', 'set-cookie': ['root=1; Path=/; HttpOnly', 'area=2; Path=/area', 'gone=3; Path=/'] });
      } else if (path === '/area/page') {
        res.writeHead(200, { 'set-cookie': ['gone=; Path=/; Max-Age=0'] });
      } else if (path === '/post') {
        res.writeHead(303, { location: '/after' });
      } else if (path === '/keep') {
        res.writeHead(307, { location: '/after' });
      } else if (path === '/loop') {
        res.writeHead(302, { location: '/loop' });
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
      }
      req.resume();
      res.end(`<p>${path}</p>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
  });

  it('follows redirects, sends each cookie only under its path, and forgets a cookie the server expires', async () => {
    const browser = new BrowserSession();
    const page = await browser.open(`${base}/start`);
    expect(page).toEqual({ url: `${base}/area/page`, status: 200, html: '<p>/area/page</p>' });
    expect(seen[1]?.cookie).toBe('root=1; area=2; gone=3');
    await browser.open(`${base}/elsewhere`);
    expect(seen[2]?.cookie).toBe('root=1');
  });

  it('a form post answered 303 continues with GET; 307 keeps the method', async () => {
    const browser = new BrowserSession();
    await browser.submit({ action: `${base}/post`, fields: { a: '1' } });
    await browser.submit({ action: `${base}/keep`, fields: { a: '1' } });
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(['POST /post', 'GET /after', 'POST /keep', 'POST /after']);
  });

  it('gives up after 20 redirects', async () => {
    await expect(new BrowserSession().open(`${base}/loop`)).rejects.toThrow(`more than 20 redirects from ${base}/loop`);
  });
});
