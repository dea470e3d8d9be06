import { z } from 'zod';
import { ConfigError, setting } from '@cairn/config';
import { loadIdentityConfig } from './identity-config';

/**
 * The gateway's identity setting: docs/configuration.md, "identity". The file is read and
 * checked with the other settings, so a gateway with a missing or wrong one refuses to
 * start (exit 2) before it connects to anything.
 */
export const identitySettings = {
  identityConfig: setting(
    'CAIRN_IDENTITY_CONFIG',
    z
      .string({ error: 'required: the gateway authenticates every call and will not start without it' })
      .startsWith('/', 'an absolute path')
      .transform((file, context) => {
        try {
          return loadIdentityConfig(file);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          context.addIssue({ code: 'custom', message: error.message });
          return z.NEVER;
        }
      }),
    'the identity configuration file (issuers, mapping rules, roles, rate limit; docs/identity.md)',
  ),
};
