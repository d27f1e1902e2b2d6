/**
 * Value rules shared by the input schemas: cron expressions, quantities, identifiers, URIs.
 * Each returns an error message, or undefined when the value is fine.
 */
import { parseQuantity, QUANTITY_PATTERN } from '../quantity';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Offset added to a name's index (months are 1-based). */
  readonly nameBase?: number;
}

const CRON_FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, nameBase: 0 },
];

function cronValue(token: string, field: CronField): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const idx = field.names?.indexOf(token.toLowerCase()) ?? -1;
  return idx >= 0 ? idx + (field.nameBase ?? 0) : undefined;
}

/** Checks a standard 5-field cron expression (minute hour day-of-month month day-of-week). */
export function checkCron(expr: string): string | undefined {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5 || expr.trim() === '') {
    return `${JSON.stringify(expr)} is not a 5-field cron expression (minute hour day-of-month month day-of-week, e.g. "0 2 * * *"); found ${expr.trim() === '' ? 0 : parts.length} field${parts.length === 1 ? '' : 's'}`;
  }
  for (let i = 0; i < 5; i++) {
    const field = CRON_FIELDS[i];
    for (const item of parts[i].split(',')) {
      const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
      if (!m) return `cron ${field.name} field ${JSON.stringify(parts[i])} is malformed`;
      const [, range, step] = m;
      if (step !== undefined && Number(step) < 1) return `cron ${field.name} step must be at least 1 in ${JSON.stringify(parts[i])}`;
      if (range === '*') continue;
      const bounds = range.split('-');
      if (bounds.length > 2) return `cron ${field.name} field ${JSON.stringify(parts[i])} is malformed`;
      const values = bounds.map((b) => cronValue(b, field));
      for (let j = 0; j < values.length; j++) {
        const v = values[j];
        if (v === undefined || v < field.min || v > field.max) {
          return `cron ${field.name} value ${JSON.stringify(bounds[j])} is out of range; allowed: ${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : ''}`;
        }
      }
      if (values.length === 2 && values[0]! > values[1]!) return `cron ${field.name} range ${JSON.stringify(range)} runs backwards`;
    }
  }
  return undefined;
}

/** A storage size between `min` and `max` (both quantities). */
export function storageSizeRule(min: string, max: string): (q: string) => string | undefined {
  const lo = parseQuantity(min)!;
  const hi = parseQuantity(max)!;
  return (q) => {
    const bytes = parseQuantity(q);
    if (bytes === undefined)
      return `${JSON.stringify(q)} is not a Kubernetes quantity such as "100Gi" (a number with an optional suffix such as Ki, Mi, Gi, Ti, k, M, G, T)`;
    if (bytes < lo || bytes > hi) return `${JSON.stringify(q)} is out of range; allowed: ${min} to ${max}`;
    return undefined;
  };
}

/**
 * PostgreSQL reserved key words (SQL:2016 "reserved" in the PostgreSQL column of the key words
 * appendix): not usable as unquoted identifiers.
 */
const PG_RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create ' +
    'current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc ' +
    'distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral ' +
    'leading limit localtime localtimestamp not null offset on only or order placing primary references returning ' +
    'select session_user some symmetric system_user table then to trailing true union unique user using variadic when where window with'
  ).split(' '),
);

/** An unquoted PostgreSQL identifier we accept for schemas, databases and owners. */
export function checkPostgresIdentifier(id: string): string | undefined {
  if (!/^[a-z_][a-z0-9_]*$/.test(id)) {
    return `${JSON.stringify(id)} is not a PostgreSQL identifier: use lowercase letters, digits and '_', starting with a letter or '_'`;
  }
  if (Buffer.byteLength(id) > 63) return `${JSON.stringify(id)} is ${id.length} characters; PostgreSQL identifiers are at most 63`;
  if (id.startsWith('pg_')) return `${JSON.stringify(id)} starts with "pg_", which PostgreSQL reserves for system schemas`;
  if (PG_RESERVED.has(id)) return `${JSON.stringify(id)} is a reserved PostgreSQL key word; choose another name`;
  return undefined;
}

/** Converts a namespace glob (`tenant-*`) into a matcher. */
export function namespaceGlob(glob: string): (ns: string) => boolean {
  const re = new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
      .join('.*')}$`,
  );
  return (ns) => re.test(ns);
}

/*
 * JSON Schema equivalents of the checks above, for editors (see StringSchema.jsonSchema). Each says
 * as much as a JSON Schema pattern can; the checks remain the authority.
 */

/** `0*(59|58|…|0)`: the numbers min..max, leading zeros allowed as the check allows them. */
function numberAlternatives(min: number, max: number): string {
  const values: string[] = [];
  for (let v = max; v >= min; v--) values.push(String(v));
  return `0*(?:${values.join('|')})`;
}

/** A case-insensitive literal without regex flags (`jan` → `[jJ][aA][nN]`). */
function anyCase(word: string): string {
  return [...word].map((c) => `[${c.toLowerCase()}${c.toUpperCase()}]`).join('');
}

function cronFieldPattern(field: CronField): string {
  const value = field.names
    ? `(?:${numberAlternatives(field.min, field.max)}|${field.names.map(anyCase).join('|')})`
    : numberAlternatives(field.min, field.max);
  const item = `(?:\\*|${value}(?:-${value})?)(?:/[0-9]*[1-9][0-9]*)?`;
  return `${item}(?:,${item})*`;
}

/** A 5-field cron expression: field values, names, ranges, lists and steps (not: ranges that run backwards). */
export const CRON_JSON_SCHEMA = {
  pattern: `^\\s*${CRON_FIELDS.map(cronFieldPattern).join('\\s+')}\\s*$`,
};

/** A Kubernetes quantity (not: the allowed range, which the description states). */
export const QUANTITY_JSON_SCHEMA = { pattern: QUANTITY_PATTERN.source };

/** An unquoted PostgreSQL identifier: not `pg_*`, not a reserved key word. */
export const POSTGRES_IDENTIFIER_JSON_SCHEMA = {
  pattern: '^[a-z_][a-z0-9_]*$',
  maxLength: 63,
  not: { anyOf: [{ pattern: '^pg_' }, { enum: [...PG_RESERVED].sort() }] },
};
