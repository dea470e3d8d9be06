import { CairnError } from '@cairn/contracts';
import { AMD64, ARM64, catalogueOf } from './images-spec-kit';
import { ociArchitecture, SITE_PLATFORM_TTL_MS, SitePlatforms } from './site-platforms';

describe('SitePlatforms', () => {
  it('asks the agent once per 10 minutes; a failure is not cached; no site means the host\'s platform', async () => {
    let now = 0;
    let answer: 'amd' | 'arm' | 'down' = 'amd';
    const asked: string[] = [];
    const platforms = new SitePlatforms(
      {
        list: async (site) => {
          asked.push(site);
          if (answer === 'down') throw new CairnError('UNAVAILABLE', `the agent of site ${site} did not list its images`);
          return catalogueOf([], answer === 'amd' ? AMD64 : ARM64);
        },
      },
      () => now,
      { os: 'linux', architecture: 'riscv64' },
    );
    answer = 'down';
    await expect(platforms.of('dev')).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'the agent of site dev did not list its images' });
    answer = 'amd';
    expect(await Promise.all([platforms.of('dev'), platforms.of('dev')])).toEqual([AMD64, AMD64]);
    answer = 'arm';
    now += SITE_PLATFORM_TTL_MS - 1;
    expect(await platforms.of('dev')).toEqual(AMD64);
    now += 1;
    expect(await platforms.of('dev')).toEqual(ARM64);
    expect(asked).toEqual(['dev', 'dev', 'dev']);
    expect(await platforms.of(undefined)).toEqual({ os: 'linux', architecture: 'riscv64' });
  });

  it('uses the platform the agent reported last while it does not answer; other refusals pass through', async () => {
    let now = 0;
    let answer: 'amd' | 'down' | 'refused' = 'amd';
    const platforms = new SitePlatforms(
      {
        list: async (site) => {
          if (answer === 'down') throw new CairnError('UNAVAILABLE', `the agent of site ${site} did not list its images`);
          if (answer === 'refused') throw new CairnError('INTERNAL', 'the catalogue could not be read');
          return catalogueOf([], AMD64);
        },
      },
      () => now,
    );
    expect(await platforms.of('dev')).toEqual(AMD64);
    answer = 'down';
    now += SITE_PLATFORM_TTL_MS * 5;
    expect(await platforms.of('dev')).toEqual(AMD64);
    await expect(platforms.of('other')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    answer = 'refused';
    await expect(platforms.of('dev')).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('maps Node architectures to OCI ones', () => {
    expect(['x64', 'arm64', 'ppc64', 'mips'].map(ociArchitecture)).toEqual(['amd64', 'arm64', 'ppc64le', 'mips']);
  });
});
