import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliConfigDir, loadCliSettings } from './cli-settings';

describe('CLI settings [real: config files on disk]', () => {
  let base: string;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'cairn-settings-'));
  });

  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('keeps its files in $XDG_CONFIG_HOME/cairn (when absolute), else ~/.config/cairn', () => {
    expect(cliConfigDir('/x/config', '/home/alice')).toBe('/x/config/cairn');
    expect(cliConfigDir('relative/config', '/home/alice')).toBe('/home/alice/.config/cairn');
    expect(cliConfigDir(undefined, '/home/alice')).toBe('/home/alice/.config/cairn');
    expect(cliConfigDir('', '/home/alice')).toBe('/home/alice/.config/cairn');
  });

  it('defaults to the dev cluster, reads <config dir>/config.yaml, and lets the environment win', () => {
    expect(loadCliSettings({ XDG_CONFIG_HOME: base })).toEqual({
      gateway: '127.0.0.1:50051',
      issuer: 'http://127.0.0.1:5556',
      clientId: 'cairn-cli',
      scope: 'openid profile email groups offline_access cairn',
      configDir: join(base, 'cairn'),
    });
    mkdirSync(join(base, 'cairn'));
    writeFileSync(join(base, 'cairn', 'config.yaml'), 'issuer: https://idp.example.edu/realms/campus\ngateway: cairn.example.edu:443\nscope: openid offline_access api://cairn/jobs\n');
    expect(loadCliSettings({ XDG_CONFIG_HOME: base, CAIRN_GATEWAY: 'other:50051', CAIRN_TOKEN: 'abc', CAIRN_TOKEN_FILE: '/t' })).toMatchObject({
      issuer: 'https://idp.example.edu/realms/campus',
      gateway: 'other:50051',
      scope: 'openid offline_access api://cairn/jobs',
      token: 'abc',
      tokenFile: '/t',
    });
    const named = join(base, 'named.yaml');
    writeFileSync(named, 'clientId: cairn-ci\nclientSecretFile: /etc/cairn/ci.secret\n');
    expect(loadCliSettings({ XDG_CONFIG_HOME: base, CAIRN_CONFIG: named })).toMatchObject({ clientId: 'cairn-ci', clientSecretFile: '/etc/cairn/ci.secret' });
  });

  it('refuses a bad setting by name, a token in the config file, and never echoes a token', () => {
    mkdirSync(join(base, 'cairn'));
    expect(() => loadCliSettings({ XDG_CONFIG_HOME: base, CAIRN_ISSUER: 'idp.example.edu' })).toThrow('CAIRN_ISSUER (issuer) is "idp.example.edu": expected an http(s) URL');
    writeFileSync(join(base, 'cairn', 'config.yaml'), 'token: eyJsecret\n');
    let message = '';
    try {
      loadCliSettings({ XDG_CONFIG_HOME: base, CAIRN_TOKEN: 'eyJother' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('unknown setting "token"');
    expect(message).not.toContain('eyJ');
  });
});
