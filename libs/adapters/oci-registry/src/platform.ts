import type { Platform } from '@cairn/contracts';

/** "linux/arm64/v8". */
export function platformText(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** The host's platform as OCI names it (linux/amd64, linux/arm64, ...). */
export function hostPlatform(): Platform {
  const architectures: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { os: process.platform === 'win32' ? 'windows' : process.platform, architecture: architectures[process.arch] ?? process.arch };
}

/**
 * The variant as the OCI image index compares it: arm64 without a variant is v8 and arm
 * without one is v7 (what containerd assumes); amd64 v1 is plain amd64.
 */
function normalVariant(architecture: string, variant: string | undefined): string {
  if (architecture === 'arm64') return variant || 'v8';
  if (architecture === 'arm') return variant || 'v7';
  if (architecture === 'amd64') return variant === 'v1' ? '' : (variant ?? '');
  return variant ?? '';
}

/** Whether an index entry's platform runs on `wanted` (same os and architecture, matching variant). */
export function platformMatches(entry: Platform, wanted: Platform): boolean {
  return (
    entry.os === wanted.os &&
    entry.architecture === wanted.architecture &&
    normalVariant(entry.architecture, entry.variant) === normalVariant(wanted.architecture, wanted.variant)
  );
}

/** The first entry whose platform matches `wanted`, or undefined. */
export function selectPlatform<T extends { platform?: Platform }>(entries: readonly T[], wanted: Platform): T | undefined {
  return entries.find((entry) => entry.platform !== undefined && platformMatches(entry.platform, wanted));
}
