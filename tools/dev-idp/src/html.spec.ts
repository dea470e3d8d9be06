import fc from 'fast-check';
import { errorPage, escapeHtml, loginPage, userCodeConfirmPage } from './html';

describe('html', () => {
  it('escapes every character that could end an attribute or open a tag, reversibly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const escaped = escapeHtml(text);
        expect(escaped).not.toMatch(/[<>"'`=]/);
        expect(escaped.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('the login form posts username and password to its interaction, names escaped', () => {
    const html = loginPage('uid-1', '<script>x</script>', 'Unknown user or wrong password.');
    expect(html).toContain('<form id="login" method="post" action="/interaction/uid-1/login"');
    expect(html).toContain('name="username"');
    expect(html).toContain('name="password"');
    expect(html).not.toContain('<script>');
    expect(html).toContain('Unknown user or wrong password.');
  });

  it('the device pages keep oidc-provider\'s form and escape the rest', () => {
    const html = userCodeConfirmPage('<form id="op.deviceConfirmForm"></form>', 'Cairn "CLI"', 'ABCD-EFGH');
    expect(html).toContain('<form id="op.deviceConfirmForm"></form>');
    expect(html).toContain('form="op.deviceConfirmForm"');
    expect(html).toContain('Cairn &#34;CLI&#34;');
    expect(errorPage('<b>', '"x"')).not.toMatch(/<b>|"x"/);
  });
});
