import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config.errors';
import { intIn, commonSettings } from './common-settings';
import { loadConfig, setting } from './load-config';

const defs = {
  ...commonSettings,
  pollMs: setting('CAIRN_POLL_INTERVAL_MS', intIn(100, 60_000, 1000), 'poll interval'),
  site: setting('CAIRN_SITE', z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a site name'), 'site'),
};

describe('loadConfig', () => {
  it('applies defaults and coerces numbers from the environment', () => {
    const config = loadConfig(defs, { env: { CAIRN_SITE: 'alpha', CAIRN_POLL_INTERVAL_MS: '250' } });
    expect(config).toMatchObject({ site: 'alpha', pollMs: 250, natsUrl: 'nats://127.0.0.1:4222', logLevel: 'info' });
  });

  it('names every bad setting and its variable in one error', () => {
    const attempt = () => loadConfig(defs, { env: { CAIRN_SITE: 'Bad Site', CAIRN_NATS_URL: 'http://x' } });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/CAIRN_SITE \(site\) is "Bad Site": expected a site name/);
    expect(attempt).toThrow(/CAIRN_NATS_URL \(natsUrl\) is "http:\/\/x"/);
  });

  it('reports a missing required setting as unset', () => {
    expect(() => loadConfig(defs, { env: {} })).toThrow(/CAIRN_SITE \(site\) is unset/);
  });

  it('reads a YAML file and lets the environment win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, 'site: beta\npollMs: 500\n');
    const config = loadConfig(defs, { env: { CAIRN_CONFIG: file, CAIRN_POLL_INTERVAL_MS: '700' } });
    expect(config.site).toBe('beta');
    expect(config.pollMs).toBe(700);
  });

  it('rejects unknown keys in the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, 'site: beta\nsiet: typo\n');
    expect(() => loadConfig(defs, { env: { CAIRN_CONFIG: file } })).toThrow(/unknown setting "siet"/);
  });
});
