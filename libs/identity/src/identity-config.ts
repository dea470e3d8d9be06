import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '@cairn/config';
import { posixUserName, slurmAccountName } from '@cairn/contracts';

/** Signature algorithms a token may use: asymmetric only (never `none`, never HS*). */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'] as const;
export const MAX_CLOCK_SKEW_SECONDS = 300;

/** A claim name as templates and settings name it. */
const claimName = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a claim name: letters, digits, "_", ".", ":" and "-", at most 64');
/** An http(s) URL without credentials or fragment. */
const url = z
  .string()
  .max(512)
  .refine((value) => {
    try {
      const parsed = new URL(value);
      return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && !parsed.username && !parsed.password && !parsed.hash;
    } catch {
      return false;
    }
  }, 'an http(s) URL without user, password or fragment');

export const issuerConfigSchema = z
  .object({
    /** Exactly the `iss` its tokens carry (and its discovery document names). */
    issuer: url,
    /** The audience a token must name (one of them, when a list). */
    audience: z.union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).min(1).max(16)]),
    /** The signature algorithms accepted (asymmetric only). */
    algorithms: z
      .array(z.string())
      .min(1)
      .max(ASYMMETRIC_ALGORITHMS.length)
      .default(['RS256', 'ES256'])
      .superRefine((algorithms, context) => {
        for (const algorithm of algorithms) {
          if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(algorithm)) {
            context.addIssue({ code: 'custom', message: `algorithm "${algorithm}" is not allowed: only ${ASYMMETRIC_ALGORITHMS.join(', ')} (never "none", never HS*)` });
          }
        }
      }),
    /** Leeway for `exp` and `nbf`, in seconds. */
    clockSkewSeconds: z.number().int().min(0).max(MAX_CLOCK_SKEW_SECONDS).default(30),
    /** An unknown `kid` refetches the JWKS at most once per this many seconds. */
    jwksRefetchSeconds: z.number().int().min(1).max(3600).default(30),
    /** Where the discovery document is; default `<issuer>/.well-known/openid-configuration`. */
    discoveryUrl: url.optional(),
  })
  .strict();
export type IssuerConfig = z.output<typeof issuerConfigSchema>;

/** A template: literal text and `{claim}` placeholders. */
const template = z.string().min(1).max(256).regex(/^([^{}]|\{[A-Za-z0-9_.:-]{1,64}\})+$/, 'text with {claim} placeholders (claim names: letters, digits, "_", ".", ":", "-")');

const onlyIssuer = { issuer: url.optional() };

export const mappingRuleSchema = z.discriminatedUnion('rule', [
  z
    .object({
      rule: z.literal('template'),
      ...onlyIssuer,
      /** E.g. "{preferred_username}" or "{eppn}"; the result must be a POSIX user name. */
      template,
      /** Taken off the end of the result, when it ends with it (e.g. "@example.edu" of an eppn); otherwise the rule does not match. */
      stripSuffix: z.string().min(1).max(128).optional(),
      /** A claim holding the person's Slurm accounts (a list, or one space- or comma-separated string). */
      accountsClaim: claimName.optional(),
    })
    .strict(),
  z.object({ rule: z.literal('file'), ...onlyIssuer }).strict(),
  z
    .object({
      rule: z.literal('command'),
      ...onlyIssuer,
      /** Absolute path of the program (run directly, never through a shell). */
      command: z.string().startsWith('/').max(1024),
      /** Its arguments, each one argument: text with {claim} placeholders ({iss} and {sub} included). */
      args: z.array(template).max(32).default(['{iss}', '{sub}']),
      timeoutMs: z.number().int().min(100).max(30_000).default(5_000),
    })
    .strict(),
]);
export type MappingRule = z.output<typeof mappingRuleSchema>;

export const identityConfigSchema = z
  .object({
    issuers: z.array(issuerConfigSchema).min(1).max(16),
    /** The claim shown as the person's name; falls back to email, then sub. */
    nameClaim: claimName.default('preferred_username'),
    /** The claim listing the person's groups. */
    groupsClaim: claimName.default('groups'),
    adminGroup: z.string().min(1).max(256).default('cairn-admins'),
    projectGroupPrefix: z.string().min(1).max(128).default('cairn-project-'),
    /** The mapping file (JSON): identities and the accounts of POSIX users. */
    mappingFile: z.string().startsWith('/').max(1024).optional(),
    /** Tried in order; the first that gives a POSIX user wins. */
    mapping: z.array(mappingRuleSchema).min(1).max(16),
    /** Requests per person: a bucket of `burst` refilled at `perSecond`. */
    rateLimit: z
      .object({ perSecond: z.number().positive().max(100_000).default(50), burst: z.number().int().min(1).max(1_000_000).default(200) })
      .strict()
      .default({ perSecond: 50, burst: 200 }),
  })
  .strict()
  .superRefine((config, context) => {
    const seen = new Set<string>();
    for (const issuer of config.issuers) {
      if (seen.has(issuer.issuer)) context.addIssue({ code: 'custom', message: `issuer ${issuer.issuer} is configured twice` });
      seen.add(issuer.issuer);
    }
    for (const rule of config.mapping) {
      if (rule.issuer !== undefined && !seen.has(rule.issuer)) context.addIssue({ code: 'custom', message: `mapping rule for issuer ${rule.issuer}: no such issuer is configured` });
    }
    const needsFile = config.mapping.some((rule) => rule.rule === 'file' || (rule.rule === 'template' && rule.accountsClaim === undefined));
    if (needsFile && config.mappingFile === undefined) {
      context.addIssue({ code: 'custom', message: 'mappingFile is required by a "file" rule and by a "template" rule without accountsClaim (accounts come from the file)' });
    }
  });
export type IdentityConfig = z.output<typeof identityConfigSchema>;

/** One identity the mapping file maps: by issuer and subject, or by a claim's value. */
const fileIdentitySchema = z.union([
  z.object({ issuer: url, subject: z.string().min(1).max(256), posixUser: posixUserName, accounts: z.array(slurmAccountName).max(64).optional() }).strict(),
  z.object({ claim: claimName, value: z.string().min(1).max(256), issuer: url.optional(), posixUser: posixUserName, accounts: z.array(slurmAccountName).max(64).optional() }).strict(),
]);

export const mappingFileSchema = z
  .object({
    identities: z.array(fileIdentitySchema).max(100_000).default([]),
    /** POSIX user -> the Slurm accounts they may charge (first = default). */
    accounts: z.record(posixUserName, z.array(slurmAccountName).max(64)).default({}),
  })
  .strict();
export type MappingFile = z.output<typeof mappingFileSchema>;

/** Reads and checks a YAML or JSON file against a schema; a ConfigError names the file (after `label`, when given) and every problem. */
export function readConfigFile<T extends z.ZodType>(label: string, file: string, schema: T): z.output<T> {
  const setting = label === '' ? '' : `${label}: `;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${setting}cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${setting}${file} is not valid YAML/JSON: ${(error as Error).message}`);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`).join('; ');
    throw new ConfigError(`${setting}${file} is invalid: ${problems}`);
  }
  return result.data;
}

/** The gateway's identity configuration and the mapping file it names. */
export interface LoadedIdentity {
  config: IdentityConfig;
  mappingFile: MappingFile;
}

/** The gateway's identity configuration, checked; with the mapping file it names, checked too. A ConfigError says what is wrong where. */
export function loadIdentityConfig(file: string): LoadedIdentity {
  const config = readConfigFile('', file, identityConfigSchema);
  const mappingFile = config.mappingFile === undefined ? { identities: [], accounts: {} } : readConfigFile('mappingFile', config.mappingFile, mappingFileSchema);
  return { config, mappingFile };
}
