import Ajv, { type ValidateFunction } from 'ajv';
import schema from './schemas/prov-json.schema.json';

/** RFC 3986 absolute URI (a PROV QName `prefix:local` is one). */
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#[\]]|%[0-9A-Fa-f]{2})*$/;
/** RFC 3339 date-time (JSON Schema's `date-time`). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addFormat('uri', URI);
    ajv.addFormat('date-time', { validate: (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)) });
    validator = ajv.compile(schema);
  }
  return validator;
}

/**
 * Checks a document against the W3C PROV-JSON JSON Schema (src/validate/schemas/prov-json.schema.json,
 * from the PROV-JSON Member Submission). Resolves with the problems; [] = valid.
 */
export async function validateProvJson(doc: unknown): Promise<string[]> {
  const validate = compiled();
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `prov-json schema: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : ''}`);
}
