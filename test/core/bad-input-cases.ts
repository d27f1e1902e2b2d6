/**
 * The bad-input suite: one malformed input per case, and the lines synth must print for it. Shared
 * by the synth test (test/core/bad-input.test.ts) and the JSON Schema agreement test
 * (test/core/json-schema.test.ts).
 */

export const VALID_TENANT = `apiVersion: ceres.io/v1
kind: CeresTenant
metadata: { name: good-tenant }
spec: { displayName: Good, tenantId: good-001, keycloakRealm: good-realm, databaseSchema: good_db, subscriptionLevel: starter }
`;

export const tenant = (spec: string, name = 'bad-tenant') => `apiVersion: ceres.io/v1
kind: CeresTenant
metadata: { name: ${name} }
spec: ${spec}
`;
export const tenantSpec = (over: Record<string, string>) => {
  const base: Record<string, string> = {
    displayName: 'Bad',
    tenantId: 'bad-001',
    keycloakRealm: 'bad-realm',
    databaseSchema: 'bad_db',
    subscriptionLevel: 'starter',
    ...over,
  };
  return `{ ${Object.entries(base)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')} }`;
};
export const database = (spec: string) => `apiVersion: ceres.io/v1
kind: CeresDatabase
metadata: { name: bad-db }
spec: ${spec}
`;
export const backup = (over: Record<string, string>) => {
  const base: Record<string, string> = {
    schedulePolicy: '"0 2 * * *"',
    retentionDays: '30',
    includeNamespaces: '[ceres]',
    storageLocation: 'platform',
    ...over,
  };
  return `apiVersion: ceres.io/v1
kind: CeresBackup
metadata: { name: bad-backup }
spec: { ${Object.entries(base)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')} }
`;
};

export const F = 'input/bad.yaml';

export const CASES: [string, string, string[]][] = [
  ['YAML syntax', 'apiVersion: ceres.io/v1\nkind: [CeresTenant\n', [`${F}, document 1: YAML syntax error at line 3, column 1`]],
  [
    'duplicate YAML keys',
    VALID_TENANT.replace('kind: CeresTenant', 'kind: CeresTenant\nkind: CeresTenant'),
    [`${F}, document 1: YAML syntax error at line 3, column 1: Map keys must be unique`],
  ],
  ['a document that is not a mapping', '- just\n- a list\n', [`${F}, document 1: expected a mapping with apiVersion, kind, metadata and spec`]],
  [
    'unknown apiVersion',
    tenant(tenantSpec({})).replace('ceres.io/v1', 'ceres.io/v2'),
    [`${F}, document 1 (CeresTenant/bad-tenant): apiVersion: "ceres.io/v2" is not supported; use "ceres.io/v1"`],
  ],
  [
    'unknown kind',
    tenant(tenantSpec({})).replace('CeresTenant', 'CeresTennant'),
    [
      `${F}, document 1 (CeresTennant/bad-tenant): kind: "CeresTennant" is not a known kind; allowed: CeresTenant, CeresDatabase, CeresBackup (did you mean "CeresTenant"?)`,
    ],
  ],
  [
    'missing required field',
    tenant(tenantSpec({ keycloakRealm: '' })),
    [
      `${F}, document 1 (CeresTenant/bad-tenant): spec.keycloakRealm: is required (a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit))`,
    ],
  ],
  [
    'misspelt field',
    tenant(tenantSpec({ tenantId: '', tenantID: 'bad-001' })),
    [
      `${F}, document 1 (CeresTenant/bad-tenant): spec.tenantID: unknown field (did you mean "tenantId"?); allowed fields: displayName, tenantId, keycloakRealm, databaseSchema, subscriptionLevel, environments, ldap, secrets`,
      `${F}, document 1 (CeresTenant/bad-tenant): spec.tenantId: is required`,
    ],
  ],
  [
    'unknown subscription level',
    tenant(tenantSpec({ subscriptionLevel: 'premium' })),
    [`${F}, document 1 (CeresTenant/bad-tenant): spec.subscriptionLevel: "premium" is not allowed; allowed: "starter", "professional", "enterprise"`],
  ],
  [
    'tenantId not a DNS label',
    tenant(tenantSpec({ tenantId: 'Acme_001' })),
    [
      `${F}, document 1 (CeresTenant/bad-tenant): spec.tenantId: "Acme_001" is not a DNS-1123 label with single hyphens (lowercase letters, digits and "-", starting and ending with a letter or digit, no "--": it separates the tenant from the key in cloud secret names)`,
    ],
  ],
  [
    'tenantId too long for derived names',
    tenant(tenantSpec({ tenantId: 'a'.repeat(49) })),
    [`${F}, document 1 (CeresTenant/bad-tenant): spec.tenantId: "${'a'.repeat(49)}" is 49 characters; at most 48 are allowed`],
  ],
  [
    'metadata.name not a DNS label',
    tenant(tenantSpec({}), 'Bad.Tenant'),
    [`${F}, document 1 (CeresTenant/Bad.Tenant): metadata.name: "Bad.Tenant" is not a DNS-1123 label`],
  ],
  [
    'databaseSchema not a Postgres identifier',
    tenant(tenantSpec({ databaseSchema: 'acme-db' })),
    [
      `${F}, document 1 (CeresTenant/bad-tenant): spec.databaseSchema: "acme-db" is not a PostgreSQL identifier: use lowercase letters, digits and '_', starting with a letter or '_'`,
    ],
  ],
  [
    'databaseSchema a reserved word',
    tenant(tenantSpec({ databaseSchema: 'select' })),
    [`${F}, document 1 (CeresTenant/bad-tenant): spec.databaseSchema: "select" is a reserved PostgreSQL key word; choose another name`],
  ],
  [
    'unknown environment',
    tenant(tenantSpec({ environments: '[prod, production]' })),
    [`${F}, document 1 (CeresTenant/bad-tenant): spec.environments[1]: "production" is not allowed; allowed: "dev", "staging", "prod"`],
  ],
  [
    'unsupported Postgres version',
    VALID_TENANT + '---\n' + database('{ type: postgres, replicas: 1, size: 10Gi, version: "12", tenantId: good-001 }'),
    [`${F}, document 2 (CeresDatabase/bad-db): spec.version: "12" is not allowed; allowed: "14", "15", "16", "17"`],
  ],
  [
    'replicas of the wrong type',
    VALID_TENANT + '---\n' + database('{ type: postgres, replicas: three, size: 10Gi, version: "16", tenantId: good-001 }'),
    [`${F}, document 2 (CeresDatabase/bad-db): spec.replicas: expected a whole number from 1 to 9, got the string "three"`],
  ],
  [
    'replicas out of range',
    VALID_TENANT + '---\n' + database('{ type: postgres, replicas: 0, size: 10Gi, version: "16", tenantId: good-001 }'),
    [`${F}, document 2 (CeresDatabase/bad-db): spec.replicas: 0 is out of range; allowed: 1 to 9`],
  ],
  [
    'malformed quantity',
    VALID_TENANT + '---\n' + database('{ type: postgres, replicas: 1, size: 100GB, version: "16", tenantId: good-001 }'),
    [`${F}, document 2 (CeresDatabase/bad-db): spec.size: "100GB" is not a Kubernetes quantity such as "100Gi"`],
  ],
  [
    'database for an unknown tenant',
    VALID_TENANT + '---\n' + database('{ type: postgres, replicas: 1, size: 10Gi, version: "16", tenantId: good-002 }'),
    [`${F}, document 2 (CeresDatabase/bad-db): spec.tenantId: no CeresTenant has tenantId "good-002" (did you mean "good-001"?); known tenantIds: good-001`],
  ],
  [
    'cron with four fields',
    backup({ schedulePolicy: '"0 2 * *"' }),
    [
      `${F}, document 1 (CeresBackup/bad-backup): spec.schedulePolicy: "0 2 * *" is not a 5-field cron expression (minute hour day-of-month month day-of-week, e.g. "0 2 * * *"); found 4 fields`,
    ],
  ],
  [
    'cron value out of range',
    backup({ schedulePolicy: '"61 2 * * *"' }),
    [`${F}, document 1 (CeresBackup/bad-backup): spec.schedulePolicy: cron minute value "61" is out of range; allowed: 0-59`],
  ],
  [
    'a bucket instead of the platform store',
    backup({ storageLocation: '"gs://ceres-offsite-backups/acme"' }),
    [`${F}, document 1 (CeresBackup/bad-backup): spec.storageLocation: "gs://ceres-offsite-backups/acme" is not allowed; allowed: "platform"`],
  ],
  [
    'retention out of range',
    backup({ retentionDays: '0' }),
    [`${F}, document 1 (CeresBackup/bad-backup): spec.retentionDays: 0 is out of range; allowed: 1 to 3650`],
  ],
  [
    'namespace glob matching nothing',
    backup({ includeNamespaces: '[ceres, "team-*"]' }),
    [`${F}, document 1 (CeresBackup/bad-backup): spec.includeNamespaces[1]: glob "team-*" matches no namespace the platform creates; known namespaces: `],
  ],
  [
    'duplicate tenantId',
    VALID_TENANT + '---\n' + VALID_TENANT.replace('good-tenant', 'other-tenant').replace('good-realm', 'other-realm'),
    [
      `${F}, document 2 (CeresTenant/other-tenant): spec.tenantId: tenantId "good-001" is already used by CeresTenant/good-tenant (${F}, document 1); it must be unique`,
    ],
  ],
  [
    'duplicate name',
    VALID_TENANT + '---\n' + VALID_TENANT.replace('good-001', 'good-002').replace('good-realm', 'other-realm'),
    [
      `${F}, document 2 (CeresTenant/good-tenant): metadata.name: CeresTenant name "good-tenant" is already used by CeresTenant/good-tenant (${F}, document 1); it must be unique`,
    ],
  ],
  [
    'plaintext in a sealed secret',
    tenant(tenantSpec({ secrets: '[{ name: db, sealed: { encryptedData: { password: "hunter2!" } } }]' })),
    [
      `${F}, document 1 (CeresTenant/bad-tenant): spec.secrets[0].sealed.encryptedData.password: "hunter2!" is not kubeseal output (base64); plaintext values are never accepted`,
    ],
  ],
  [
    'tenantId with "--" (it separates tenant and key in cloud secret names)',
    tenant(tenantSpec({ tenantId: 'bad--001' })),
    [
      `${F}, document 1 (CeresTenant/bad-tenant): spec.tenantId: "bad--001" is not a DNS-1123 label with single hyphens (lowercase letters, digits and "-", starting and ending with a letter or digit, no "--": it separates the tenant from the key in cloud secret names)`,
    ],
  ],
  [
    'external secret in a store the platform does not run',
    tenant(tenantSpec({ secrets: '[{ name: db, external: { store: vault, key: db } }]' })),
    [`${F}, document 1 (CeresTenant/bad-tenant): spec.secrets[0].external.store: "vault" is not allowed; allowed: "cloud"`],
  ],
  [
    'external secret key that is a path',
    tenant(tenantSpec({ secrets: '[{ name: db, external: { store: cloud, key: tenants/bad-001/db } }]' })),
    [
      `${F}, document 1 (CeresTenant/bad-tenant): spec.secrets[0].external.key: "tenants/bad-001/db" is not a secret name (lowercase letters, digits and "-"); in the cloud store it is held as tenant-<tenantId>--<key>`,
    ],
  ],
  [
    'LDAP federation over plain ldap://',
    tenant(tenantSpec({ ldap: '{ connectionUrl: "ldap://ldap.bad.test", vendor: ad, usersDn: "ou=people,dc=bad", bindDn: "cn=kc,dc=bad" }' })),
    [
      `${F}, document 1 (CeresTenant/bad-tenant): spec.ldap.connectionUrl: "ldap://ldap.bad.test" is not an ldaps:// URL such as "ldaps://ldap.acme.com:636" (plain ldap:// is refused)`,
    ],
  ],
  [
    'secret both sealed and external',
    tenant(tenantSpec({ secrets: '[{ name: db, sealed: { encryptedData: { p: QUJD } }, external: { store: cloud, key: ab } }]' })),
    [`${F}, document 1 (CeresTenant/bad-tenant): spec.secrets[0]: set exactly one of sealed, external (found sealed and external)`],
  ],
];

/**
 * Cases whose problem is not about one document's shape (YAML syntax, or rules across documents:
 * unique names and ids, a database's tenant, backup globs): the validator's alone; JSON Schema
 * cannot say them.
 */
export const VALIDATOR_ONLY = new Set([
  'YAML syntax',
  'duplicate YAML keys',
  'database for an unknown tenant',
  'namespace glob matching nothing',
  'duplicate tenantId',
  'duplicate name',
]);
