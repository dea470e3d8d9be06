import { SITE_PATTERN } from '@cairn/contracts';

/** 50 GiB: the default catalogue quota of a site (CAIRN_IMAGE_QUOTA_BYTES). */
export const DEFAULT_IMAGE_QUOTA_BYTES = 50 * 1024 ** 3;
/** The largest quota a setting may name (1 PiB). */
export const MAX_IMAGE_QUOTA_BYTES = 1024 ** 5;

/** Parses CAIRN_IMAGE_SITE_QUOTAS (`site=bytes,...`); throws an Error naming the first wrong entry. */
export function parseSiteQuotas(text: string): ReadonlyMap<string, number> {
  const quotas = new Map<string, number>();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const match = /^([^=]*)=\s*([0-9]{1,16})$/.exec(entry);
    const site = match?.[1]?.trim() ?? '';
    const bytes = Number(match?.[2]);
    if (!match || !SITE_PATTERN.test(site) || !Number.isSafeInteger(bytes) || bytes > MAX_IMAGE_QUOTA_BYTES) {
      throw new Error(`entry ${JSON.stringify(entry.slice(0, 80))}: expected site=bytes (a site name, a whole number of bytes up to ${MAX_IMAGE_QUOTA_BYTES})`);
    }
    if (quotas.has(site)) throw new Error(`site ${site} is named twice`);
    quotas.set(site, bytes);
  }
  return quotas;
}

/** The quota of `site`: its own entry, or the default for every site. */
export const quotaOf = (site: string, quotas: ReadonlyMap<string, number>, fallback: number): number => quotas.get(site) ?? fallback;
