import { ApiObject } from 'cdk8s';
import * as k8s from '../core/k8s';
import { Construct } from 'constructs';
import { NamespaceDeclaration, PlatformAddOn, PlatformCatalog, PlatformContext, TenantContext } from '../core/addon';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { isProvisioned, ProvisionedCloud } from '../core/cloud';
import { Flow, FlowTarget, INTERNET, namespaceBaseFlows, PodSet } from '../core/flows';
import { ClusterConfig, EnvironmentConfig } from '../core/model';
import { Labels } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import {
  CloudSecretLocation,
  cloudSecretLocation,
  externalSecretRemoteName,
  SECRET_READER_SERVICE_ACCOUNT,
  secretReaderAnnotations,
  TenantSecretReader,
  secretReaders,
  RESERVED_SECRET_OWNERS,
  tenantSecretReaders,
} from '../core/secret-store';
import { placementApplies } from '../core/topology';
import {
  EXTERNAL_SECRETS_CONTROLLER_SERVICE_ACCOUNT,
  EXTERNAL_SECRETS_METRICS_PORT,
  EXTERNAL_SECRETS_WEBHOOK_PORT,
  externalSecrets,
  ExternalSecretsPods,
} from './external-secrets';
import { AlertGroup, kubePrometheusStack, PrometheusAlertRules, PROMETHEUS_PODS, runbookBase } from '../observability';

/** The cluster folder of each cluster's tenant secret stores, reader identities and ExternalSecrets. */
export const TENANT_SECRETS_FOLDER = 'tenant-secrets';

/** API version of the stores and ExternalSecrets (external-secrets.io v1, served by the operator 0.17+). */
export const EXTERNAL_SECRETS_API = 'external-secrets.io/v1';

/** How often the operator re-reads a secret from the cloud store. */
export const EXTERNAL_SECRET_REFRESH = '1h';

/** The Role in a tenant namespace that lets the operator create tokens for the tenant's reader ServiceAccount only. */
export const SECRET_READER_TOKEN_ROLE = 'external-secrets-reader-token';

/** The operator's controller, which reads the stores. */
export const EXTERNAL_SECRETS_CONTROLLER_PODS: PodSet = {
  namespace: PlatformNamespaces.externalSecrets,
  podLabels: ExternalSecretsPods.controller,
  serviceAccount: EXTERNAL_SECRETS_CONTROLLER_SERVICE_ACCOUNT,
};

/** The provider block of a tenant's ClusterSecretStore on a cloud: its reader ServiceAccount, pinned to the tenant's namespace. */
export function storeProvider(where: CloudSecretLocation, cluster: ClusterConfig, reader: TenantSecretReader): Record<string, unknown> {
  const serviceAccountRef = { name: SECRET_READER_SERVICE_ACCOUNT, namespace: reader.namespace };
  switch (where.cloud) {
    case 'aws':
      // IRSA: the operator exchanges the reader's token for the role its annotation names.
      return { aws: { service: 'SecretsManager', region: where.region, auth: { jwt: { serviceAccountRef } } } };
    case 'azure':
      // Entra workload identity: the reader's token for the identity its client-id annotation names.
      return { azurekv: { authType: 'WorkloadIdentity', vaultUrl: where.vaultUrl, serviceAccountRef } };
    case 'gcp':
      // GKE Workload Identity: the reader's token, exchanged in the cluster's pool, impersonates its Google service account.
      return {
        gcpsm: {
          projectID: where.projectId,
          auth: { workloadIdentity: { serviceAccountRef, clusterLocation: where.location, clusterName: cluster.name, clusterProjectID: where.projectId } },
        },
      };
  }
}

export interface TenantSecretStoreProps {
  /** The environment (its cloud accounts). */
  readonly environment: EnvironmentConfig;
  /** The cluster the store is for. */
  readonly cluster: ClusterConfig & { cloud: ProvisionedCloud };
  /** The tenant's reader on it (lib/core/secret-store.ts). */
  readonly reader: TenantSecretReader;
  /** The tenant's external secrets: Secret name → key in its area of the store. */
  readonly secrets: readonly { readonly name: string; readonly key: string }[];
  /**
   * What to render: the reader ServiceAccount, its token Role and the store (`store`), the
   * ExternalSecrets (`secrets`), or both. A reader that also delivers databases' credentials has its
   * store with the databases (lib/data) and its tenant's ExternalSecrets here.
   * @default 'all'
   */
  readonly parts?: 'all' | 'store' | 'secrets';
  /** Sync wave of the store and its reader (the ExternalSecrets one later). @default SyncWave.externalSecrets */
  readonly wave?: number;
}

/**
 * A tenant's secrets from its cloud store on one cluster: the reader ServiceAccount bound to the
 * tenant's cloud identity (which may read `tenant-<id>--*` only), a Role letting the operator mint
 * tokens for that ServiceAccount alone, the tenant's ClusterSecretStore (usable from its namespace
 * only) and one ExternalSecret per `external` secret, whose remote JSON object becomes the Secret's keys.
 */
export class TenantSecretStore extends Construct {
  constructor(scope: Construct, id: string, props: TenantSecretStoreProps) {
    super(scope, id);
    const { cluster, reader } = props;
    const ns = reader.namespace;
    const where = cloudSecretLocation(props.environment, cluster, reader.tenantId);
    const wave = props.wave ?? SyncWave.externalSecrets;
    const parts = props.parts ?? 'all';
    if (parts !== 'secrets') this.renderStore(props, where, argoAnnotations({ wave }));
    if (parts === 'store') return;
    // After the store and its reader (one wave later inside the folder's Application).
    const fetch = argoAnnotations({ wave: wave + 1 });
    // A platform consumer's key, merged into the Secret its chart created (never owned: the chart's other keys stay).
    for (const d of reader.deliveries ?? []) {
      new ApiObject(this, `Delivery-${d.secret}-${d.key}`, {
        apiVersion: EXTERNAL_SECRETS_API,
        kind: 'ExternalSecret',
        metadata: { name: `${d.secret}-${d.key.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`, namespace: ns, annotations: fetch },
        spec: {
          refreshInterval: EXTERNAL_SECRET_REFRESH,
          secretStoreRef: { kind: 'ClusterSecretStore', name: reader.storeName },
          target: { name: d.secret, creationPolicy: 'Merge', deletionPolicy: 'Retain' },
          data: [{ secretKey: d.key, remoteRef: { key: d.remoteName } }],
        },
      });
    }
    for (const s of [...props.secrets].sort((a, b) => a.name.localeCompare(b.name))) {
      new ApiObject(this, `Secret-${s.name}`, {
        apiVersion: EXTERNAL_SECRETS_API,
        kind: 'ExternalSecret',
        metadata: { name: s.name, namespace: ns, annotations: fetch },
        spec: {
          refreshInterval: EXTERNAL_SECRET_REFRESH,
          secretStoreRef: { kind: 'ClusterSecretStore', name: reader.storeName },
          target: { name: s.name, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
          dataFrom: [{ extract: { key: externalSecretRemoteName(reader.tenantId, s.key) } }],
        },
      });
    }
  }

  private renderStore(props: TenantSecretStoreProps, where: CloudSecretLocation, setup: Record<string, string>): void {
    const { cluster, reader } = props;
    const ns = reader.namespace;
    new k8s.KubeServiceAccount(this, 'Reader', {
      metadata: {
        name: SECRET_READER_SERVICE_ACCOUNT,
        namespace: ns,
        annotations: { ...setup, ...secretReaderAnnotations(props.environment, cluster, reader) },
      },
      automountServiceAccountToken: false,
    });
    new k8s.KubeRole(this, 'TokenRole', {
      metadata: { name: SECRET_READER_TOKEN_ROLE, namespace: ns, annotations: setup },
      rules: [{ apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: [SECRET_READER_SERVICE_ACCOUNT], verbs: ['create'] }],
    });
    new k8s.KubeRoleBinding(this, 'TokenBinding', {
      metadata: { name: SECRET_READER_TOKEN_ROLE, namespace: ns, annotations: setup },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SECRET_READER_TOKEN_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: EXTERNAL_SECRETS_CONTROLLER_SERVICE_ACCOUNT, namespace: PlatformNamespaces.externalSecrets }],
    });
    new ApiObject(this, 'Store', {
      apiVersion: EXTERNAL_SECRETS_API,
      kind: 'ClusterSecretStore',
      metadata: { name: reader.storeName, annotations: setup },
      spec: { conditions: [{ namespaces: [ns] }], provider: storeProvider(where, cluster, reader) },
    });
  }
}

/** The options of a cluster's secrets folder (the same from the environment and from each tenant). */
function tenantSecretsFolder(cluster: ClusterConfig) {
  return {
    description: `Tenants' and the platform's secrets (Argo CD's OIDC client) from the ${cluster.cloud} secret store on ${cluster.name}: stores, reader identities, ExternalSecrets`,
    syncWave: SyncWave.externalSecrets,
    labels: { [Labels.costCenter]: 'platform' },
  };
}

/**
 * The External Secrets Operator and, per workload cluster, every tenant's secret store, reader
 * identity and ExternalSecrets (one folder per cluster: the store's provider and the reader's binding
 * differ by cloud, the names do not).
 */
export class ExternalSecretsAddOn implements PlatformAddOn {
  public readonly name = 'external-secrets';
  public readonly charts = [externalSecrets];
  public readonly namespaces: readonly NamespaceDeclaration[] = [
    { name: PlatformNamespaces.externalSecrets, podSecurity: 'restricted', thirdPartyImages: true },
  ];
  // The tenant namespaces the readers live in.
  public readonly after = ['tenants'];

  public deploy(ctx: PlatformContext): void {
    // Where the operator and a Prometheus both run (the CRD routing keeps it off clusters without one).
    const alerts = ctx.output.folder(SECRET_ALERTS_FOLDER, {
      description: "Alerts on tenants' secrets the External Secrets Operator cannot deliver",
      syncWave: SyncWave.observability,
      placement: externalSecrets.placement,
      labels: { [Labels.costCenter]: 'platform' },
    });
    new PrometheusAlertRules(alerts.manifest('alerts', { namespace: PlatformNamespaces.monitoring }), 'alerts', {
      name: 'ceres-external-secrets',
      namespace: PlatformNamespaces.monitoring,
      groups: externalSecretAlerts(),
      runbookBaseUrl: runbookBase(ctx.platform.gitops.repoURL, ctx.platform.gitops.targetRevision),
    });
    // The tenants' stores and ExternalSecrets are each tenant's own (deployTenant); what is checked
    // over all tenants of a cluster (a tenantId reserved for the platform's reader) is checked here,
    // and the platform's readers that deliver into a chart's Secret (Argo CD's client secret) are
    // rendered here (the database readers' stores go with their databases).
    for (const cluster of ctx.environment.clusters) {
      if (!isProvisioned(cluster) || !placementApplies(externalSecrets.placement, cluster)) continue;
      const platformReaders = secretReaders(ctx.environment, cluster, { tenants: ctx.tenants, databases: [] }).filter(
        (r) => RESERVED_SECRET_OWNERS.includes(r.tenantId) && !r.databases,
      );
      if (!platformReaders.length) continue;
      const folder = ctx.output.clusterFolder(cluster, TENANT_SECRETS_FOLDER, tenantSecretsFolder(cluster));
      for (const reader of platformReaders)
        new TenantSecretStore(folder.manifest(reader.namespace), reader.namespace, {
          environment: ctx.environment,
          cluster,
          reader,
          secrets: [],
          parts: 'all',
        });
    }
  }

  /**
   * The tenant's store, reader identity and ExternalSecrets on each cluster with a cloud secret store,
   * in `clusters/<cluster>/tenant-secrets/<namespace>.yaml`: from the tenant alone.
   */
  public deployTenant(ctx: TenantContext): void {
    const external = ctx.tenant.secrets.flatMap((s) => ('external' in s ? [{ name: s.name, key: s.external.key }] : []));
    for (const cluster of ctx.environment.clusters) {
      if (!isProvisioned(cluster) || !placementApplies(externalSecrets.placement, cluster)) continue;
      // A reader that delivers databases' credentials has its store with the databases (before them); only its tenant's own ExternalSecrets are here.
      const reader = tenantSecretReaders(ctx.environment, cluster, { tenants: [ctx.tenant], databases: ctx.databases })[0];
      if (!reader || (reader.databases && !external.length)) continue;
      const folder = ctx.output.clusterFolder(cluster, TENANT_SECRETS_FOLDER, tenantSecretsFolder(cluster));
      new TenantSecretStore(folder.manifest(reader.namespace), reader.namespace, {
        environment: ctx.environment,
        cluster,
        reader,
        secrets: external,
        parts: reader.databases ? 'secrets' : 'all',
      });
    }
  }

  /**
   * The namespace's DNS and API server access (every component watches the API), the API server
   * calling the webhook, Prometheus scraping the controller, and the controller reaching the cloud's
   * store over HTTPS.
   */
  public flows(t: FlowTarget): Flow[] {
    if (!placementApplies(externalSecrets.placement, t.cluster)) return [];
    return [
      ...namespaceBaseFlows('external-secrets', PlatformNamespaces.externalSecrets, t.cluster, { apiServer: true }),
      {
        name: 'external-secrets/api-server-to-webhook',
        from: { apiServer: true },
        to: {
          pods: { namespace: PlatformNamespaces.externalSecrets, podLabels: ExternalSecretsPods.webhook },
          ports: [{ port: EXTERNAL_SECRETS_WEBHOOK_PORT }],
        },
        plaintext: true,
        reason: 'validation of SecretStores and ExternalSecrets',
      },
      ...(placementApplies(kubePrometheusStack.placement, t.cluster)
        ? [
            {
              name: 'external-secrets/prometheus-scrapes-controller',
              from: { pods: PROMETHEUS_PODS },
              to: { pods: EXTERNAL_SECRETS_CONTROLLER_PODS, ports: [{ port: EXTERNAL_SECRETS_METRICS_PORT }] },
              plaintext: true,
              reason: 'ExternalSecret and store conditions for the ExternalSecretNotSynced alert',
            },
          ]
        : []),
      {
        name: 'external-secrets/controller-to-cloud-store',
        from: { pods: EXTERNAL_SECRETS_CONTROLLER_PODS },
        to: { external: { ...INTERNET, host: cloudStoreHost(t.cluster) }, ports: [{ port: 443 }] },
        reason: "the controller reads tenants' secrets from the cloud's secret store and exchanges the readers' tokens (STS / Entra ID / Google STS)",
      },
    ];
  }
}

/**
 * Whether the platform delivers cloud secrets on a cluster: the External Secrets Operator is one of
 * the add-ons and runs there, on a cluster with a cloud store. What renders an ExternalSecret asks.
 */
export function deliversCloudSecrets(catalog: PlatformCatalog, cluster: ClusterConfig): boolean {
  return catalog.charts.includes(externalSecrets) && isProvisioned(cluster) && placementApplies(externalSecrets.placement, cluster);
}

/**
 * The store of a namespace whose databases take their credentials from the cloud store, in the
 * database site's `databases` folder: two waves before the Clusters (their credentials' ExternalSecrets
 * are one before), so nothing there waits for the externalSecrets wave.
 */
export function databaseSecretStore(scope: Construct, environment: EnvironmentConfig, cluster: ClusterConfig, reader: TenantSecretReader): TenantSecretStore {
  if (!isProvisioned(cluster)) throw new Error(`cluster ${cluster.name} has no cloud secret store`);
  return new TenantSecretStore(scope, 'SecretStore', { environment, cluster, reader, secrets: [], parts: 'store', wave: SyncWave.data - 2 });
}

/** The environment-wide folder of the secret delivery alerts. */
export const SECRET_ALERTS_FOLDER = 'secret-delivery';

/** Alerts on the operator's metrics (docs/api/metrics.md of external-secrets 2.9.0). */
export function externalSecretAlerts(): AlertGroup[] {
  return [
    {
      name: 'ceres-external-secrets',
      alerts: [
        {
          name: 'ExternalSecretNotSynced',
          severity: 'warning',
          expr: 'max by (namespace, name) (externalsecret_status_condition{condition="Ready", status="False"}) == 1',
          for: '15m',
          summary: 'ExternalSecret {{ $labels.namespace }}/{{ $labels.name }} is not synced',
          description:
            'The operator cannot read the secret of {{ $labels.namespace }}/{{ $labels.name }} from the cloud store: kubectl -n {{ $labels.namespace }} describe externalsecret {{ $labels.name }} (a missing tenant-<id>--<key> secret, or a denied identity).',
        },
        {
          name: 'SecretStoreNotReady',
          severity: 'critical',
          expr: 'max by (name) (clustersecretstore_status_condition{condition="Ready", status="False"}) == 1',
          for: '15m',
          summary: 'ClusterSecretStore {{ $labels.name }} cannot reach its cloud store',
          description:
            "The tenant store {{ $labels.name }} fails validation: its reader's identity cannot authenticate (IRSA role, federated identity or Workload Identity binding), or the store is unreachable. kubectl describe clustersecretstore {{ $labels.name }}.",
        },
      ],
    },
  ];
}

/** The secret store API host of a cluster's cloud. */
export function cloudStoreHost(cluster: ClusterConfig): string | undefined {
  switch (cluster.cloud) {
    case 'aws':
      return `secretsmanager.${cluster.region}.amazonaws.com`;
    case 'azure':
      return 'vault.azure.net';
    case 'gcp':
      return 'secretmanager.googleapis.com';
    default:
      return undefined;
  }
}
