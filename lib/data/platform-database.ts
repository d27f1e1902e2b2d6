import { Chart } from 'cdk8s';
import { PLATFORM_DATABASE, platformDatabaseInstances, ReplicatedDatabase } from '../core/database-topology';
import { EnvironmentConfig } from '../core/model';
import { DatabaseCredentials } from '../core/secret-store';
import { Labels } from '../core/names';
import { PLATFORM_PRIORITY_CLASS } from '../quotas';
import { TenantDatabase } from './tenant-database';

/** Pods of the platform database's instances (CloudNativePG labels every instance pod with its Cluster and role). */
export const PLATFORM_DATABASE_PODS = {
  namespace: PLATFORM_DATABASE.namespace,
  podLabels: { 'cnpg.io/cluster': PLATFORM_DATABASE.name, 'cnpg.io/podRole': 'instance' },
} as const;

/**
 * The platform database's Cluster on one of its sites (lib/core/database-topology.ts
 * `PLATFORM_DATABASE`): the core services' PostgreSQL in `ceres`, built like a tenant's database
 * (archive to the site's own store, replay of the other sites'), at the platform's priority; its
 * credentials from the cloud store where given (lib/core/secret-store.ts `platformDatabaseCredentials`).
 */
export function platformDatabaseSite(
  chart: Chart,
  environment: EnvironmentConfig,
  db: ReplicatedDatabase,
  cluster: string,
  credentials?: DatabaseCredentials,
): TenantDatabase {
  const self = db.sites.find((s) => s.cluster.name === cluster);
  if (!self) throw new Error(`cluster ${cluster} is no site of the platform database (sites: ${db.sites.map((s) => s.cluster.name).join(', ')})`);
  const ha = environment.sizing.ha;
  return new TenantDatabase(chart, PLATFORM_DATABASE.name, {
    spec: { name: PLATFORM_DATABASE.name, replicas: platformDatabaseInstances(ha), size: PLATFORM_DATABASE.size, version: PLATFORM_DATABASE.version },
    namespace: PLATFORM_DATABASE.namespace,
    databaseName: PLATFORM_DATABASE.database,
    resources: PLATFORM_DATABASE.resources,
    priorityClassName: PLATFORM_PRIORITY_CLASS.name,
    labels: { [Labels.costCenter]: 'platform' },
    ha,
    credentials,
    topology: { self, primary: db.primary, sites: db.sites, objectives: db.objectives },
  });
}
