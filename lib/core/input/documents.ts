import { yamlLibrary } from '../yaml';
import { InputError, InputIssue } from '../errors';
import { ENVIRONMENT_NAMES, EnvironmentName } from '../model';
import { DNS1123_LABEL, MAX_LABEL_LENGTH, MAX_TENANT_ID_LENGTH, TENANT_NAMESPACE_PREFIX, tenantNames } from '../names';
import { PLATFORM_NAMESPACE_NAMES } from '../namespaces';
import {
  checkCron,
  checkPostgresIdentifier,
  CRON_JSON_SCHEMA,
  namespaceGlob,
  POSTGRES_IDENTIFIER_JSON_SCHEMA,
  QUANTITY_JSON_SCHEMA,
  storageSizeRule,
} from './rules';
import { check, ObjectSchema, SchemaIssue, StringSchema, suggest } from './schema';
import { excerpt, lineOf, syntaxHint, nameTokens, sniffFirstDocument } from './source';
import {
  BACKUP_ENCRYPTIONS,
  BACKUP_STORAGE_LOCATIONS,
  BackupSpec,
  DatabaseSpec,
  POSTGRES_VERSIONS,
  PostgresVersion,
  SUBSCRIPTION_LEVELS,
  SubscriptionLevel,
  TenantInput,
  TenantLdap,
  TenantSecret,
  TenantSpec,
} from './types';

/** The API version of the platform's input documents. */
export const INPUT_API_VERSION = 'ceres.io/v1';
export const INPUT_KINDS = ['CeresTenant', 'CeresDatabase', 'CeresBackup'] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

/** One input file: its path relative to the project root, and its text. */
export interface InputFile {
  /** Path relative to the project root (`apps/platform/tenants/acme.yaml`), as messages show it. */
  readonly path: string;
  /** The text, or only its beginning when `size` says the file is larger than {@link MAX_INPUT_FILE_BYTES}. */
  readonly content: string;
  /** Size in bytes, when the file was too large to be read whole. */
  readonly size?: number;
}

/** Input files above this size are not parsed: tenant documents are a few hundred bytes each. */
export const MAX_INPUT_FILE_BYTES = 8 * 1024 * 1024;
/** Problems shown per file; the rest are counted. */
export const MAX_ISSUES_PER_FILE = 10;
/** Where documents of other CERES kinds belong. */
export const KINDS_ELSEWHERE: Readonly<Record<string, string>> = { CeresApprovedDeletions: 'apps/platform/approved-deletions.yaml' };

const dnsLabel = (max = MAX_LABEL_LENGTH): StringSchema => ({
  type: 'string',
  minLength: 1,
  maxLength: max,
  pattern: DNS1123_LABEL,
  patternHelp: 'a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)',
});

/** `metadata` of every input document. */
export const METADATA: ObjectSchema = {
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
          store: {
            schema: { type: 'string', enum: ['cloud'] },
            required: true,
            description:
              'Where the secret is held: "cloud", the secret store of the cloud of each cluster the tenant lands on (AWS Secrets Manager, Azure Key Vault, GCP Secret Manager), read by the External Secrets Operator with an identity that may read only this tenant\'s secrets.',
          },
          key: {
            schema: {
              type: 'string',
              minLength: 1,
              maxLength: 60,
              pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
              patternHelp: 'a secret name (lowercase letters, digits and "-"); in the cloud store it is held as tenant-<tenantId>--<key>',
            },
            required: true,
            description: "The secret's name in the tenant's area of the cloud store: it is held there as tenant-<tenantId>--<key>.",
          },
        },
      },
    },
  },
};

const DISTINGUISHED_NAME: StringSchema = {
  type: 'string',
  minLength: 3,
  maxLength: 512,
  pattern: /^[A-Za-z][A-Za-z0-9-]*=[^\u0000-\u001f\u007f]+$/,
  patternHelp: 'an LDAP distinguished name such as "ou=people,dc=acme,dc=com"',
};

/** A tenant realm's LDAP federation: LDAPS only (credentials and directory data never cross the network in clear). */
const LDAP: ObjectSchema = {
  type: 'object',
  fields: {
    connectionUrl: {
      schema: {
        type: 'string',
        maxLength: 253,
        pattern: /^ldaps:\/\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?$/,
        patternHelp: 'an ldaps:// URL such as "ldaps://ldap.acme.com:636" (plain ldap:// is refused)',
      },
      required: true,
      description: 'The directory, LDAPS only: ldaps://<host>[:<port>].',
    },
    vendor: {
      schema: { type: 'string', enum: ['ad', 'rhds', 'other'] },
      required: true,
      description: 'Directory kind: ad (Active Directory), rhds (Red Hat / 389 Directory Server) or other.',
    },
    usersDn: { schema: DISTINGUISHED_NAME, required: true, description: 'Where the users are (ou=people,dc=acme,dc=com).' },
    bindDn: { schema: DISTINGUISHED_NAME, required: true, description: 'The read-only account Keycloak binds as.' },
    groupsDn: {
      schema: DISTINGUISHED_NAME,
      description: "Where the groups are; their members join the realm's groups of the same name (tenant-admin, ...). Default: no group mapping.",
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
        description: "The customer's name as people read it.",
      },
      tenantId: {
        schema: {
          type: 'string',
          minLength: 1,
          maxLength: MAX_TENANT_ID_LENGTH,
          pattern: /^[a-z0-9]+(-[a-z0-9]+)*$/,
          patternHelp:
            'a DNS-1123 label with single hyphens (lowercase letters, digits and "-", starting and ending with a letter or digit, no "--": it separates the tenant from the key in cloud secret names)',
        },
        required: true,
        description: 'Stable id: the namespace is tenant-<tenantId>, the Argo CD Application <env>-tenant-<tenantId>. At most 48 characters.',
      },
      keycloakRealm: { schema: dnsLabel(), required: true, description: 'Keycloak realm: OIDC groups and the JWT issuer derive from it. Unique per tenant.' },
      databaseSchema: {
        schema: { type: 'string', minLength: 1, check: checkPostgresIdentifier, jsonSchema: POSTGRES_IDENTIFIER_JSON_SCHEMA },
        required: true,
        description: 'PostgreSQL schema of the tenant: lowercase identifier, not a reserved word, not pg_*.',
      },
      subscriptionLevel: {
        schema: { type: 'string', enum: SUBSCRIPTION_LEVELS },
        required: true,
        description: 'Tier: quotas, limits, priority and database size follow from it.',
      },
      environments: {
        schema: { type: 'array', minItems: 1, unique: true, items: { type: 'string', enum: ENVIRONMENT_NAMES } },
        description: 'Environments the tenant is deployed to. Default: every environment.',
      },
      ldap: {
        schema: LDAP,
        description:
          "Optional LDAP user federation of the tenant's Keycloak realm (read-only). The bind password is never in the document: it is the Secret keycloak-ldap-<tenantId> (key bind-credential) in namespace keycloak.",
      },
      secrets: {
        schema: { type: 'array', unique: true, items: SECRET },
        description: 'Secrets, sealed (kubeseal --raw output) or external references; never plaintext.',
      },
    },
  },
  CeresDatabase: {
    type: 'object',
    fields: {
      type: { schema: { type: 'string', enum: ['postgres'] }, required: true, description: 'Database engine (CloudNativePG).' },
      replicas: { schema: { type: 'integer', min: 1, max: 9 }, required: true, description: 'PostgreSQL instances (1 primary + replicas).' },
      size: {
        schema: { type: 'string', minLength: 1, check: storageSizeRule('1Gi', '64Ti'), jsonSchema: QUANTITY_JSON_SCHEMA },
        required: true,
        description: 'Storage per instance, a Kubernetes quantity from 1Gi to 64Ti.',
      },
      version: { schema: { type: 'string', acceptIntegers: true, enum: POSTGRES_VERSIONS }, required: true, description: 'PostgreSQL major version.' },
      tenantId: { schema: dnsLabel(MAX_TENANT_ID_LENGTH), required: true, description: 'The tenantId of the CeresTenant that owns the database.' },
    },
  },
  CeresBackup: {
    type: 'object',
    fields: {
      schedulePolicy: {
        schema: { type: 'string', check: checkCron, jsonSchema: CRON_JSON_SCHEMA },
        required: true,
        description: '5-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 2 * * *".',
      },
      retentionDays: { schema: { type: 'integer', min: 1, max: 3650 }, required: true, description: 'Days a backup is kept.' },
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
        description: 'Namespaces or globs ("tenant-*"); each must match a namespace the platform creates.',
      },
      storageLocation: {
        schema: { type: 'string', enum: BACKUP_STORAGE_LOCATIONS },
        description:
          'Where backups go. "platform" (the default): the backup store each cluster\'s Terraform stack creates on its own cloud and region, which only that cluster\'s Velero identity may write. Buckets on another cloud are not accepted: a cluster has no identity there.',
      },
      encryption: { schema: { type: 'string', enum: BACKUP_ENCRYPTIONS }, description: 'Backup encryption. Default: AES-256-GCM.' },
    },
  },
};

/** The schema of each input kind's whole document: the validator's, and the source of the JSON Schema. */
export const DOCUMENT: Record<InputKind, ObjectSchema> = Object.fromEntries(
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
) as unknown as Record<InputKind, ObjectSchema>;

export interface ParsedDoc {
  /** The file it is in (path as given, relative to the project root). */
  readonly file: string;
  /** Its 1-based place among the file's documents. */
  readonly document: number;
  /** Its kind (CeresTenant, CeresDatabase, CeresBackup). */
  readonly kind: InputKind;
  /** Its metadata.name. */
  readonly name: string;
  /** The document as parsed (it passed its kind's schema). */
  readonly body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML, validated against the kind's schema
}

/**
 * What unusable documents might have declared: a tenant document with a syntax error or an invalid
 * field still names its tenant somewhere, and a database or backup referring to that tenant must not
 * be reported as well (one mistake, one message).
 */
interface MaybeDeclared {
  /** tenantIds of valid-looking tenant documents that failed validation. */
  readonly tenantIds: Set<string>;
  /** Every name-like word of tenant documents that could not be read at all. */
  readonly words: Set<string>;
}

const MB = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

function describeForeign(first: { apiVersion?: string; kind?: string }): string {
  const parts = [
    first.apiVersion !== undefined ? `apiVersion ${JSON.stringify(first.apiVersion)}` : '',
    first.kind !== undefined ? `kind ${JSON.stringify(first.kind)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const dump = first.kind === 'List' || (first.apiVersion === 'v1' && first.kind === undefined) ? ' (it looks like `kubectl get -o yaml` output)' : '';
  return `not a CERES input file: its first document has ${parts}${dump}; this folder holds only ${INPUT_API_VERSION} ${INPUT_KINDS.join(', ')} documents`;
}

/** A file that is not made of CERES documents, told from its first document without parsing it all. */
function foreignFile(file: InputFile): string | undefined {
  const first = sniffFirstDocument(file.content);
  const ceresApi = first.apiVersion !== undefined && /^ceres\.io\//.test(first.apiVersion);
  if (first.apiVersion !== undefined && !ceresApi) return describeForeign(first);
  if (first.apiVersion === undefined && first.kind !== undefined && !first.kind.startsWith('Ceres')) return describeForeign(first);
  if (file.size !== undefined) {
    return `is ${MB(file.size)}; input files are at most ${MB(MAX_INPUT_FILE_BYTES)} (a tenant takes a few hundred bytes): split it, or move it out if it is not tenant input`;
  }
  return undefined;
}

/** Parses YAML and checks each document against its kind's schema. */
function parseFile(file: InputFile, issues: InputIssue[], maybe: MaybeDeclared): ParsedDoc[] {
  const out: ParsedDoc[] = [];
  const foreign = foreignFile(file);
  if (foreign) {
    issues.push({ file: file.path, message: foreign });
    return out;
  }
  const docs = yamlLibrary().parseAllDocuments(file.content, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  let index = 0;
  for (const doc of list) {
    index++;
    const source = doc.range ? file.content.slice(doc.range[0], doc.range[2]) : '';
    if (doc.errors.length) {
      // The first error is the cause; the parser's further errors in the same document are nearly
      // always consequences of it (one bad indentation gives several), so they are only counted.
      const err = doc.errors[0];
      const { line, col } = lineOf(file.content, err.pos[0]);
      const more = doc.errors.length - 1;
      issues.push({
        file: file.path,
        document: index,
        line,
        column: col,
        excerpt: excerpt(file.content, line, col),
        message: `YAML syntax error at line ${line}, column ${col}: ${err.message.split('\n')[0]}${syntaxHint(err.code)}${more ? ` (${more} more parser error${more === 1 ? '' : 's'} in this document, probably caused by this one)` : ''}`,
      });
      if (!/^\s*kind:\s*["']?Ceres(Database|Backup)\b/m.test(source)) for (const w of nameTokens(source)) maybe.words.add(w);
      continue;
    }
    if (doc.contents === null) continue; // an empty document (a trailing `---`)
    if (!yamlLibrary().isMap(doc.contents)) {
      issues.push({ file: file.path, document: index, message: 'expected a mapping with apiVersion, kind, metadata and spec' });
      continue;
    }
    const body = doc.toJS({ maxAliasCount: 100 }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML, validated against the kind's schema
    const name = typeof body.metadata?.name === 'string' ? body.metadata.name : undefined;
    const kind = body.kind;
    const object = typeof kind === 'string' && name ? `${kind}/${name}` : undefined;
    const at = (i: SchemaIssue): InputIssue => ({ file: file.path, document: index, object, path: i.path, message: i.message });
    if (typeof kind === 'string' && KINDS_ELSEWHERE[kind]) {
      issues.push(at({ path: 'kind', message: `a ${kind} document does not belong among the tenant documents; move it to ${KINDS_ELSEWHERE[kind]}` }));
      continue;
    }
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
      if (hint === 'CeresTenant' || kind === undefined) for (const w of nameTokens(source)) maybe.words.add(w);
      continue;
    }
    const found: SchemaIssue[] = [];
    check(body, DOCUMENT[kind as InputKind], '', found);
    issues.push(...found.map(at));
    if (found.length === 0 && name) {
      out.push({ file: file.path, document: index, kind, name, body });
    } else if (kind === 'CeresTenant') {
      // Remembered although the document is invalid, so that what refers to the tenant is not reported too.
      if (typeof body.spec?.tenantId === 'string') maybe.tenantIds.add(body.spec.tenantId);
      else for (const w of nameTokens(source)) maybe.words.add(w);
    }
  }
  return out;
}

/** Shows at most {@link MAX_ISSUES_PER_FILE} problems per file, and how many more there are. */
function capPerFile(issues: readonly InputIssue[]): InputIssue[] {
  const perFile = new Map<string, InputIssue[]>();
  for (const i of issues) {
    const list = perFile.get(i.file) ?? [];
    list.push(i);
    perFile.set(i.file, list);
  }
  const out: InputIssue[] = [];
  for (const [file, list] of perFile) {
    out.push(...list.slice(0, MAX_ISSUES_PER_FILE));
    const rest = list.length - MAX_ISSUES_PER_FILE;
    if (rest > 0) out.push({ file, message: `${rest} more problem${rest === 1 ? '' : 's'} in this file not shown; fix these first` });
  }
  return out;
}

function listSome(values: readonly string[], max = 8): string {
  const sorted = values.slice().sort();
  return sorted.length > max ? `${sorted.slice(0, max).join(', ')} and ${sorted.length - max} more` : sorted.join(', ') || '(none)';
}

export interface ParseOptions {
  /** Problems found before parsing (misplaced files, unreadable folders), reported with the others. */
  readonly issues?: readonly InputIssue[];
  /**
   * What files parsed to before (the render cache's InputMemo): a file's documents and problems are a
   * function of its path and content alone, so a file unchanged since is not parsed again. @default none
   */
  readonly memo?: ParseMemo;
}

/** What one file parsed to: its documents that passed their schema, its problems and what they may declare. */
export interface ParsedFile {
  /** Its documents that passed their schema, in file order. */
  readonly docs: readonly ParsedDoc[];
  /** The problems found in the file alone, in the order found. */
  readonly issues: readonly InputIssue[];
  /** tenantIds of tenant documents in it that failed their schema (what refers to them is not reported too). */
  readonly tenantIds: readonly string[];
  /** Name-like words of tenant documents in it that could not be read at all (same purpose). */
  readonly words: readonly string[];
}

/** Where what files parsed to is kept between synths, by path and content (lib/core/render-cache.ts). */
export interface ParseMemo {
  /** What the file of `path` with `content` parsed to, when kept (a copy: the caller may keep it). */
  get(path: string, content: string): ParsedFile | undefined;
  /** Keeps what a file parsed to. */
  put(path: string, content: string, parsed: ParsedFile): void;
  /** Called once every file is parsed: keeps what this parse used (and may forget the rest). */
  flush?(): void;
}

/** Parses one file, or takes what it parsed to from `memo`; its problems and declarations added to `issues` and `maybe`. */
function parseFileMemo(file: InputFile, issues: InputIssue[], maybe: MaybeDeclared, memo: ParseMemo | undefined): readonly ParsedDoc[] {
  let parsed = memo?.get(file.path, file.content);
  if (!parsed) {
    const own: InputIssue[] = [];
    const declared: MaybeDeclared = { tenantIds: new Set(), words: new Set() };
    const docs = parseFile(file, own, declared);
    parsed = { docs, issues: own, tenantIds: [...declared.tenantIds], words: [...declared.words] };
    memo?.put(file.path, file.content, parsed);
  }
  issues.push(...parsed.issues);
  for (const t of parsed.tenantIds) maybe.tenantIds.add(t);
  for (const w of parsed.words) maybe.words.add(w);
  return parsed.docs;
}

/**
 * Reads the tenant input documents (CeresTenant, CeresDatabase, CeresBackup), validates each
 * against its schema and all of them against each other, and returns the typed model.
 * Throws an {@link InputError} listing every problem found: one message per mistake (a problem
 * that follows from another one is not reported), at most {@link MAX_ISSUES_PER_FILE} per file.
 */
export function parseTenantInput(files: readonly InputFile[], options: ParseOptions = {}): TenantInput {
  const issues: InputIssue[] = [...(options.issues ?? [])];
  const maybe: MaybeDeclared = { tenantIds: new Set(), words: new Set() };
  const docs = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).flatMap((f) => parseFileMemo(f, issues, maybe, options.memo));
  options.memo?.flush?.();
  const maybeDeclared = (tenantId: string) => maybe.tenantIds.has(tenantId) || maybe.words.has(tenantId);
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
    if (prev)
      issues.push(issueAt(d, path, `${what} is already used by ${prev.kind}/${prev.name} (${prev.file}, document ${prev.document}); it must be unique`));
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
        ...(s.ldap ? { ldap: s.ldap as TenantLdap } : {}),
        source: { file: d.file, document: d.document },
      };
    });
  const tenantIds = new Set(tenants.map((t) => t.tenantId));

  const databases: DatabaseSpec[] = [];
  for (const d of docs.filter((x) => x.kind === 'CeresDatabase')) {
    const s = d.body.spec;
    if (!tenantIds.has(s.tenantId)) {
      if (maybeDeclared(s.tenantId)) continue; // its tenant is invalid and already reported
      const hint = suggest(s.tenantId, [...tenantIds]);
      issues.push(
        issueAt(
          d,
          'spec.tenantId',
          `no CeresTenant has tenantId ${JSON.stringify(s.tenantId)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}; known tenantIds: ${listSome([...tenantIds])}`,
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
  // Namespaces that invalid tenant documents would have created: a glob matching one of them is not reported.
  const maybeNamespaces = [...maybe.tenantIds, ...maybe.words].map((w) => `${TENANT_NAMESPACE_PREFIX}${w}`);
  const backups: BackupSpec[] = [];
  for (const d of docs.filter((x) => x.kind === 'CeresBackup')) {
    const s = d.body.spec;
    let ok = true;
    (s.includeNamespaces as string[]).forEach((glob, i) => {
      const matches = namespaceGlob(glob);
      if (namespaces.some(matches)) return;
      ok = false;
      if (maybeNamespaces.some(matches)) return; // the tenant it names is invalid, and reported
      const kind = glob.includes('*') ? 'glob' : 'namespace';
      const tenantHint = glob.startsWith(TENANT_NAMESPACE_PREFIX) ? ` tenant namespaces are ${TENANT_NAMESPACE_PREFIX}<tenantId>;` : '';
      const hint = suggest(glob, namespaces);
      issues.push(
        issueAt(
          d,
          `spec.includeNamespaces[${i}]`,
          `${kind} ${JSON.stringify(glob)} matches no namespace the platform creates${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''};${tenantHint} known namespaces: ${listSome(namespaces)}`,
        ),
      );
    });
    if (!ok) continue;
    backups.push({
      name: d.name,
      schedulePolicy: s.schedulePolicy,
      retentionDays: s.retentionDays,
      includeNamespaces: s.includeNamespaces,
      storageLocation: s.storageLocation ?? 'platform',
      encryption: s.encryption ?? 'AES-256-GCM',
      source: { file: d.file, document: d.document },
    });
  }

  if (issues.length) throw new InputError(capPerFile(issues));
  return { tenants, databases, backups };
}
