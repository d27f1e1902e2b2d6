/**
 * A tenant of the tests' own (never a live one), deployed to dev only with one database, that tests
 * of destructive changes add to a copy of the live tenants and then take away. One definition for
 * every such test: the run's render cache (test/support/render-cache-env.ts) renders "the live
 * tenants plus this one" once for all of them.
 */
export const DEPARTING_TENANT = {
  /** Its file in a tenants folder. */
  file: 'zz-departing.yaml',
  tenantId: 'departing-901',
  /** Its namespace. */
  namespace: 'tenant-departing-901',
  /** Its CeresDatabase (a CloudNativePG Cluster of that name in its namespace). */
  database: 'departing-postgres',
  /** The file's content: the tenant and its database. */
  yaml:
    'apiVersion: ceres.io/v1\nkind: CeresTenant\nmetadata: { name: departing-tenant }\nspec: { displayName: Departing, tenantId: departing-901, keycloakRealm: departing-realm, databaseSchema: departing, subscriptionLevel: starter, environments: [dev] }\n' +
    '---\napiVersion: ceres.io/v1\nkind: CeresDatabase\nmetadata: { name: departing-postgres }\nspec: { type: postgres, replicas: 1, size: 10Gi, version: "16", tenantId: departing-901 }\n',
} as const;
