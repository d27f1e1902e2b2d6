/**
 * A deliberately small schema language for the input documents: enough to check types, ranges,
 * patterns, required and unknown fields, and to say precisely what is allowed.
 */

export type Schema = StringSchema | IntegerSchema | ArraySchema | ObjectSchema | MapSchema | CustomSchema;

export interface StringSchema {
  /** A YAML string (or an integer, with `acceptIntegers`). */
  readonly type: 'string';
  /** Allowed values. */
  readonly enum?: readonly string[];
  /** Regular expression the whole value must match. */
  readonly pattern?: RegExp;
  /** What the pattern means, for the error message ("a DNS-1123 label: ..."). */
  readonly patternHelp?: string;
  /** Fewest characters; 1 means "must not be empty". */
  readonly minLength?: number;
  /** Most characters. */
  readonly maxLength?: number;
  /** Accept YAML integers too and read them as strings (`version: 15`). */
  readonly acceptIntegers?: boolean;
  /** Further check; returns an error message or undefined. */
  readonly check?: (value: string) => string | undefined;
  /**
   * JSON Schema keywords saying what `check` says, as far as JSON Schema can (a pattern for a cron
   * expression cannot tell a backwards range): what editors use. Validation always runs `check`.
   */
  readonly jsonSchema?: Readonly<Record<string, unknown>>;
}

export interface IntegerSchema {
  /** A YAML integer (a float or a numeric string is an error). */
  readonly type: 'integer';
  /** Smallest allowed value, inclusive. */
  readonly min: number;
  /** Largest allowed value, inclusive. */
  readonly max: number;
}

export interface ArraySchema {
  /** A YAML sequence. */
  readonly type: 'array';
  /** Schema every item must meet. */
  readonly items: Schema;
  /** Fewest items. */
  readonly minItems?: number;
  /** Most items. */
  readonly maxItems?: number;
  /** Items must be distinct (by their YAML value). */
  readonly unique?: boolean;
}

export interface Field {
  /** What the field's value must be. */
  readonly schema: Schema;
  /** The field must be present (and not null). @default false */
  readonly required?: boolean;
  /** One line for people: editors show it on hover (JSON Schema `description`). */
  readonly description?: string;
}

export interface ObjectSchema {
  /** A YAML mapping with known keys; an unknown key is an error (with a spelling suggestion). */
  readonly type: 'object';
  /** The allowed keys and their schemas. */
  readonly fields: Readonly<Record<string, Field>>;
  /** At most one / exactly one of these field groups may be set. */
  readonly exactlyOneOf?: readonly string[];
}

export interface MapSchema {
  /** A YAML mapping with arbitrary keys (labels, secret data). */
  readonly type: 'map';
  /** Schema every key must meet. */
  readonly keys: StringSchema;
  /** Schema every value must meet. */
  readonly values: Schema;
  /** Fewest entries. */
  readonly minEntries?: number;
}

export interface CustomSchema {
  /** A value only `check` can judge (a type JSON Schema cannot express). */
  readonly type: 'custom';
  /** Describes the expected type, e.g. "a 5-field cron expression". */
  readonly describe: string;
  /** Returns an error message, or undefined when the value is valid. */
  readonly check: (value: unknown) => string | undefined;
}

/** A problem at a field path. */
export interface SchemaIssue {
  /** Dotted path of the field (`spec.secrets[0].name`); empty for the document itself. */
  readonly path: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** Levenshtein distance, for "did you mean" hints on misspelt fields. */
function distance(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  const row = Array.from({ length: lb.length + 1 }, (_, i) => i);
  for (let i = 1; i <= la.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= lb.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (la[i - 1] === lb[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[lb.length];
}

export function suggest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(key, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function quoteList(values: readonly (string | number)[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** Checks `value` against `schema`, appending every problem found to `issues`. */
export function check(value: unknown, schema: Schema, path: string, issues: SchemaIssue[]): void {
  switch (schema.type) {
    case 'string': {
      let str: string;
      if (typeof value === 'string') str = value;
      else if (schema.acceptIntegers && typeof value === 'number' && Number.isInteger(value)) str = String(value);
      else {
        issues.push({ path, message: `expected a string, got ${typeName(value)}` });
        return;
      }
      if (schema.enum && !schema.enum.includes(str)) {
        const hint = suggest(str, schema.enum);
        issues.push({
          path,
          message: `${JSON.stringify(str)} is not allowed; allowed: ${quoteList(schema.enum)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`,
        });
        return;
      }
      if (schema.minLength !== undefined && str.length < schema.minLength) {
        issues.push({ path, message: schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters, got ${str.length}` });
        return;
      }
      if (schema.maxLength !== undefined && str.length > schema.maxLength) {
        issues.push({ path, message: `${JSON.stringify(str)} is ${str.length} characters; at most ${schema.maxLength} are allowed` });
        return;
      }
      if (schema.pattern && !schema.pattern.test(str)) {
        issues.push({ path, message: `${JSON.stringify(str)} is not ${schema.patternHelp ?? `matching ${schema.pattern}`}` });
        return;
      }
      const msg = schema.check?.(str);
      if (msg) issues.push({ path, message: msg });
      return;
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        issues.push({ path, message: `expected a whole number from ${schema.min} to ${schema.max}, got ${typeName(value)}` });
        return;
      }
      if (value < schema.min || value > schema.max) {
        issues.push({ path, message: `${value} is out of range; allowed: ${schema.min} to ${schema.max}` });
      }
      return;
    }
    case 'array': {
      if (!Array.isArray(value)) {
        issues.push({ path, message: `expected a list, got ${typeName(value)}` });
        return;
      }
      if (schema.minItems !== undefined && value.length < schema.minItems) {
        issues.push({ path, message: `must list at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}` });
      }
      if (schema.maxItems !== undefined && value.length > schema.maxItems) {
        issues.push({ path, message: `lists ${value.length} items; at most ${schema.maxItems} are allowed` });
      }
      const seen = new Set<string>();
      value.forEach((item, i) => {
        check(item, schema.items, join(path, i), issues);
        if (schema.unique) {
          const key = JSON.stringify(item);
          if (seen.has(key)) issues.push({ path: join(path, i), message: `${key} is listed twice; items must be distinct` });
          seen.add(key);
        }
      });
      return;
    }
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        issues.push({ path, message: `expected a mapping with fields ${quoteList(Object.keys(schema.fields))}, got ${typeName(value)}` });
        return;
      }
      const obj = value as Record<string, unknown>;
      const allowed = Object.keys(schema.fields);
      for (const key of Object.keys(obj)) {
        if (!(key in schema.fields)) {
          const hint = suggest(key, allowed);
          issues.push({
            path: join(path, key),
            message: `unknown field${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}; allowed fields: ${allowed.join(', ')}`,
          });
        }
      }
      for (const [key, field] of Object.entries(schema.fields)) {
        if (obj[key] === undefined || (obj[key] === null && field.required)) {
          if (field.required) issues.push({ path: join(path, key), message: `is required (${describe(field.schema)})` });
          continue;
        }
        if (obj[key] === null) {
          // `environments:` with nothing after it: say so rather than silently applying the default.
          issues.push({ path: join(path, key), message: `is empty; give ${describe(field.schema)}, or remove the line for the default` });
          continue;
        }
        check(obj[key], field.schema, join(path, key), issues);
      }
      if (schema.exactlyOneOf) {
        const present = schema.exactlyOneOf.filter((k) => obj[k] !== undefined && obj[k] !== null);
        if (present.length !== 1) {
          issues.push({
            path,
            message: `set exactly one of ${schema.exactlyOneOf.join(', ')}${present.length ? ` (found ${present.join(' and ')})` : ''}`,
          });
        }
      }
      return;
    }
    case 'map': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        issues.push({ path, message: `expected a mapping, got ${typeName(value)}` });
        return;
      }
      const entries = Object.entries(value as Record<string, unknown>);
      if (schema.minEntries !== undefined && entries.length < schema.minEntries) {
        issues.push({ path, message: `must have at least ${schema.minEntries} entr${schema.minEntries === 1 ? 'y' : 'ies'}` });
      }
      for (const [k, v] of entries) {
        check(k, schema.keys, join(path, k), issues);
        check(v, schema.values, join(path, k), issues);
      }
      return;
    }
    case 'custom': {
      const msg = schema.check(value);
      if (msg) issues.push({ path, message: msg });
      return;
    }
  }
}

/** A short human description of what a schema accepts. */
export function describe(schema: Schema): string {
  switch (schema.type) {
    case 'string':
      if (schema.enum) return `one of ${quoteList(schema.enum)}`;
      return schema.patternHelp ?? 'a string';
    case 'integer':
      return `a whole number from ${schema.min} to ${schema.max}`;
    case 'array':
      return `a list of ${describe(schema.items)}`;
    case 'object':
      return `a mapping with fields ${Object.keys(schema.fields).join(', ')}`;
    case 'map':
      return 'a mapping';
    case 'custom':
      return schema.describe;
  }
}
