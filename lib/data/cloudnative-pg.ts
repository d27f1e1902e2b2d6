import { KEYCLOAK } from '../core/realm';
import { CNPG_OPERATOR_SERVICE_ACCOUNT } from '../hardening';
import { HelmChart } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, Resources } from '../core/pod-security';
import { DATABASE_SITES, placementApplies } from '../core/topology';
import { ARCHIVE_READER_CONFIGMAP, databaseSites } from '../core/database-topology';
import { DATABASES_FOLDER, DISASTER_RECOVERY_FOLDER, RUNBOOK_FILE } from './disaster-recovery';
import { SyncWave } from '../core/argocd';
import { kubePrometheusStack } from '../observability';

/** The CloudNativePG operator chart values we set (https://cloudnative-pg.github.io/charts). */
export interface CloudNativePgValues {
  /** Install the CloudNativePG CRDs with the chart. */
  readonly crds: { readonly create: boolean };
  /** Operator replicas: 2 in HA environments, else 1. */
  readonly replicaCount: number;
  /** The operator's ServiceAccount, the one the admission policy reserving `cnpg.io/podRole` exempts. */
  readonly serviceAccount: { readonly create: boolean; readonly name: string };
  /** The chart ships none; the platform's admission policy requires requests and limits. */
  readonly resources: Resources;
  /** A PodMonitor for the operator (kube-prometheus-stack picks it up by the release label). */
  readonly monitoring: { readonly podMonitorEnabled: boolean; readonly podMonitorAdditionalLabels: Record<string, string> };
}

/**
 * The CloudNativePG operator at the release imports/ was generated from (1.30.0, chart 0.29.0), on the
 * environment's database sites (the primary cluster and its replica sites on other clouds,
 * lib/core/database-topology.ts). Its pods meet Pod Security "restricted" with the chart's defaults.
 */
export const cloudNativePg: HelmChart<CloudNativePgValues> = {
  name: 'cloudnative-pg',
  chart: { repoURL: 'https://cloudnative-pg.github.io/charts', chart: 'cloudnative-pg', version: '0.29.0' },
  kubeVersion: '>=1.29.0-0',
  namespace: PlatformNamespaces.cnpg,
  placement: DATABASE_SITES,
  crdGroups: ['postgresql.cnpg.io'],
  description: 'PostgreSQL operator for the platform and tenant databases',
  // After kube-prometheus-stack's wave: the chart's PodMonitor needs the monitoring.coreos.com CRDs.
  syncWave: SyncWave.operators + 1,
  // Sites that read another cloud's archive (or use Azure workload identity) need the identity ids, which exist only after apply.
  bootstrap: ({ environment, cluster }) => {
    const sites = databaseSites(environment);
    if (!sites.includes(cluster)) return [];
    const runbook = `dist/${environment.name}/${DISASTER_RECOVERY_FOLDER}/${RUNBOOK_FILE}`;
    // Every database's owner password, the same on every site (lib/core/secret-store.ts databaseCredentials).
    const credentials = [
      `Before the \`${environment.name}-${DATABASES_FOLDER}\` Application syncs, put each database's password into the cloud stores, once for all sites (the commands are in ${runbook}, "Once: the application credentials, the same on every site"); the Clusters wait for it.`,
    ];
    if (sites.length < 2 && cluster.cloud !== 'azure') return [credentials];
    return [
      credentials,
      [
        `Before the \`${environment.name}-${DATABASES_FOLDER}\` Application syncs, create the \`${ARCHIVE_READER_CONFIGMAP}\` ConfigMap in each namespace with a database (\`ceres\` for the platform database, \`${KEYCLOAK.namespace}\` for Keycloak's where the platform runs it, and each tenant's), from the stacks' outputs (the commands for \`${cluster.name}\` are in ${runbook}, "Once: trust between the sites"); the PostgreSQL pods wait for it.`,
      ],
    ];
  },
  values: ({ environment, cluster }) => ({
    crds: { create: true },
    // The admission policy reserving cnpg.io/podRole exempts exactly this ServiceAccount.
    serviceAccount: { create: true, name: CNPG_OPERATOR_SERVICE_ACCOUNT },
    replicaCount: environment.sizing.ha ? 2 : 1,
    resources: resources('50m', '128Mi', '500m', '512Mi'),
    // Only where kube-prometheus-stack (and so the PodMonitor CRD) runs.
    monitoring: {
      podMonitorEnabled: placementApplies(kubePrometheusStack.placement, cluster),
      podMonitorAdditionalLabels: { release: 'kube-prometheus-stack' },
    },
  }),
};
