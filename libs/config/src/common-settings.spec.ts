import { ConfigError } from './config.errors';
import { commonSettings } from './common-settings';
import { loadConfig } from './load-config';

describe('commonSettings: CAIRN_NATS_MAX_CONCURRENT_REQUESTS', () => {
  const load = (value?: string) => loadConfig(commonSettings, { env: { CAIRN_NATS_MAX_CONCURRENT_REQUESTS: value } });

  it('defaults to 64 and takes every whole number from 1 to 100000', () => {
    expect(load().natsMaxConcurrentRequests).toBe(64);
    expect(load('1').natsMaxConcurrentRequests).toBe(1);
    expect(load('100000').natsMaxConcurrentRequests).toBe(100_000);
  });

  it.each(['0', '-1', '100001', '2.5', 'many'])('refuses %j with one line naming the setting', (value) => {
    expect(() => load(value)).toThrow(ConfigError);
    expect(() => load(value)).toThrow(/CAIRN_NATS_MAX_CONCURRENT_REQUESTS \(natsMaxConcurrentRequests\) is /);
  });
});
