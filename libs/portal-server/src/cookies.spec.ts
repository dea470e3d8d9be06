import { loginCookieName, parseCookies, serializeCookie, sessionCookieName } from './cookies';

describe('cookies', () => {
  it('sets the session cookie HttpOnly, SameSite=Lax, Path=/, and Secure with the __Host- prefix on https', () => {
    expect(serializeCookie(sessionCookieName(true), 'abc_-1', { path: '/', secure: true, maxAge: 28800 })).toBe('__Host-cairn-session=abc_-1; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=28800');
    expect(serializeCookie(sessionCookieName(false), 'abc', { path: '/', secure: false })).toBe('cairn-session=abc; Path=/; HttpOnly; SameSite=Lax');
    expect(serializeCookie(loginCookieName(true), '', { path: '/auth', secure: true, maxAge: 0 })).toBe('__Secure-cairn-login=; Path=/auth; HttpOnly; SameSite=Lax; Secure; Max-Age=0');
  });

  it('refuses a value that could add attributes', () => {
    expect(() => serializeCookie('a', 'x; Domain=evil', { path: '/', secure: true })).toThrow();
    expect(() => serializeCookie('a b', 'x', { path: '/', secure: true })).toThrow();
  });

  it('reads the first value of each cookie', () => {
    const cookies = parseCookies('a=1; __Host-cairn-session=xyz; a=2;broken; =v; b=');
    expect(cookies.get('a')).toBe('1');
    expect(cookies.get('__Host-cairn-session')).toBe('xyz');
    expect(cookies.get('b')).toBe('');
    expect(cookies.has('broken')).toBe(false);
    expect(parseCookies(undefined).size).toBe(0);
  });
});
