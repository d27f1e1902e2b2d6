import { isMap, parseAllDocuments } from 'yaml';
import { InputError, InputIssue } from '../errors';
import { ENVIRONMENT_NAMES, EnvironmentName } from '../model';
import { DNS1123_LABEL, MAX_LABEL_LENGTH, MAX_TENANT_ID_LENGTH, TENANT_NAMESPACE_PREFIX, tenantNames } from '../names';
import { PLATFORM_NAMESPACE_NAMES } from '../namespaces';
import { checkCron, checkPostgresIdentifier, checkStorageUri, namespaceGlob, storageSizeRule } from './rules';
import { check, ObjectSchema, Schema, SchemaIssue, StringSchema, suggest } from './schema';
import {
  BACKUP_ENCRYPTIONS,
  BackupSpec,
  DatabaseSpec,
  POSTGRES_VERSIONS,
  PostgresVersion,
  SUBSCRIPTION_LEVELS,
  SubscriptionLevel,
  TenantInput,
  TenantSecret,
  TenantSpec,
} from './types';

/** The API version of the platform's input documents. */
export const INPUT_API_VERSION = 'ceres.io/v1';
export const INPUT_KINDS = ['CeresTenant', 'CeresDatabase', 'CeresBackup'] as const;
type InputKind = (typeof INPUT_KINDS)[number];

/** One input file: its path relative to the project root, and its text. */
export interface InputFile {
  readonly path: string;
  readonly content: string;
}

const dnsLabel = (max = MAX_LABEL_LENGTH): StringSchema => ({
  type: 'string',
  minLength: 1,
  maxLength: max,
  pattern: DNS1123_LABEL,
  patternHelp: 'a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)',
});

const METADATA: ObjectSchema = {
  type: 'object',
  fields: {
    name: { schema: dnsLabel(), required: true },
    labels: { schema: { type: 'map', keys: { type: 'string', minLength: 1 }, values: { type: 'string' } } },
    annotations: { schema: { type: 'map', keys: { type: 'string', minLength: 1 }, values: { type: 'string' } } },
  },
};

const SECRET: ObjectSchema = {
  type: 'object',
  exactlyOneOf: ['sealed', 'external'],
  fields: {
    name: { schema: dnsLabel(), required: true },
    sealed: {
      schema: {
        type: 'object',
        fields: {
          encryptedData: {
            required: true,
            schema: {
              type: 'map',
              minEntries: 1,
              keys: { type: 'string', pattern: /^[-._a-zA-Z0-9]+$/, patternHelp: "a secret key (letters, digits, '-', '_', '.')" },
              values: {
                type: 'string',
                minLength: 1,
                pattern: /^[A-Za-z0-9+/=\s]+$/,
                patternHelp: 'kubeseal output (base64); plaintext values are never accepted',
              },
            },
          },
        },
      },
    },
    external: {
      schema: {
        type: 'object',
        fields: {
          store: { schema: dnsLabel(), required: true },
          key: { schema: { type: 'string', minLength: 1, maxLength: 253, pattern: /^[A-Za-z0-9._\-/]+$/, patternHelp: 'a secret path' }, required: true },
        },
      },
    },
  },
};

const SPECS: Record<InputKind, ObjectSchema> = {
  CeresTenant: {
    type: 'object',
    fields: {
      displayName: {
        schema: { type: 'string', minLength: 1, maxLength: 100, pattern: /^[^\u0000-\u001f\u007f]+$/, patternHelp: 'printable text' },
        required: true,
      },
      tenantId: { schema: dnsLabel(MAX_TENANT_ID_LENGTH), required: true },
      keycloakRealm: { schema: dnsLabel(), required: true },
      databaseSchema: { schema: { type: 'string', minLength: 1, check: checkPostgresIdentifier }, required: true },
      subscriptionLevel: { schema: { type: 'string', enum: SUBSCRIPTION_LEVELS }, required: true },
      environments: { schema: { type: 'array', minItems: 1, unique: true, items: { type: 'string', enum: ENVIRONMENT_NAMES } } },
      secrets: { schema: { type: 'array', unique: true, items: SECRET } },
    },
  },
  CeresDatabase: {
    type: 'object',
    fields: {
      type: { schema: { type: 'string', enum: ['postgres'] }, required: true },
      replicas: { schema: { type: 'integer', min: 1, max: 9 }, required: true },
      size: { schema: { type: 'string', minLength: 1, check: storageSizeRule('1Gi', '64Ti') }, required: true },
      version: { schema: { type: 'string', acceptIntegers: true, enum: POSTGRES_VERSIONS }, required: true },
      tenantId: { schema: dnsLabel(MAX_TENANT_ID_LENGTH), required: true },
    },
  },
  CeresBackup: {
    type: 'object',
    fields: {
      schedulePolicy: { schema: { type: 'string', check: checkCron }, required: true },
      retentionDays: { schema: { type: 'integer', min: 1, max: 3650 }, required: true },
      includeNamespaces: {
        schema: {
          type: 'array',
          minItems: 1,
          unique: true,
          items: {
            type: 'string',
            maxLength: MAX_LABEL_LENGTH,
            pattern: /^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$/,
            patternHelp: 'a namespace name or glob such as "tenant-*"',
          },
        },
        required: true,
      },
      storageLocation: { schema: { type: 'string', check: checkStorageUri }, required: true },
      encryption: { schema: { type: 'string', enum: BACKUP_ENCRYPTIONS } },
    },
  },
};

const DOCUMENT: Record<InputKind, Schema> = Object.fromEntries(
  INPUT_KINDS.map((kind) => [
    kind,
    {
      type: 'object',
      fields: {
        apiVersion: { schema: { type: 'string' }, required: true },
        kind: { schema: { type: 'string' }, required: true },
        metadata: { schema: METADATA, required: true },
        spec: { schema: SPECS[kind], required: true },
      },
    } satisfies ObjectSchema,
  ]),
) as unknown as Record<InputKind, Schema>;

interface ParsedDoc {
  readonly file: string;
  readonly document: number;
  readonly kind: InputKind;
  readonly name: string;
  readonly body: Record<string, any>;
}

function lineOf(content: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < content.length; i++) {
    if (content.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, col: offset - last };
}

/** Parses YAML and checks each document against its kind's schema. */
function parseFile(file: InputFile, issues: InputIssue[], declaredTenantIds: Set<string>): ParsedDoc[] {
  const out: ParsedDoc[] = [];
  const docs = parseAllDocuments(file.content, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  let index = 0;
  for (const doc of list) {
    index++;
    if (doc.errors.length) {
      for (const err of doc.errors) {
        const { line, col } = lineOf(file.content, err.pos[0]);
        issues.push({ file: file.path, document: index, message: `YAML syntax error at line ${line}, column ${col}: ${err.message.split('\n')[0]}` });
      }
      continue;
    }
    if (doc.contents === null) continue; // an empty document (a trailing `---`)
    if (!isMap(doc.contents)) {
      issues.push({ file: file.path, document: index, message: 'expected a mapping with apiVersion, kind, metadata and spec' });
      continue;
    }
    const body = doc.toJS({ maxAliasCount: 100 }) as Record<string, any>;
    const name = typeof body.metadata?.name === 'string' ? body.metadata.name : undefined;
    const kind = body.kind;
    const object = typeof kind === 'string' && name ? `${kind}/${name}` : undefined;
    const at = (i: SchemaIssue): InputIssue => ({ file: file.path, document: index, object, path: i.path, message: i.message });
    if (body.apiVersion !== INPUT_API_VERSION) {
      issues.push(at({ path: 'apiVersion', message: `${JSON.stringify(body.apiVersion ?? null)} is not supported; use "${INPUT_API_VERSION}"` }));
    }
    if (!INPUT_KINDS.includes(kind)) {
      const hint = typeof kind === 'string' ? suggest(kind, INPUT_KINDS) : undefined;
      issues.push(
        at({
          path: 'kind',
          message: `${JSON.stringify(kind ?? null)} is not a known kind; allowed: ${INPUT_KINDS.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`,
        }),
      );
      continue;
    }
    // Remembered even when the document is invalid, so that its databases are not reported as orphans too.
    if (kind === 'CeresTenant' && typeof body.spec?.tenantId === 'string') declaredTenantIds.add(body.spec.tenantId);
    const found: SchemaIssue[] = [];
    check(body, DOCUMENT[kind as InputKind], '', found);
    issues.push(...found.map(at));
    if (found.length === 0 && name) out.push({ file: file.path, document: index, kind, name, body });
  }
  return out;
}

/**
 * Reads the tenant input documents (CeresTenant, CeresDatabase, CeresBackup), validates each
 * against its schema and all of them against each other, and returns the typed model.
 * Throws an {@link InputError} listing every problem found.
 */
export function parseTenantInput(files: readonly InputFile[]): TenantInput {
  const issues: InputIssue[] = [];
  const declaredTenantIds = new Set<string>();
  const docs = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).flatMap((f) => parseFile(f, issues, declaredTenantIds));
  const issueAt = (d: ParsedDoc, path: string | undefined, message: string): InputIssue => ({
    file: d.file,
    document: d.document,
    object: `${d.kind}/${d.name}`,
    path,
    message,
  });

  // Unique names per kind, and unique tenant ids and realms.
  const firstSeen = new Map<string, ParsedDoc>();
  const unique = (d: ParsedDoc, key: string, path: string, what: string) => {
    const prev = firstSeen.get(key);
    if (prev) issues.push(issueAt(d, path, `${what} is already used by ${prev.kind}/${prev.name} (${prev.file}, document ${prev.document}); it must be unique`));
    else firstSeen.set(key, d);
  };
  for (const d of docs) {
    unique(d, `name/${d.kind}/${d.name}`, 'metadata.name', `${d.kind} name ${JSON.stringify(d.name)}`);
    if (d.kind === 'CeresTenant') {
      unique(d, `tenantId/${d.body.spec.tenantId}`, 'spec.tenantId', `tenantId ${JSON.stringify(d.body.spec.tenantId)}`);
      unique(d, `realm/${d.body.spec.keycloakRealm}`, 'spec.keycloakRealm', `keycloakRealm ${JSON.stringify(d.body.spec.keycloakRealm)}`);
    }
  }

  const tenants: TenantSpec[] = docs
    .filter((d) => d.kind === 'CeresTenant')
    .map((d) => {
      const s = d.body.spec;
      return {
        name: d.name,
        displayName: s.displayName,
        tenantId: s.tenantId,
        keycloakRealm: s.keycloakRealm,
        databaseSchema: s.databaseSchema,
        subscriptionLevel: s.subscriptionLevel as SubscriptionLevel,
        environments: (s.environments as EnvironmentName[] | undefined) ?? [...ENVIRONMENT_NAMES],
        secrets: (s.secrets as TenantSecret[] | undefined) ?? [],
        source: { file: d.file, document: d.document },
      };
    });
  const tenantIds = new Set(tenants.map((t) => t.tenantId));

  const databases: DatabaseSpec[] = [];
  for (const d of docs.filter((x) => x.kind === 'CeresDatabase')) {
    const s = d.body.spec;
    if (!tenantIds.has(s.tenantId)) {
      if (declaredTenantIds.has(s.tenantId)) continue; // its tenant is invalid and already reported
      const hint = suggest(s.tenantId, [...tenantIds]);
      issues.push(
        issueAt(
          d,
          'spec.tenantId',
          `no CeresTenant has tenantId ${JSON.stringify(s.tenantId)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}; known tenantIds: ${[...tenantIds].sort().join(', ') || '(none)'}`,
        ),
      );
      continue;
    }
    databases.push({
      name: d.name,
      type: 'postgres',
      replicas: s.replicas,
      size: s.size,
      version: String(s.version) as PostgresVersion,
      tenantId: s.tenantId,
      source: { file: d.file, document: d.document },
    });
  }

  const namespaces = [...PLATFORM_NAMESPACE_NAMES, ...tenants.map((t) => tenantNames(t.tenantId).namespace)];
  const backups: BackupSpec[] = [];
  for (const d of docs.filter((x) => x.kind === 'CeresBackup')) {
    const s = d.body.spec;
    let ok = true;
    (s.includeNamespaces as string[]).forEach((glob, i) => {
      if (!namespaces.some(namespaceGlob(glob))) {
        ok = false;
        const kind = glob.includes('*') ? 'glob' : 'namespace';
        const tenantHint = glob.startsWith(TENANT_NAMESPACE_PREFIX) ? ` tenant namespaces are ${TENANT_NAMESPACE_PREFIX}<tenantId>;` : '';
        issues.push(
          issueAt(
            d,
            `spec.includeNamespaces[${i}]`,
            `${kind} ${JSON.stringify(glob)} matches no namespace the platform creates;${tenantHint} known namespaces: ${namespaces.slice().sort().join(', ')}`,
          ),
        );
      }
    });
    if (!ok) continue;
    backups.push({
      name: d.name,
      schedulePolicy: s.schedulePolicy,
      retentionDays: s.retentionDays,
      includeNamespaces: s.includeNamespaces,
      storageLocation: s.storageLocation,
      encryption: s.encryption ?? 'AES-256-GCM',
      source: { file: d.file, document: d.document },
    });
  }

  if (issues.length) throw new InputError(issues);
  return { tenants, databases, backups };
}
