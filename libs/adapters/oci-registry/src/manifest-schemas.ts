import { z } from 'zod';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/** What a manifest GET accepts: image indexes and manifests, OCI and Docker. */
export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.dockerManifest].join(', ');
export const INDEX_TYPES: readonly string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList];
export const MANIFEST_TYPES: readonly string[] = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest];
export const CONFIG_TYPES: readonly string[] = [MEDIA_TYPES.ociConfig, MEDIA_TYPES.dockerConfig];

const SHA256 = /^sha256:[a-f0-9]{64}$/;
const name = z.string().max(64);
export const platformField = z.object({ os: name, architecture: name, variant: name.optional() });

export const descriptorSchema = z.object({
  mediaType: z.string().max(255),
  digest: z.string().regex(SHA256, 'must be sha256:<64 hex>'),
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  platform: platformField.optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

export const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().max(255).optional(),
  manifests: z.array(descriptorSchema).max(4096),
});
export const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().max(255).optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema).max(4096),
});
export const configSchema = z.object({ os: name.optional(), architecture: name.optional(), variant: name.optional() });

/** The token endpoint's answer (distribution's token spec). */
export const tokenSchema = z.object({
  token: z.string().min(1).max(16384).optional(),
  access_token: z.string().min(1).max(16384).optional(),
  expires_in: z.number().positive().optional(),
});
