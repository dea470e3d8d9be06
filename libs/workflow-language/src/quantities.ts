import { excerpt } from '@cairn/contracts';

/**
 * Durations and memory sizes as people write them, in workflow files and on the CLI's command
 * line: one reading of each, so `--time 15m` and `time: 15m` always mean the same.
 */

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };
const MEMORY_UNITS: Record<string, number> = { '': 1, M: 1, G: 1024, T: 1024 * 1024 };

/** "90", "90s", "15m", "2h", "1d" or "1:30:00" as seconds; undefined for anything else. */
export function durationSeconds(text: string): number | undefined {
  const unit = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (unit) return Number(unit[1]) * (DURATION_UNITS[unit[2] ?? ''] ?? 1);
  const clock = /^(?:(\d+):)?(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (clock) return Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
  return undefined;
}

/** "512" (MiB), "512M", "4G", "2GiB" or "1T" (any case) as MiB; undefined for anything else. */
export function memoryMiB(text: string): number | undefined {
  const match = /^(\d+)\s*(?:([MGT])i?B?)?$/i.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (MEMORY_UNITS[(match[2] ?? '').toUpperCase()] ?? 1);
}

/** The refusal of a text that is not a duration: the text quoted as a bounded excerpt. */
export const notADuration = (text: string): string => `${excerpt(text)} is not a duration (try 90s, 15m, 2h, 1d or 1:30:00)`;

/** The refusal of a text that is not a memory size. */
export const notAMemorySize = (text: string): string => `${excerpt(text)} is not a memory size (try 512M, 4G or 1T)`;
