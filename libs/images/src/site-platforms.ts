import { CairnError, type Platform } from '@cairn/contracts';
import type { SiteAgents } from './site-agents';
import { SingleFlight } from './single-flight';

/** How long a site's platform, as its agent reported it, is reused. */
export const SITE_PLATFORM_TTL_MS = 10 * 60_000;

/** The OCI architecture of a Node `process.arch`. */
export function ociArchitecture(arch: string): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[arch] ?? arch;
}

/**
 * Each site's platform, from its agent's image list (cached 10 minutes; a failed answer is
 * not cached). When the agent does not answer, the platform it reported last is used (a
 * site's platform does not change while its agent restarts), so submissions to a site go
 * on while its agent is down; a site never heard from is UNAVAILABLE naming it. Without a
 * site, the platform of the host the images service runs on.
 */
export class SitePlatforms {
  private readonly known = new Map<string, { platform: Platform; at: number }>();
  private readonly asking = new SingleFlight<Platform>();

  constructor(
    private readonly agents: Pick<SiteAgents, 'list'>,
    private readonly now: () => number = Date.now,
    private readonly hostPlatform: Platform = { os: 'linux', architecture: ociArchitecture(process.arch) },
  ) {}

  async of(site: string | undefined): Promise<Platform> {
    if (site === undefined) return this.hostPlatform;
    const known = this.known.get(site);
    if (known && this.now() - known.at < SITE_PLATFORM_TTL_MS) return known.platform;
    return this.asking.run(site, async () => {
      try {
        const { platform } = await this.agents.list(site);
        this.remember(site, platform);
        return platform;
      } catch (error) {
        if (known && error instanceof CairnError && error.code === 'UNAVAILABLE') return known.platform;
        throw error;
      }
    });
  }

  /** Records what an agent just reported (an image list asked for another reason). */
  remember(site: string, platform: Platform): void {
    this.known.set(site, { platform, at: this.now() });
  }
}
