export { type CliStream, runCli } from './cli';
export { parseDuration, parseMemory } from './parse-options';
export { timeline, formatDuration, table } from './render';
