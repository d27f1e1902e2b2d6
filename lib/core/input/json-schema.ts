import { APPROVALS_DOCUMENT, APPROVALS_KIND } from './approvals';
import { DOCUMENT, INPUT_API_VERSION, INPUT_KINDS } from './documents';
import { describe, Schema } from './schema';

/**
 * JSON Schema (draft-07, what editors' YAML support reads best) generated from the validator's own
 * schemas, so that the two never disagree on what a field accepts. What JSON Schema cannot say
 * (cross-document rules: unique ids, a database's tenant must exist, backup globs must match) is
 * left to the validator.
 */

type Json = Record<string, unknown>;

function regexSource(re: RegExp): string {
  if (re.flags.replace(/[gy]/g, '')) throw new Error(`pattern ${re} has flags, which JSON Schema cannot express`);
  return re.source;
}

/** The JSON Schema of one validator schema. */
export function toJsonSchema(schema: Schema): Json {
  switch (schema.type) {
    case 'string': {
      const out: Json = {};
      if (schema.enum) {
        if (schema.acceptIntegers) {
          const numbers = schema.enum.filter((v) => /^-?\d+$/.test(v)).map(Number);
          return {
            anyOf: [
              { type: 'string', enum: [...schema.enum] },
              { type: 'integer', enum: numbers },
            ],
            description: describe(schema),
          };
        }
        out.type = 'string';
        out.enum = [...schema.enum];
      } else {
        out.type = schema.acceptIntegers ? ['string', 'integer'] : 'string';
      }
      if (schema.minLength !== undefined) out.minLength = schema.minLength;
      if (schema.maxLength !== undefined) out.maxLength = schema.maxLength;
      const patterns = [schema.pattern ? regexSource(schema.pattern) : undefined, schema.jsonSchema?.pattern as string | undefined].filter(
        (p): p is string => !!p,
      );
      const extra: Json = { ...(schema.jsonSchema ?? {}) };
      delete extra.pattern;
      if (patterns.length === 1) out.pattern = patterns[0];
      if (patterns.length > 1) out.allOf = patterns.map((pattern) => ({ pattern }));
      Object.assign(out, extra);
      if (typeof extra.maxLength === 'number' && schema.maxLength !== undefined) out.maxLength = Math.min(extra.maxLength, schema.maxLength);
      if (schema.patternHelp) out.description = schema.patternHelp;
      return out;
    }
    case 'integer':
      return { type: 'integer', minimum: schema.min, maximum: schema.max };
    case 'array': {
      const out: Json = { type: 'array', items: toJsonSchema(schema.items) };
      if (schema.minItems !== undefined) out.minItems = schema.minItems;
      if (schema.maxItems !== undefined) out.maxItems = schema.maxItems;
      if (schema.unique) out.uniqueItems = true;
      return out;
    }
    case 'object': {
      const properties: Record<string, Json> = {};
      const required: string[] = [];
      for (const [key, field] of Object.entries(schema.fields)) {
        const prop = toJsonSchema(field.schema);
        properties[key] = field.description ? { ...prop, description: field.description } : prop;
        if (field.required) required.push(key);
      }
      const out: Json = { type: 'object', properties, additionalProperties: false };
      if (required.length) out.required = required;
      if (schema.exactlyOneOf) out.oneOf = schema.exactlyOneOf.map((k) => ({ required: [k] }));
      return out;
    }
    case 'map': {
      const out: Json = { type: 'object', propertyNames: toJsonSchema(schema.keys), additionalProperties: toJsonSchema(schema.values) };
      if (schema.minEntries !== undefined) out.minProperties = schema.minEntries;
      return out;
    }
    case 'custom':
      return { description: schema.describe };
  }
}

const HEADER = 'Generated from lib/core/input by `npm run schema`; do not edit. Editors: `# yaml-language-server: $schema=<relative path to this file>`.';

/** The schema of a tenant documents file: each YAML document is a CeresTenant, CeresDatabase or CeresBackup. */
export function tenantDocumentsJsonSchema(): Json {
  const definitions: Record<string, Json> = {};
  for (const kind of INPUT_KINDS) {
    const doc = toJsonSchema(DOCUMENT[kind]) as { properties: Record<string, Json> };
    doc.properties.apiVersion = { const: INPUT_API_VERSION };
    doc.properties.kind = { const: kind };
    definitions[kind] = doc;
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'CERES tenant input document',
    description: `A ${INPUT_KINDS.join(', ')} document of apps/platform/tenants/. ${HEADER}`,
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { const: INPUT_API_VERSION },
      kind: { enum: [...INPUT_KINDS] },
    },
    allOf: INPUT_KINDS.map((kind) => ({
      if: { properties: { kind: { const: kind } }, required: ['kind'] },
      then: { $ref: `#/definitions/${kind}` },
    })),
    definitions,
  };
}

/** The schema of apps/platform/approved-deletions.yaml. */
export function approvalsJsonSchema(): Json {
  const doc = toJsonSchema(APPROVALS_DOCUMENT) as Json & { properties: Record<string, Json> };
  doc.properties.apiVersion = { const: INPUT_API_VERSION };
  doc.properties.kind = { const: APPROVALS_KIND };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `CERES ${APPROVALS_KIND}`,
    description: `apps/platform/approved-deletions.yaml: destructive changes a change means to make, with reasons. ${HEADER}`,
    ...doc,
  };
}

/** The committed schema files: path relative to the project root → content. */
export function jsonSchemaFiles(): Map<string, string> {
  const text = (j: Json) => `${JSON.stringify(j, null, 2)}\n`;
  return new Map([
    ['schemas/ceres.schema.json', text(tenantDocumentsJsonSchema())],
    ['schemas/approved-deletions.schema.json', text(approvalsJsonSchema())],
  ]);
}
