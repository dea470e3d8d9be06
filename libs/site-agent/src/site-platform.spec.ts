import fc from 'fast-check';
import { CairnError } from '@cairn/contracts';
import { checkClearRefusal } from '@cairn/testing';
import { parsePlatform, sitePlatform } from './site-platform';

describe('sitePlatform', () => {
  it("is the host's: x64 → linux/amd64, arm64 → linux/arm64 variant v8", () => {
    expect(sitePlatform(undefined, 'x64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(sitePlatform(undefined, 'arm64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
  });

  it('is CAIRN_SITE_PLATFORM when set (os/arch[/variant])', () => {
    expect(sitePlatform('linux/arm64/v8', 'x64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(sitePlatform('linux/ppc64le', 'x64')).toEqual({ os: 'linux', architecture: 'ppc64le' });
  });

  it('refuses a host architecture it has no OCI name for, naming the setting', () => {
    expect(() => sitePlatform(undefined, 'mips')).toThrow(/set CAIRN_SITE_PLATFORM/);
  });

  it.each(['linux', 'linux/', '/amd64', 'Linux/amd64', 'linux/amd64/v8/x', 'linux/amd 64', 'linux/../etc'])('refuses %j clearly', (text) => {
    expect(() => parsePlatform(text)).toThrow(CairnError);
  });

  it('refuses any other text with a short INVALID_ARGUMENT without control characters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => checkClearRefusal(() => parsePlatform(text), 300)),
      { numRuns: 500 },
    );
  });
});
