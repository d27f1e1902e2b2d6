import Ajv from 'ajv';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { PROJECT_ROOT } from '../../apps/synthesize';
import { InputError } from '../../lib/core/errors';
import { parseApprovals } from '../../lib/core/input/approvals';
import { parseTenantInput } from '../../lib/core/input/documents';
import { jsonSchemaFiles } from '../../lib/core/input/json-schema';
import { CASES, database, F, tenant, tenantSpec, VALID_TENANT, VALIDATOR_ONLY } from './bad-input-cases';

const files = jsonSchemaFiles();
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const tenantSchema = ajv.compile(JSON.parse(files.get('schemas/ceres.schema.json')!));
const approvalsSchema = ajv.compile(JSON.parse(files.get('schemas/approved-deletions.schema.json')!));

/** Which documents of a file the validator refuses (1-based), and whether it reports the file as a whole. */
function validatorVerdict(content: string): Set<number> {
  try {
    parseTenantInput([{ path: F, content }]);
    return new Set();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return new Set(err.issues.map((i) => i.document ?? 0));
  }
}

function schemaVerdict(content: string): Set<number> {
  const bad = new Set<number>();
  parseAllDocuments(content).forEach((doc, i) => {
    if (!tenantSchema(doc.toJS())) bad.add(i + 1);
  });
  return bad;
}

describe('the JSON Schema of the input documents', () => {
  it.each([...files.keys()])('%s is committed and current (run `npm run schema` when this fails)', (path) => {
    expect(readFileSync(join(PROJECT_ROOT, path), 'utf8')).toBe(files.get(path));
  });

  const documentCases = CASES.filter(([name]) => !VALIDATOR_ONLY.has(name));
  const extraCases: [string, string][] = [
    ['valid tenant', VALID_TENANT],
    [
      'cron expression with names, lists, ranges and steps',
      VALID_TENANT.replace('good-tenant', 'x') +
        '---\napiVersion: ceres.io/v1\nkind: CeresBackup\nmetadata: { name: b }\nspec: { schedulePolicy: "*/15 1-5 1,15 JAN-mar MON-fri", retentionDays: 7, includeNamespaces: [ceres], storageLocation: "gs://b-1/x/y" }\n',
    ],
    ['integer PostgreSQL version', VALID_TENANT + '---\n' + database('{ type: postgres, replicas: 1, size: 10Gi, version: 16, tenantId: good-001 }')],
    ['schema name starting with pg_', tenant(tenantSpec({ databaseSchema: 'pg_data' }))],
    [
      'storage URI with an empty path segment',
      VALID_TENANT +
        '---\napiVersion: ceres.io/v1\nkind: CeresBackup\nmetadata: { name: b }\nspec: { schedulePolicy: "0 1 * * *", retentionDays: 7, includeNamespaces: [ceres], storageLocation: "s3://bucket//x" }\n',
    ],
    ['empty optional field', tenant(`${tenantSpec({}).slice(0, -2)}, environments: }`)],
    ['external secret', tenant(tenantSpec({ secrets: '[{ name: db, external: { store: cloud, key: ab } }]' }))],
    ['secret with neither source', tenant(tenantSpec({ secrets: '[{ name: db }]' }))],
  ];

  it.each([...documentCases.map(([name, content]) => [name, content] as [string, string]), ...extraCases])(
    'agrees with the validator on which documents are invalid: %s',
    (_name, content) => {
      expect(schemaVerdict(content)).toEqual(validatorVerdict(content));
    },
  );

  it('accepts every example document, and each example file points editors at it', () => {
    const dir = join(PROJECT_ROOT, 'apps', 'platform', 'tenants');
    for (const name of readdirSync(dir)) {
      const content = readFileSync(join(dir, name), 'utf8');
      const ref = /^# yaml-language-server: \$schema=(\S+)$/m.exec(content.split('\n')[0]);
      expect({ name, ref: ref?.[1] }).toEqual({ name, ref: '../../../schemas/ceres.schema.json' });
      expect(existsSync(join(dirname(join(dir, name)), ref![1]))).toBe(true);
      expect({ name, invalid: [...schemaVerdict(content)] }).toEqual({ name, invalid: [] });
    }
  });

  it('covers the approved deletions file too', () => {
    const good =
      'apiVersion: ceres.io/v1\nkind: CeresApprovedDeletions\nmetadata: { name: a }\nspec:\n  deletions:\n    - object: "prod:Namespace/tenant-x"\n      reason: Offboarded (OPS-1)\n';
    expect(approvalsSchema(parseAllDocuments(good)[0].toJS())).toBe(true);
    expect(parseApprovals({ path: 'a.yaml', content: good })).toHaveLength(1);
    for (const bad of [good.replace('Offboarded (OPS-1)', 'short'), good.replace('prod:Namespace/tenant-x', 'tenant x'), good.replace('reason', 'why')]) {
      expect(approvalsSchema(parseAllDocuments(bad)[0].toJS())).toBe(false);
      expect(() => parseApprovals({ path: 'a.yaml', content: bad })).toThrow(InputError);
    }
  });
});
