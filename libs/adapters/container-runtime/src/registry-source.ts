/** skopeo's source for a pinned reference, with TLS checks off only for listed registries. */
export function skopeoSource(pinned: string, insecureRegistries: readonly string[]): { ref: string; flags: string[] } {
  if (!/^[^\s@]+@sha256:[a-f0-9]{64}$/.test(pinned)) throw new Error(`not a pinned image reference: ${pinned}`);
  const host = pinned.split('/')[0] ?? '';
  const flags = insecureRegistries.includes(host) ? ['--src-tls-verify=false'] : [];
  return { ref: `docker://${pinned}`, flags };
}
