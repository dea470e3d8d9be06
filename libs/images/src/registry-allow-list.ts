import { SITE_PATTERN } from '@cairn/contracts';

/** A registry as an allow-list names it: host[:port], compared in lower case. */
const REGISTRY_ENTRY = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?$/;
/** Most entries CAIRN_REGISTRY_ALLOW may hold. */
export const MAX_ALLOW_ENTRIES = 256;

/**
 * Which registries each site may pull from (CAIRN_REGISTRY_ALLOW, docs/configuration.md):
 * `host[:port]` entries hold for every site, `site=host[:port]` for one. A site may use the
 * entries for every site and its own. An empty list allows any registry.
 */
export interface RegistryAllowList {
  /** No entry at all: any registry. */
  readonly any: boolean;
  readonly everySite: ReadonlySet<string>;
  readonly perSite: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Parses CAIRN_REGISTRY_ALLOW; throws an Error naming the first wrong entry. */
export function parseRegistryAllowList(text: string): RegistryAllowList {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length > MAX_ALLOW_ENTRIES) throw new Error(`more than ${MAX_ALLOW_ENTRIES} entries`);
  const everySite = new Set<string>();
  const perSite = new Map<string, Set<string>>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const site = eq >= 0 ? entry.slice(0, eq).trim() : undefined;
    const registry = (eq >= 0 ? entry.slice(eq + 1) : entry).trim().toLowerCase();
    if (site !== undefined && !SITE_PATTERN.test(site)) throw new Error(`entry ${JSON.stringify(entry.slice(0, 80))}: ${JSON.stringify(site.slice(0, 40))} is not a site name`);
    if (!REGISTRY_ENTRY.test(registry) || !validPort(registry)) throw new Error(`entry ${JSON.stringify(entry.slice(0, 80))}: expected host[:port] or site=host[:port]`);
    if (site === undefined) everySite.add(registry);
    else perSite.set(site, (perSite.get(site) ?? new Set<string>()).add(registry));
  }
  return { any: entries.length === 0, everySite, perSite };
}

function validPort(registry: string): boolean {
  const colon = registry.indexOf(':');
  if (colon < 0) return true;
  const port = Number(registry.slice(colon + 1));
  return port >= 1 && port <= 65_535;
}

/**
 * Whether `site` may use `registry`. Without a site (a resolution for no site in
 * particular), only the entries for every site count.
 */
export function registryAllowed(list: RegistryAllowList, registry: string, site: string | undefined): boolean {
  if (list.any) return true;
  const host = registry.toLowerCase();
  if (list.everySite.has(host)) return true;
  return site !== undefined && (list.perSite.get(site)?.has(host) ?? false);
}

/** The registries `site` may use, for an error message. */
export function allowedRegistries(list: RegistryAllowList, site: string | undefined): string[] {
  return [...new Set([...list.everySite, ...(site === undefined ? [] : [...(list.perSite.get(site) ?? [])])])].sort();
}
