import type { JWTPayload } from 'jose';

/** The string value of a claim (`{iss}` and `{sub}` included), or undefined when it is absent or not a string. */
export function claimText(claims: JWTPayload, name: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(claims, name)) return undefined;
  const value = claims[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Fills `{claim}` placeholders with the claims' string values; undefined when a named
 * claim is absent or not a string (the template then does not apply). The values are
 * data: the result is used as a name or as one argument, never parsed again.
 */
export function renderTemplate(template: string, claims: JWTPayload): string | undefined {
  let missing = false;
  const text = template.replace(/\{([A-Za-z0-9_.:-]{1,64})\}/g, (_whole, name: string) => {
    const value = claimText(claims, name);
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing ? undefined : text;
}

/** A claim holding a list of names: an array of strings, or one string separated by spaces or commas. */
export function claimList(claims: JWTPayload, name: string): string[] {
  if (!Object.prototype.hasOwnProperty.call(claims, name)) return [];
  const value = claims[name];
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((item) => item !== '');
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}
