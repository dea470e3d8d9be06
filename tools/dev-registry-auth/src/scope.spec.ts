import fc from 'fast-check';
import { grant, MAX_SCOPE_LENGTH, MAX_SCOPES, parseScope, parseScopes } from './scope';

describe('parseScope', () => {
  it('reads type, repository name (with slashes) and actions', () => {
    expect(parseScope('repository:lab/busybox:pull,push')).toEqual({ type: 'repository', name: 'lab/busybox', actions: ['pull', 'push'] });
    expect(parseScope('repository:a/b-c/d__e.f:pull,pull')).toEqual({ type: 'repository', name: 'a/b-c/d__e.f', actions: ['pull'] });
    expect(parseScope('registry:catalog:*')).toEqual({ type: 'registry', name: 'catalog', actions: ['*'] });
  });

  it('refuses malformed scopes', () => {
    for (const text of ['', 'repository', 'repository:lab/busybox', ':lab:pull', 'repository:Lab/Busybox:pull', 'repository:lab//x:pull', 'repository:lab/x:pu ll', 'repository::pull']) {
      expect(parseScope(text)).toBeUndefined();
    }
    expect(parseScope(`repository:${'a'.repeat(MAX_SCOPE_LENGTH)}:pull`)).toBeUndefined();
  });

  it('never throws, and what it accepts has a valid shape (any string)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (text) => {
        const scope = parseScope(text);
        if (scope) {
          expect(scope.type).toMatch(/^[a-z]{1,32}$/);
          expect(scope.actions.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseScopes', () => {
  it('splits space-separated scopes and names the first malformed one', () => {
    expect(parseScopes(['repository:a:pull repository:b:push'])).toHaveLength(2);
    expect(() => parseScopes(['repository:a:pull', 'nope'])).toThrow(/malformed scope "nope"/);
  });

  it(`takes at most ${MAX_SCOPES} scopes`, () => {
    const scopes = Array.from({ length: MAX_SCOPES }, (_, i) => `repository:r${i}:pull`);
    expect(parseScopes(scopes)).toHaveLength(MAX_SCOPES);
    expect(() => parseScopes([...scopes, 'repository:x:pull'])).toThrow(`at most ${MAX_SCOPES} scopes`);
  });
});

describe('grant', () => {
  const asked = parseScopes(['repository:lab/busybox:pull,push,delete,*', 'registry:catalog:*', 'repository:lab/x:delete']);

  it('gives the dev user pull and push on repositories, nothing else', () => {
    expect(grant(asked, true)).toEqual([{ type: 'repository', name: 'lab/busybox', actions: ['pull', 'push'] }]);
  });

  it('gives an anonymous request nothing', () => {
    expect(grant(asked, false)).toEqual([]);
  });
});
