import { CairnError, type Platform, platformSchema } from '@cairn/contracts';

/** Node's process.arch → the OCI platform's architecture (and variant). */
const ARCHITECTURES: Record<string, Omit<Platform, 'os'>> = {
  x64: { architecture: 'amd64' },
  arm64: { architecture: 'arm64', variant: 'v8' },
  arm: { architecture: 'arm', variant: 'v7' },
  ppc64: { architecture: 'ppc64le' },
  s390x: { architecture: 's390x' },
  riscv64: { architecture: 'riscv64' },
};

/** `os/arch[/variant]` (CAIRN_SITE_PLATFORM), e.g. `linux/arm64/v8`. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, ...rest] = text.split('/');
  const parsed = platformSchema.safeParse({ os, architecture, ...(variant !== undefined ? { variant } : {}) });
  if (rest.length > 0 || !parsed.success) {
    throw new CairnError('INVALID_ARGUMENT', `expected os/architecture[/variant] in lower-case letters and digits (e.g. linux/amd64 or linux/arm64/v8), got ${JSON.stringify(text.slice(0, 100))}`);
  }
  return parsed.data;
}

/** The platform images are resolved for at this site: the setting, else the host's (Linux). */
export function sitePlatform(setting: string | undefined, arch: string = process.arch): Platform {
  if (setting) return parsePlatform(setting);
  const known = ARCHITECTURES[arch];
  if (!known) throw new CairnError('FAILED_PRECONDITION', `the host's architecture ${arch} has no OCI name here: set CAIRN_SITE_PLATFORM (os/architecture[/variant])`);
  return { os: 'linux', ...known };
}
