import { z } from 'zod';
import { databaseSettings, intIn, setting } from '@cairn/config';
import { parseRegistryAllowList } from './registry-allow-list';
import { DEFAULT_IMAGE_QUOTA_BYTES, MAX_IMAGE_QUOTA_BYTES, parseSiteQuotas } from './site-quotas';

/** A setting parsed by `parse`, whose Error becomes the setting's one clear line. */
const parsed = <T>(parse: (text: string) => T) =>
  z
    .string()
    .default('')
    .transform((text, ctx): T => {
      try {
        return parse(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    });

const commaList = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/** The images service's settings: docs/configuration.md, "images". */
export const imagesSettings = {
  ...databaseSettings,
  registry: setting(
    'CAIRN_REGISTRY',
    z.string().regex(/^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/, 'expected host[:port]').default('docker.io'),
    'registry for image references that name none (docker.io: one-part names get library/)',
  ),
  insecureRegistries: setting('CAIRN_INSECURE_REGISTRIES', commaList, 'registries reached over plain HTTP (comma-separated host:port)'),
  registryAuthFile: setting(
    'CAIRN_REGISTRY_AUTH_FILE',
    z.string().startsWith('/', 'expected an absolute path').optional(),
    'containers-auth.json with the registries\' credentials (a secret file: 0600, never logged)',
  ),
  registryAllow: setting('CAIRN_REGISTRY_ALLOW', parsed(parseRegistryAllowList), 'registries each site may pull from: host[:port] for every site, site=host[:port] for one; empty: any'),
  registryTimeoutMs: setting('CAIRN_REGISTRY_TIMEOUT_MS', intIn(100, 600_000, 10_000), 'how long one registry request may take before UNAVAILABLE'),
  tagTtlSeconds: setting('CAIRN_IMAGE_TAG_TTL_SECONDS', intIn(0, 7 * 24 * 3600, 300), 'how long a tag -> digest resolution is reused without asking the registry'),
  quotaBytes: setting('CAIRN_IMAGE_QUOTA_BYTES', intIn(0, MAX_IMAGE_QUOTA_BYTES, DEFAULT_IMAGE_QUOTA_BYTES), 'bytes of images each site keeps before the least recently used are evicted'),
  siteQuotas: setting('CAIRN_IMAGE_SITE_QUOTAS', parsed(parseSiteQuotas), 'per-site quotas (site=bytes,...), over CAIRN_IMAGE_QUOTA_BYTES'),
};
