import { InputFile } from '../lib/core/input/documents';
import { SUBSCRIPTION_LEVELS } from '../lib/core/input/types';

/** `count` generated tenants across the tiers, each with a database, as input documents. */
export function generatedTenants(count: number): InputFile[] {
  const files: InputFile[] = [];
  for (let i = 0; i < count; i++) {
    const id = `bench-${String(i).padStart(5, '0')}`;
    const tier = SUBSCRIPTION_LEVELS[i % SUBSCRIPTION_LEVELS.length];
    files.push({
      path: `bench/${id}.yaml`,
      content: `apiVersion: ceres.io/v1
kind: CeresTenant
metadata: { name: ${id} }
spec: { displayName: Bench tenant ${i}, tenantId: ${id}, keycloakRealm: ${id}-realm, databaseSchema: bench_${i}, subscriptionLevel: ${tier} }
---
apiVersion: ceres.io/v1
kind: CeresDatabase
metadata: { name: ${id}-db }
spec: { type: postgres, replicas: ${1 + (i % 3)}, size: 20Gi, version: "16", tenantId: ${id} }
`,
    });
  }
  files.push({
    path: 'bench/backups.yaml',
    content: `apiVersion: ceres.io/v1
kind: CeresBackup
metadata: { name: daily }
spec: { schedulePolicy: "0 2 * * *", retentionDays: 30, includeNamespaces: [ceres, "tenant-*"], storageLocation: platform }
`,
  });
  return files;
}

/**
 * The benchmark's one-tenant edit: the first tenant's displayName changed, the rest as they were.
 * Each `variant` is another name (the benchmark's repeated edits each render the tenant anew).
 */
export function withFirstTenantRenamed(files: readonly InputFile[], variant = 0): InputFile[] {
  const name = variant === 0 ? 'Bench tenant zero' : `Bench tenant zero ${variant}`;
  return files.map((f, i) => (i === 0 ? { ...f, content: f.content.replace('displayName: Bench tenant 0,', `displayName: ${name},`) } : f));
}
