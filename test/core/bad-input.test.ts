import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSynth } from '../../apps/synth';
import { readTree } from '../../lib/core/tree';

/**
 * Malformed tenant input must be refused with a message naming the file, the document, the field
 * and what is allowed; the exit code is non-zero, no stack trace is printed and dist/ is untouched.
 */

const VALID_TENANT = `apiVersion: ceres.io/v1
kind: CeresTenant
metadata: { name: good-tenant }
spec: { displayName: Good, tenantId: good-001, keycloakRealm: good-realm, databaseSchema: good_db, subscriptionLevel: starter }
`;

const tenant = (spec: string, name = 'bad-tenant') => `apiVersion: ceres.io/v1
kind: CeresTenant
metadata: { name: ${name} }
spec: ${spec}
`;
const tenantSpec = (over: Record<string, string>) => {
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
const database = (spec: string) => `apiVersion: ceres.io/v1
kind: CeresDatabase
metadata: { name: bad-db }
spec: ${spec}
`;
const backup = (over: Record<string, string>) => {
  const base: Record<string, string> = {
    schedulePolicy: '"0 2 * * *"',
    retentionDays: '30',
    includeNamespaces: '[ceres]',
    storageLocation: '"s3://ceres-backups/"',
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

const F = 'input/bad.yaml';

const CASES: [string, string, string[]][] = [
  ['YAML syntax', 'apiVersion: ceres.io/v1\nkind: [CeresTenant\n', [`${F}, document 1: YAML syntax error at line 3, column 1`]],
  ['duplicate YAML keys', VALID_TENANT.replace('kind: CeresTenant', 'kind: CeresTenant\nkind: CeresTenant'), [`${F}, document 1: YAML syntax error at line 3, column 1: Map keys must be unique`]],
  ['a document that is not a mapping', '- just\n- a list\n', [`${F}, document 1: expected a mapping with apiVersion, kind, metadata and spec`]],
  ['unknown apiVersion', tenant(tenantSpec({})).replace('ceres.io/v1', 'ceres.io/v2'), [`${F}, document 1 (CeresTenant/bad-tenant): apiVersion: "ceres.io/v2" is not supported; use "ceres.io/v1"`]],
  ['unknown kind', tenant(tenantSpec({})).replace('CeresTenant', 'CeresTennant'), [`${F}, document 1 (CeresTennant/bad-tenant): kind: "CeresTennant" is not a known kind; allowed: CeresTenant, CeresDatabase, CeresBackup (did you mean "CeresTenant"?)`]],
  ['missing required field', tenant(tenantSpec({ keycloakRealm: '' })), [`${F}, document 1 (CeresTenant/bad-tenant): spec.keycloakRealm: is required (a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit))`]],
  ['misspelt field', tenant(tenantSpec({ tenantId: '', tenantID: 'bad-001' })), [
    `${F}, document 1 (CeresTenant/bad-tenant): spec.tenantID: unknown field (did you mean "tenantId"?); allowed fields: displayName, tenantId, keycloakRealm, databaseSchema, subscriptionLevel, environments, secrets`,
    `${F}, document 1 (CeresTenant/bad-tenant): spec.tenantId: is required`,
  ]],
  ['unknown subscription level', tenant(tenantSpec({ subscriptionLevel: 'premium' })), [`${F}, document 1 (CeresTenant/bad-tenant): spec.subscriptionLevel: "premium" is not allowed; allowed: "starter", "professional", "enterprise"`]],
  ['tenantId not a DNS label', tenant(tenantSpec({ tenantId: 'Acme_001' })), [`${F}, document 1 (CeresTenant/bad-tenant): spec.tenantId: "Acme_001" is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)`]],
  ['tenantId too long for derived names', tenant(tenantSpec({ tenantId: 'a'.repeat(49) })), [`${F}, document 1 (CeresTenant/bad-tenant): spec.tenantId: "${'a'.repeat(49)}" is 49 characters; at most 48 are allowed`]],
  ['metadata.name not a DNS label', tenant(tenantSpec({}), 'Bad.Tenant'), [`${F}, document 1 (CeresTenant/Bad.Tenant): metadata.name: "Bad.Tenant" is not a DNS-1123 label`]],
  ['databaseSchema not a Postgres identifier', tenant(tenantSpec({ databaseSchema: 'acme-db' })), [`${F}, document 1 (CeresTenant/bad-tenant): spec.databaseSchema: "acme-db" is not a PostgreSQL identifier: use lowercase letters, digits and '_', starting with a letter or '_'`]],
  ['databaseSchema a reserved word', tenant(tenantSpec({ databaseSchema: 'select' })), [`${F}, document 1 (CeresTenant/bad-tenant): spec.databaseSchema: "select" is a reserved PostgreSQL key word; choose another name`]],
  ['unknown environment', tenant(tenantSpec({ environments: '[prod, production]' })), [`${F}, document 1 (CeresTenant/bad-tenant): spec.environments[1]: "production" is not allowed; allowed: "dev", "staging", "prod"`]],
  ['unsupported Postgres version', VALID_TENANT + '---\n' + database('{ type: postgres, replicas: 1, size: 10Gi, version: "12", tenantId: good-001 }'), [`${F}, document 2 (CeresDatabase/bad-db): spec.version: "12" is not allowed; allowed: "14", "15", "16", "17"`]],
  ['replicas of the wrong type', VALID_TENANT + '---\n' + database('{ type: postgres, replicas: three, size: 10Gi, version: "16", tenantId: good-001 }'), [`${F}, document 2 (CeresDatabase/bad-db): spec.replicas: expected a whole number from 1 to 9, got the string "three"`]],
  ['replicas out of range', VALID_TENANT + '---\n' + database('{ type: postgres, replicas: 0, size: 10Gi, version: "16", tenantId: good-001 }'), [`${F}, document 2 (CeresDatabase/bad-db): spec.replicas: 0 is out of range; allowed: 1 to 9`]],
  ['malformed quantity', VALID_TENANT + '---\n' + database('{ type: postgres, replicas: 1, size: 100GB, version: "16", tenantId: good-001 }'), [`${F}, document 2 (CeresDatabase/bad-db): spec.size: "100GB" is not a Kubernetes quantity such as "100Gi"`]],
  ['database for an unknown tenant', VALID_TENANT + '---\n' + database('{ type: postgres, replicas: 1, size: 10Gi, version: "16", tenantId: good-002 }'), [`${F}, document 2 (CeresDatabase/bad-db): spec.tenantId: no CeresTenant has tenantId "good-002" (did you mean "good-001"?); known tenantIds: good-001`]],
  ['cron with four fields', backup({ schedulePolicy: '"0 2 * *"' }), [`${F}, document 1 (CeresBackup/bad-backup): spec.schedulePolicy: "0 2 * *" is not a 5-field cron expression (minute hour day-of-month month day-of-week, e.g. "0 2 * * *"); found 4 fields`]],
  ['cron value out of range', backup({ schedulePolicy: '"61 2 * * *"' }), [`${F}, document 1 (CeresBackup/bad-backup): spec.schedulePolicy: cron minute value "61" is out of range; allowed: 0-59`]],
  ['unsupported storage scheme', backup({ storageLocation: '"ftp://backups/"' }), [`${F}, document 1 (CeresBackup/bad-backup): spec.storageLocation: scheme "ftp://" is not supported; allowed: s3://, gs://, azure://`]],
  ['retention out of range', backup({ retentionDays: '0' }), [`${F}, document 1 (CeresBackup/bad-backup): spec.retentionDays: 0 is out of range; allowed: 1 to 3650`]],
  ['namespace glob matching nothing', backup({ includeNamespaces: '[ceres, "team-*"]' }), [`${F}, document 1 (CeresBackup/bad-backup): spec.includeNamespaces[1]: glob "team-*" matches no namespace the platform creates; known namespaces: `]],
  ['duplicate tenantId', VALID_TENANT + '---\n' + VALID_TENANT.replace('good-tenant', 'other-tenant').replace('good-realm', 'other-realm'), [`${F}, document 2 (CeresTenant/other-tenant): spec.tenantId: tenantId "good-001" is already used by CeresTenant/good-tenant (${F}, document 1); it must be unique`]],
  ['duplicate name', VALID_TENANT + '---\n' + VALID_TENANT.replace('good-001', 'good-002').replace('good-realm', 'other-realm'), [`${F}, document 2 (CeresTenant/good-tenant): metadata.name: CeresTenant name "good-tenant" is already used by CeresTenant/good-tenant (${F}, document 1); it must be unique`]],
  ['plaintext in a sealed secret', tenant(tenantSpec({ secrets: '[{ name: db, sealed: { encryptedData: { password: "hunter2!" } } }]' })), [`${F}, document 1 (CeresTenant/bad-tenant): spec.secrets[0].sealed.encryptedData.password: "hunter2!" is not kubeseal output (base64); plaintext values are never accepted`]],
  ['secret both sealed and external', tenant(tenantSpec({ secrets: '[{ name: db, sealed: { encryptedData: { p: QUJD } }, external: { store: vault, key: a/b } }]' })), [`${F}, document 1 (CeresTenant/bad-tenant): spec.secrets[0]: set exactly one of sealed, external (found sealed and external)`]],
];

describe('bad tenant input', () => {
  let work: string;
  let out: string;
  let before: Map<string, string>;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'ceres-bad-input-'));
    out = join(work, 'dist');
    mkdirSync(join(out, 'prod', 'core'), { recursive: true });
    writeFileSync(join(out, 'prod', 'core', 'namespace.yaml'), 'committed: content\n');
    writeFileSync(join(out, 'stale.yaml'), 'kept: because nothing is written\n');
    before = readTree(out);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(CASES)('refuses %s', (_name, content, expected) => {
    const dir = join(work, 'input');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'bad.yaml'), content);
    const err: string[] = [];
    const code = runSynth(['--tenants', dir, '--out', out], { out: () => undefined, err: (l) => err.push(l) });
    const text = err.join('\n').split(work + '/').join('');
    expect(code).toBe(1);
    expect(text).toMatch(/^synth failed; nothing was written\.\n\d+ problems? in the platform input:/);
    for (const line of expected) expect(text).toContain(`  - ${line}`);
    expect(text).not.toMatch(/\n\s+at /); // no stack trace
    expect(readTree(out)).toEqual(before);
  });

  it('reports every problem of every file together', () => {
    const dir = join(work, 'input');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.yaml'), tenant(tenantSpec({ subscriptionLevel: 'gold' })));
    writeFileSync(join(dir, 'b.yaml'), backup({ retentionDays: '0', schedulePolicy: '"* * *"' }));
    const err: string[] = [];
    expect(runSynth(['--tenants', dir, '--out', out], { out: () => undefined, err: (l) => err.push(l) })).toBe(1);
    const text = err.join('\n');
    expect(text).toContain('3 problems in the platform input');
    expect(text).toContain('input/a.yaml, document 1 (CeresTenant/bad-tenant): spec.subscriptionLevel');
    expect(text).toContain('input/b.yaml, document 1 (CeresBackup/bad-backup): spec.schedulePolicy');
    expect(text).toContain('input/b.yaml, document 1 (CeresBackup/bad-backup): spec.retentionDays');
    expect(readTree(out)).toEqual(before);
  });
});
