/** skopeo's source for a pinned reference, with TLS checks off only for listed registries. */
export function skopeoSource(pinned: string, insecureRegistries: readonly string[]): { ref: string; flags: string[] } {
  if (!/^[^\s@]+@sha256:[a-f0-9]{64}$/.test(pinned)) throw new Error(`not a pinned image reference: ${pinned}`);
  const host = pinned.split('/')[0] ?? '';
  const flags = insecureRegistries.includes(host) ? ['--src-tls-verify=false'] : [];
  return { ref: `docker://${pinned}`, flags };
}

/** How the agent reaches registries (CAIRN_INSECURE_REGISTRIES, CAIRN_REGISTRY_AUTH_FILE). */
export interface RegistryAccess {
  /** Registries reached over plain HTTP (dev clusters); TLS is checked for every other. */
  insecureRegistries: readonly string[];
  /** A containers-auth.json given to skopeo as --src-authfile (never read or logged here). */
  authFile?: string;
}

/** `skopeo copy --preserve-digests [--src-authfile f] [--src-tls-verify=false] docker://pinned oci:<layout>:img`. */
export function skopeoCopyArgv(pinned: string, layoutDir: string, access: RegistryAccess): string[] {
  const source = skopeoSource(pinned, access.insecureRegistries);
  const auth = access.authFile ? [`--src-authfile=${access.authFile}`] : [];
  return ['copy', '--preserve-digests', '--quiet', ...auth, ...source.flags, source.ref, `oci:${layoutDir}:${LAYOUT_TAG}`];
}

/** `skopeo inspect --raw`: the manifest itself (for the bytes to pull), as `skopeo copy` would fetch it. */
export function skopeoInspectArgv(pinned: string, access: RegistryAccess): string[] {
  const source = skopeoSource(pinned, access.insecureRegistries);
  const auth = access.authFile ? [`--authfile=${access.authFile}`] : [];
  const tls = source.flags.length > 0 ? ['--tls-verify=false'] : [];
  return ['inspect', '--raw', ...auth, ...tls, source.ref];
}

/** The tag the pulled image gets in its temporary OCI layout. */
export const LAYOUT_TAG = 'img';
