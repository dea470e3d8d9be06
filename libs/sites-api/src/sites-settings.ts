import { z } from 'zod';
import { setting } from '@cairn/config';
import { SITE_PATTERN } from '@cairn/contracts';

/** How long ListSites waits for each site's agent, in ms (all sites are asked at once). */
export const SITE_STATUS_TIMEOUT_MS = 3000;
/** Most sites the gateway lists (each is one NATS request per ListSites). */
export const MAX_SITES = 32;
/**
 * Most bytes one site takes in ListSitesResponse (its protobuf encoding): MAX_SITES of them
 * stay well inside the gateway's 2 MiB message limit. A bigger status is that site's error.
 */
export const MAX_SITE_STATUS_BYTES = 48 * 1024;

/** The gateway's sites settings: docs/configuration.md, "gateway". */
export const sitesSettings = {
  sites: setting(
    'CAIRN_SITES',
    z
      .string()
      .optional()
      .transform((s) => (s === undefined || s.trim() === '' ? [] : s.split(',').map((x) => x.trim())))
      .refine((sites) => sites.every((x) => SITE_PATTERN.test(x)), 'expected comma-separated site names')
      .refine((sites) => new Set(sites).size <= MAX_SITES, `expected at most ${MAX_SITES} sites`),
    'the sites SiteService.ListSites reports (with the default site)',
  ),
};

/** The sites to list: the configured ones and the default site, each once, sorted by name. */
export function sitesToList(configured: readonly string[], defaultSite: string): string[] {
  return [...new Set([...configured, defaultSite])].sort();
}
