import { z } from 'zod';

/** C0 control characters (tab allowed) and DEL: never allowed in any user string. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F]/;
const CONTROL_NAMES: Record<string, string> = { '\n': 'a newline', '\r': 'a carriage return', '\u0000': 'a NUL byte' };

export function describeControl(value: string): string | undefined {
  const match = CONTROL.exec(value);
  if (!match) return undefined;
  const ch = match[0];
  return CONTROL_NAMES[ch] ?? `control character U+${ch.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
}

/** A free text value (argument, env value): any printable text, bounded in bytes. */
export const safeText = (maxBytes: number) =>
  z.string().superRefine((value, ctx) => {
    const control = describeControl(value);
    if (control) ctx.addIssue({ code: 'custom', message: `contains ${control}; control characters are not allowed` });
    if (Buffer.byteLength(value) > maxBytes) {
      ctx.addIssue({ code: 'custom', message: `is ${Buffer.byteLength(value)} bytes; at most ${maxBytes} allowed` });
    }
  });

/** A token such as a name: a fixed alphabet, so no shell or Slurm syntax can hide in it. */
export const token = (pattern: RegExp, what: string, maxLength: number) =>
  z
    .string()
    .max(maxLength, `is longer than ${maxLength} characters`)
    .regex(pattern, `must be ${what}`);

export const SITE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
export const siteName = token(SITE_PATTERN, 'a site name: lower-case letters, digits and "-", starting with a letter', 32);
export const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a UUID');

/** Image references as the OCI distribution spec defines them (host[:port]/path[:tag][@digest]). */
const DOMAIN = String.raw`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?/)`;
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
export const IMAGE_REFERENCE = new RegExp(
  String.raw`^${DOMAIN}?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);
export const imageReference = z
  .string()
  .min(1, 'is required')
  .max(255, 'is longer than 255 characters')
  .regex(IMAGE_REFERENCE, 'must be an image reference such as "lab/busybox:1.36" or "host:5000/lab/model@sha256:<64 hex>"');
