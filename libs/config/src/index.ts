export { ConfigError } from './config.errors';
export { loadConfig, setting } from './load-config';
export type { LoadOptions, SettingDef, SettingsDef, SettingsOf } from './load-config';
export { commonSettings, databaseSettings, intIn, logLevel } from './common-settings';
export { engineRetrySettings } from './engine-retry-settings';
export { watchSettings } from './watch-settings';
export { schedulerTimeouts } from './request-timeouts';
export type { SchedulerTimeouts } from './request-timeouts';
