import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import { REPO_ROOT } from '../cli/build-dist.js';

export type SchemaName = 'snapshot' | 'dead-letter-headers' | 'scores-record';

export function loadSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', `${name}.schema.json`), 'utf8')) as Record<string, unknown>;
}

/**
 * The schema with `additionalProperties: false` on every object that lists its properties:
 * what the code writes must then all be in the schema, so a field added to the code and not
 * to the schema fails the test. (The shipped schemas allow extra fields: consumers must
 * accept fields added later.)
 */
export function strictCopy(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictCopy);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = key === 'properties' ? mapValues(value as Record<string, unknown>) : strictCopy(value);
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

function mapValues(properties: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, strictCopy(v)]));
}

/** A validator of the named schema (strict: see strictCopy), with ajv in strict mode. */
export function validator(name: SchemaName, options: { strict: boolean }): ValidateFunction {
  const ajv = new Ajv2020.default({ strict: true, allErrors: true });
  // ajv ships no formats (ajv-formats is not a dependency): date-time as RFC 3339 here.
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)));
  const schema = loadSchema(name);
  return ajv.compile(options.strict ? (strictCopy(schema) as Record<string, unknown>) : schema);
}

/** ajv's errors as one line each, for a failing expectation's message. */
export function errorsOf(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
}
