import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platform } from '../../apps/platform/platform';
import { synthesize } from '../../apps/synthesize';
import { InputError } from '../../lib/core/errors';
import { PlatformConfig } from '../../lib/core/model';
import { stacksOnlyCache } from '../support/fixture-stacks';

/** A tenant with a database in dev, written for the test (not one of the live tenants). */
const TENANT =
  'apiVersion: ceres.io/v1\nkind: CeresTenant\nmetadata: { name: t }\nspec: { displayName: T, tenantId: dbsite-901, keycloakRealm: dbsite-realm, databaseSchema: dbsite, subscriptionLevel: starter, environments: [dev] }\n' +
  '---\napiVersion: ceres.io/v1\nkind: CeresDatabase\nmetadata: { name: dbsite-postgres }\nspec: { type: postgres, replicas: 1, size: 10Gi, version: "16", tenantId: dbsite-901 }\n';

describe('database sites', () => {
  it('refuses databases in an environment without a database site (CloudNativePG runs only there), naming the field, before rendering', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ceres-dbsite-'));
    try {
      writeFileSync(join(dir, 't.yaml'), TENANT);
      const gcp = platform.environments.flatMap((e) => e.clusters).find((c) => c.cloud === 'gcp')!;
      const i = platform.environments.findIndex((e) => e.name === 'dev');
      const dev = platform.environments[i];
      // dev on one GKE Autopilot cluster: workloads nowhere on AWS or Azure.
      const variant: PlatformConfig = {
        ...platform,
        environments: platform.environments.map((e) =>
          e === dev ? { ...e, clusters: [{ ...gcp, name: 'ceres-dev-gcp', role: 'primary', networkCidr: dev.clusters[0].networkCidr }] } : e,
        ),
      };
      let error: unknown;
      try {
        synthesize({ platform: variant, tenantsDir: dir, environments: ['dev'] });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      const issue = (error as InputError).issues.find((x) => x.path === `environments[${i}].clusters`);
      expect(issue?.message).toBe(
        "dev has no database site (a cluster with workloads on AWS or Azure), but these databases deploy there: dbsite-postgres (tenant dbsite-901); add such a cluster or take dev out of the tenants' environments",
      );
      // The same tenant on the live platform is fine.
      expect(() => synthesize({ tenantsDir: dir, environments: ['dev'], cache: stacksOnlyCache() })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
