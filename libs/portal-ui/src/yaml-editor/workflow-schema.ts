import { validate as generated } from './workflow-schema.validate';

/** One schema violation as ajv reports it (JSON Schema draft 2020-12). */
export interface SchemaViolation {
  /** JSON Pointer to the offending value: "/steps/train/resources/cpus". */
  instancePath: string;
  /** JSON Pointer into the schema: "#/$defs/__schema1/properties/cpus/maximum". */
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  /** For a key's own problem (under propertyNames): the key. */
  propertyName?: string;
}

interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: SchemaViolation[] | null;
}

const validator: GeneratedValidator = generated;

/**
 * Checks a parsed workflow against docs/workflow.schema.json with the validator ajv compiled
 * at build time (tools/codegen/workflow-validator.ts): no code is compiled in the browser, so
 * it runs under the portal's Content-Security-Policy without 'unsafe-eval'.
 */
export function schemaViolations(value: unknown): SchemaViolation[] {
  if (validator(value)) return [];
  return [...(validator.errors ?? [])];
}
