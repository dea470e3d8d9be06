import { platformMatches, platformText, selectPlatform } from './platform';

const entry = (os: string, architecture: string, variant?: string) => ({ digest: `${os}/${architecture}/${variant ?? ''}`, platform: { os, architecture, ...(variant ? { variant } : {}) } });

describe('platform selection in an image index', () => {
  const index: { digest: string; platform?: { os: string; architecture: string; variant?: string } }[] = [
    entry('linux', 'amd64'),
    entry('linux', 'arm', 'v6'),
    entry('linux', 'arm', 'v7'),
    entry('linux', 'arm64', 'v8'),
    entry('windows', 'amd64'),
    { digest: 'attestation', platform: { os: 'unknown', architecture: 'unknown' } },
    { digest: 'no platform' },
  ];

  it.each([
    [{ os: 'linux', architecture: 'amd64' }, 'linux/amd64/'],
    [{ os: 'linux', architecture: 'amd64', variant: 'v1' }, 'linux/amd64/'],
    [{ os: 'linux', architecture: 'arm64' }, 'linux/arm64/v8'],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    [{ os: 'linux', architecture: 'arm' }, 'linux/arm/v7'],
    [{ os: 'linux', architecture: 'arm', variant: 'v6' }, 'linux/arm/v6'],
    [{ os: 'windows', architecture: 'amd64' }, 'windows/amd64/'],
  ])('%j → %s', (wanted, digest) => expect(selectPlatform(index, wanted)?.digest).toBe(digest));

  it('matches arm64 without a variant to an entry with v8, and v8 to an entry without one', () => {
    expect(selectPlatform([entry('linux', 'arm64')], { os: 'linux', architecture: 'arm64', variant: 'v8' })?.digest).toBe('linux/arm64/');
    expect(platformMatches({ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'arm64' })).toBe(true);
  });

  it('finds nothing for a platform the index lacks (os, architecture or variant)', () => {
    expect(selectPlatform(index, { os: 'linux', architecture: 'ppc64le' })).toBeUndefined();
    expect(selectPlatform(index, { os: 'darwin', architecture: 'amd64' })).toBeUndefined();
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm64', variant: 'v9' })).toBeUndefined();
    expect(selectPlatform(index, { os: 'linux', architecture: 'amd64', variant: 'v3' })).toBeUndefined();
  });

  it('writes a platform as os/architecture[/variant]', () => {
    expect(platformText({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64/v8');
    expect(platformText({ os: 'linux', architecture: 'amd64' })).toBe('linux/amd64');
  });
});
