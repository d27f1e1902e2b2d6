import { platform } from '../../apps/platform/platform';
import { InputError } from '../../lib/core/errors';
import { parseTenantInput } from '../../lib/core/input/documents';
import { checkCron, namespaceGlob } from '../../lib/core/input/rules';
import { parseQuantity } from '../../lib/core/quantity';
import { EnvironmentConfig, PlatformConfig } from '../../lib/core/model';
import { MAX_TENANT_ID_LENGTH, applicationName, tenantNames } from '../../lib/core/names';
import { validatePlatform } from '../../lib/core/platform-validation';

function issuesOf(fn: () => void): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

const withEnv = (i: number, change: (e: EnvironmentConfig) => EnvironmentConfig): PlatformConfig => ({
  ...platform,
  environments: platform.environments.map((e, j) => (i === j ? change(e) : e)),
});

describe('the platform description', () => {
  it('accepts the embedded default', () => {
    expect(issuesOf(() => validatePlatform(platform, 'platform.ts'))).toEqual([]);
  });

  it('refuses a cluster name used twice', () => {
    const dup = withEnv(1, (e) => ({ ...e, clusters: [...e.clusters, { ...e.clusters[0] }] }));
    expect(issuesOf(() => validatePlatform(dup, 'p.ts'))).toContain(
      'environments[1].clusters[2].name: cluster name ceres-staging-aws is used twice; cluster names are unique across the platform',
    );
  });

  it('refuses a canary step Flagger cannot parse (hours), naming the field and what is allowed', () => {
    const bad = withEnv(2, (e) => ({
      ...e,
      sizing: { ...e.sizing, delivery: { canaryStepInterval: '2h', canaryMetricWindow: '10m', canaryFailureThreshold: 3 } },
    }));
    expect(issuesOf(() => validatePlatform(bad, 'p.ts'))).toEqual([
      'environments[2].sizing.delivery.canaryStepInterval: "2h" is not allowed; a duration in seconds or minutes such as "90s" or "120m" (Flagger accepts no hours)',
    ]);
  });

  it('refuses an HA environment running single replicas', () => {
    const bad = withEnv(2, (e) => ({ ...e, sizing: { ...e.sizing, istiod: { min: 1, max: 3 } } }));
    expect(issuesOf(() => validatePlatform(bad, 'p.ts'))).toContain('environments[2].sizing.istiod.min: an HA environment runs at least 2 replicas, got 1');
  });

  it('refuses node pools whose sizes do not nest', () => {
    const bad = withEnv(0, (e) => ({
      ...e,
      clusters: [{ ...e.clusters[0], nodePools: [{ name: 'system', purpose: 'system', instanceType: 't3.large', min: 3, desired: 2, max: 1 }] }],
    }));
    expect(issuesOf(() => validatePlatform(bad, 'p.ts'))).toContain(
      'environments[0].clusters[0].nodePools[0]: needs 0 <= min <= desired <= max and max >= 1, got 3/2/1',
    );
  });

  it('refuses a cloud cluster without a network and an old Kubernetes', () => {
    const bad = withEnv(0, (e) => ({ ...e, clusters: [{ ...e.clusters[0], networkCidr: '10.0.0.0/33', kubernetesVersion: '1.27' }] }));
    expect(issuesOf(() => validatePlatform(bad, 'p.ts'))).toEqual([
      'environments[0].clusters[0].networkCidr: cloud clusters need a network CIDR such as "10.30.0.0/16"',
      'environments[0].clusters[0].kubernetesVersion: "1.27" is not supported; use 1.28 or newer',
    ]);
  });
});

describe('derived names', () => {
  it('keep every name derived from the longest allowed tenantId within 63 characters', () => {
    const id = 'a'.repeat(MAX_TENANT_ID_LENGTH);
    const names = tenantNames(id);
    for (const env of ['dev', 'staging', 'prod']) expect(applicationName(env, names.folder).length).toBeLessThanOrEqual(63);
    expect(names.namespace.length).toBeLessThanOrEqual(63);
    expect(applicationName('staging', tenantNames(id + 'a').folder).length).toBe(64);
  });
});

describe('value rules', () => {
  it.each([
    ['0 2 * * *', undefined],
    ['*/15 0-6,22,23 1-31/2 jan-jun mon-fri', undefined],
    ['0 0 * * 7', undefined],
    ['0 24 * * *', 'cron hour value "24" is out of range; allowed: 0-23'],
    ['0 0 0 * *', 'cron day of month value "0" is out of range; allowed: 1-31'],
    ['0 0 * 13 *', 'cron month value "13" is out of range; allowed: 1-12 or jan-dec'],
    ['0 0 * * 5-1', 'cron day of week range "5-1" runs backwards'],
    ['*/0 * * * *', 'cron minute step must be at least 1 in "*/0"'],
    ['@daily', '"@daily" is not a 5-field cron expression (minute hour day-of-month month day-of-week, e.g. "0 2 * * *"); found 1 field'],
  ])('cron %s', (expr, expected) => {
    expect(checkCron(expr)).toBe(expected);
  });

  it('parses quantities in binary and decimal units', () => {
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('1.5G')).toBe(1.5e9);
    expect(parseQuantity('100GB')).toBeUndefined();
  });

  it('matches namespace globs literally apart from *', () => {
    expect(namespaceGlob('tenant-*')('tenant-acme-001')).toBe(true);
    expect(namespaceGlob('tenant-*')('ceres')).toBe(false);
    expect(namespaceGlob('a.b')('axb')).toBe(false);
  });
});

describe('tenant input cross-references', () => {
  it('does not also report the databases of a tenant that is itself invalid', () => {
    const files = [
      {
        path: 't.yaml',
        content:
          'apiVersion: ceres.io/v1\nkind: CeresTenant\nmetadata: { name: t }\nspec: { displayName: T, tenantId: t-1, keycloakRealm: t, databaseSchema: t, subscriptionLevel: gold }\n---\n' +
          'apiVersion: ceres.io/v1\nkind: CeresDatabase\nmetadata: { name: d }\nspec: { type: postgres, replicas: 1, size: 1Gi, version: 16, tenantId: t-1 }\n',
      },
    ];
    expect(issuesOf(() => parseTenantInput(files))).toEqual([
      'spec.subscriptionLevel: "gold" is not allowed; allowed: "starter", "professional", "enterprise"',
    ]);
  });

  it('applies defaults: every environment, no secrets, AES-256-GCM backups, integer versions read as strings', () => {
    const input = parseTenantInput([
      {
        path: 'x.yaml',
        content:
          'apiVersion: ceres.io/v1\nkind: CeresTenant\nmetadata: { name: t }\nspec: { displayName: T, tenantId: t-1, keycloakRealm: t, databaseSchema: t, subscriptionLevel: starter }\n---\n' +
          'apiVersion: ceres.io/v1\nkind: CeresDatabase\nmetadata: { name: d }\nspec: { type: postgres, replicas: 1, size: 1Gi, version: 16, tenantId: t-1 }\n---\n' +
          'apiVersion: ceres.io/v1\nkind: CeresBackup\nmetadata: { name: b }\nspec: { schedulePolicy: "0 1 * * *", retentionDays: 7, includeNamespaces: [tenant-t-1] }\n',
      },
    ]);
    expect(input.tenants[0].environments).toEqual(['dev', 'staging', 'prod']);
    expect(input.backups[0].storageLocation).toBe('platform');
    expect(input.tenants[0].secrets).toEqual([]);
    expect(input.databases[0].version).toBe('16');
    expect(input.backups[0].encryption).toBe('AES-256-GCM');
  });
});
