import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@cairn/config';
import { identityConfigSchema, loadIdentityConfig, MAX_CLOCK_SKEW_SECONDS } from './identity-config';
import { identitySettings } from './identity-settings';

const issuer = { issuer: 'https://idp.example.edu/realms/campus', audience: 'cairn' };
const minimal = { issuers: [issuer], mapping: [{ rule: 'template', template: '{preferred_username}', accountsClaim: 'accounts' }] };
const problems = (config: unknown) => {
  const result = identityConfigSchema.safeParse(config);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
};

describe('identity configuration', () => {
  it('fills the documented defaults', () => {
    expect(identityConfigSchema.parse(minimal)).toEqual({
      issuers: [{ ...issuer, algorithms: ['RS256', 'ES256'], clockSkewSeconds: 30, jwksRefetchSeconds: 30 }],
      mapping: minimal.mapping,
      nameClaim: 'preferred_username',
      groupsClaim: 'groups',
      adminGroup: 'cairn-admins',
      projectGroupPrefix: 'cairn-project-',
      rateLimit: { perSecond: 50, burst: 200 },
    });
  });

  it('refuses "none", HS* and anything not asymmetric, naming it', () => {
    for (const algorithm of ['none', 'HS256', 'HS384', 'HS512', 'RSA-OAEP', 'dir', 'rs256']) {
      expect(problems({ ...minimal, issuers: [{ ...issuer, algorithms: ['RS256', algorithm] }] }).join()).toContain(`algorithm "${algorithm}" is not allowed`);
    }
    for (const algorithm of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA']) {
      expect(problems({ ...minimal, issuers: [{ ...issuer, algorithms: [algorithm] }] })).toEqual([]);
    }
  });

  it('bounds the clock skew (at most 300 s) and checks issuers, rules and their references', () => {
    expect(problems({ ...minimal, issuers: [{ ...issuer, clockSkewSeconds: MAX_CLOCK_SKEW_SECONDS }] })).toEqual([]);
    expect(problems({ ...minimal, issuers: [{ ...issuer, clockSkewSeconds: MAX_CLOCK_SKEW_SECONDS + 1 }] })).not.toEqual([]);
    expect(problems({ ...minimal, issuers: [] })).not.toEqual([]);
    expect(problems({ ...minimal, issuers: [issuer, issuer] }).join()).toContain('configured twice');
    expect(problems({ ...minimal, issuers: [{ ...issuer, issuer: 'ftp://idp' }] })).not.toEqual([]);
    expect(problems({ ...minimal, issuers: [{ ...issuer, issuer: 'https://user:pw@idp' }] })).not.toEqual([]);
    expect(problems({ ...minimal, mapping: [{ rule: 'file' }] }).join()).toContain('mappingFile is required');
    expect(problems({ ...minimal, mapping: [{ rule: 'template', template: '{preferred_username}' }] }).join()).toContain('mappingFile is required');
    expect(problems({ ...minimal, mapping: [{ rule: 'template', template: '{a b}', accountsClaim: 'x' }] })).not.toEqual([]);
    expect(problems({ ...minimal, mapping: [{ rule: 'command', command: 'relative/cmd' }] })).not.toEqual([]);
    expect(problems({ ...minimal, mapping: [{ ...minimal.mapping[0], issuer: 'https://unknown.example' }] }).join()).toContain('no such issuer');
    expect(problems({ ...minimal, unknownField: 1 })).not.toEqual([]);
  });

  it('the setting CAIRN_IDENTITY_CONFIG is required, and its file is read and checked with the settings (one ConfigError naming both)', () => {
    expect(() => loadConfig(identitySettings, { env: {} })).toThrow(/CAIRN_IDENTITY_CONFIG \(identityConfig\) is unset: required: the gateway authenticates every call/);
    expect(() => loadConfig(identitySettings, { env: { CAIRN_IDENTITY_CONFIG: 'relative.yaml' } })).toThrow(/an absolute path/);
    expect(() => loadConfig(identitySettings, { env: { CAIRN_IDENTITY_CONFIG: '/nonexistent/identity.yaml' } })).toThrow(
      /CAIRN_IDENTITY_CONFIG \(identityConfig\) is "\/nonexistent\/identity\.yaml": cannot read \/nonexistent\/identity\.yaml/,
    );
  });

  it('loadIdentityConfig: a clear ConfigError naming the file for a missing, unreadable or invalid file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-identity-'));
    expect(() => loadIdentityConfig(join(dir, 'missing.yaml'))).toThrow(ConfigError);
    expect(() => loadIdentityConfig(join(dir, 'missing.yaml'))).toThrow(/^cannot read .*missing\.yaml/);
    writeFileSync(join(dir, 'bad.yaml'), 'issuers: [');
    expect(() => loadIdentityConfig(join(dir, 'bad.yaml'))).toThrow(/not valid YAML/);
    writeFileSync(join(dir, 'hs.yaml'), JSON.stringify({ ...minimal, issuers: [{ ...issuer, algorithms: ['HS256'] }] }));
    expect(() => loadIdentityConfig(join(dir, 'hs.yaml'))).toThrow(/hs\.yaml is invalid: issuers\.0\.algorithms: algorithm "HS256" is not allowed/);
    writeFileSync(join(dir, 'map.json'), JSON.stringify({ identities: [{ issuer: issuer.issuer, subject: 's', posixUser: 'root;id' }] }));
    writeFileSync(join(dir, 'with-file.yaml'), JSON.stringify({ ...minimal, mappingFile: join(dir, 'map.json') }));
    expect(() => loadIdentityConfig(join(dir, 'with-file.yaml'))).toThrow(/^mappingFile: .*map\.json is invalid: identities\.0/);
    writeFileSync(join(dir, 'map.json'), JSON.stringify({ accounts: { alice: ['alice-lab'] } }));
    expect(loadIdentityConfig(join(dir, 'with-file.yaml')).mappingFile).toEqual({ identities: [], accounts: { alice: ['alice-lab'] } });
  });
});
