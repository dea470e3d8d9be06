import fc from 'fast-check';
import { allowedRegistries, MAX_ALLOW_ENTRIES, parseRegistryAllowList, registryAllowed } from './registry-allow-list';
import { MAX_IMAGE_QUOTA_BYTES, parseSiteQuotas, quotaOf } from './site-quotas';

describe('CAIRN_REGISTRY_ALLOW', () => {
  it('empty allows any registry at any site', () => {
    for (const text of ['', ' ', ' , ,']) expect(registryAllowed(parseRegistryAllowList(text), 'anything.example:1', 'dev')).toBe(true);
  });

  it('host[:port] holds for every site, site=host[:port] for one; host names compare in lower case', () => {
    const list = parseRegistryAllowList(' docker.io , hpc1=127.0.0.1:5001, hpc1 = GHCR.io ,hpc2=127.0.0.1:5002');
    expect(registryAllowed(list, 'docker.io', 'dev')).toBe(true);
    expect(registryAllowed(list, 'DOCKER.IO', undefined)).toBe(true);
    expect(registryAllowed(list, '127.0.0.1:5001', 'hpc1')).toBe(true);
    expect(registryAllowed(list, 'ghcr.io', 'hpc1')).toBe(true);
    expect(registryAllowed(list, '127.0.0.1:5001', 'hpc2')).toBe(false);
    expect(registryAllowed(list, '127.0.0.1:5001', undefined)).toBe(false);
    expect(registryAllowed(list, '127.0.0.1:5000', 'hpc1')).toBe(false);
    expect(allowedRegistries(list, 'hpc1')).toEqual(['127.0.0.1:5001', 'docker.io', 'ghcr.io']);
    expect(allowedRegistries(list, undefined)).toEqual(['docker.io']);
  });

  it('a port must be 1..65535 and a host a host name, no scheme, path or user', () => {
    for (const bad of ['127.0.0.1:0', 'host:65536', 'https://ghcr.io', 'ghcr.io/org', 'user@ghcr.io', '-lead.io', 'a..b:', 'dev=', '=ghcr.io', 'Dev=ghcr.io', 'dev=ghcr.io=x']) {
      expect(() => parseRegistryAllowList(bad)).toThrow(/^entry ".*": /);
    }
  });

  it(`takes at most ${MAX_ALLOW_ENTRIES} entries`, () => {
    const entries = (n: number) => Array.from({ length: n }, (_, i) => `r${i}.example`).join(',');
    expect(parseRegistryAllowList(entries(MAX_ALLOW_ENTRIES)).everySite.size).toBe(MAX_ALLOW_ENTRIES);
    expect(() => parseRegistryAllowList(entries(MAX_ALLOW_ENTRIES + 1))).toThrow(`more than ${MAX_ALLOW_ENTRIES} entries`);
  });

  it('hostile text either parses into entries it names or is refused with a short message; never allows what it does not list', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: fc.constantFrom('a', 'Z', '0', '.', ':', '=', ',', ' ', '/', '@', '\n', '\u0000', '\u202e', 'é', '-') }), fc.stringMatching(/^[a-z0-9.]{1,20}(:[0-9]{1,5})?$/), (text, registry) => {
        let list;
        try {
          list = parseRegistryAllowList(text);
        } catch (error) {
          expect((error as Error).message.length).toBeLessThan(300);
          return;
        }
        if (list.any) return;
        const listed = text.toLowerCase().split(',').some((entry) => entry.trim() === registry || entry.trim().endsWith(`=${registry}`));
        if (registryAllowed(list, registry, 'dev')) expect(listed).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('CAIRN_IMAGE_SITE_QUOTAS', () => {
  it('site=bytes entries over the default', () => {
    const quotas = parseSiteQuotas(' hpc1=1000, hpc2 = 0 ');
    expect([quotaOf('hpc1', quotas, 5), quotaOf('hpc2', quotas, 5), quotaOf('dev', quotas, 5)]).toEqual([1000, 0, 5]);
    expect(parseSiteQuotas(`dev=${MAX_IMAGE_QUOTA_BYTES}`).get('dev')).toBe(MAX_IMAGE_QUOTA_BYTES);
  });

  it('refuses anything else naming the entry', () => {
    for (const bad of ['dev', 'dev=', 'dev=-1', 'dev=1.5', 'dev=1e9', `dev=${MAX_IMAGE_QUOTA_BYTES + 1}`, 'Dev=1', 'dev=1,dev=2', '=5', 'dev=99999999999999999']) {
      expect(() => parseSiteQuotas(bad)).toThrow(/entry|named twice/);
    }
  });

  it('hostile text parses or is refused, never a negative or unsafe quota', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: fc.constantFrom('d', 'e', 'v', '=', ',', '1', '9', '-', ' ', '.', 'e', '\u0000') }), (text) => {
        try {
          for (const bytes of parseSiteQuotas(text).values()) expect(Number.isSafeInteger(bytes) && bytes >= 0 && bytes <= MAX_IMAGE_QUOTA_BYTES).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 500 },
    );
  });
});
