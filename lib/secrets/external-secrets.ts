import { HelmChart } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, Resources, RESTRICTED_CONTAINER, RESTRICTED_POD } from '../core/pod-security';
import { AZURE_SECRET_READERS_OUTPUT, SECRET_READER_SERVICE_ACCOUNT } from '../core/secret-store';
import { placementApplies } from '../core/topology';
import { SECRET_DELIVERY_CLUSTERS } from '../core/secret-store';
import { kubePrometheusStack, PROMETHEUS_SELECTOR_LABELS } from '../observability';

/** Release name of the operator: its ServiceAccount, Deployments and webhook Service derive from it. */
export const EXTERNAL_SECRETS_RELEASE = 'external-secrets';

/** The controller's ServiceAccount (chart default: the release's full name). */
export const EXTERNAL_SECRETS_CONTROLLER_SERVICE_ACCOUNT = EXTERNAL_SECRETS_RELEASE;

/** Pod labels of the chart's three components (`external-secrets.selectorLabels` and its webhook and cert-controller variants). */
export const ExternalSecretsPods = {
  controller: { 'app.kubernetes.io/name': 'external-secrets', 'app.kubernetes.io/instance': EXTERNAL_SECRETS_RELEASE },
  webhook: { 'app.kubernetes.io/name': 'external-secrets-webhook', 'app.kubernetes.io/instance': EXTERNAL_SECRETS_RELEASE },
  certController: { 'app.kubernetes.io/name': 'external-secrets-cert-controller', 'app.kubernetes.io/instance': EXTERNAL_SECRETS_RELEASE },
} as const;

/** Port of the controller's metrics in its pod (chart `metrics.listen.port`). */
export const EXTERNAL_SECRETS_METRICS_PORT = 8080;

/** Port of the admission webhook in its pod (chart `webhook.port`). */
export const EXTERNAL_SECRETS_WEBHOOK_PORT = 10250;

/**
 * The chart's per-component NetworkPolicy switch: off. The namespace is isolated like every platform
 * namespace, by the policies generated from the flows this add-on declares (lib/hardening,
 * platform-network-policies.ts); verify refuses a chart's own policy there (flows/only-declared-policies).
 */
export interface ComponentNetworkPolicy {
  /** Render the component's NetworkPolicy. */
  readonly enabled: false;
}

/** What each of the chart's Deployments takes (controller at the top level, `webhook`, `certController`). */
export interface ComponentValues {
  /** Pod replicas. */
  readonly replicaCount: number;
  /** Requests and limits. */
  readonly resources: Resources;
  /** Pod-level security context (restricted). */
  readonly podSecurityContext: typeof RESTRICTED_POD & { readonly enabled: true };
  /** Container security context (restricted). */
  readonly securityContext: typeof RESTRICTED_CONTAINER & { readonly enabled: true };
  /** Its NetworkPolicy. */
  readonly networkPolicy: ComponentNetworkPolicy;
  /** A PodDisruptionBudget (HA environments). */
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable: number };
}

/** The external-secrets chart values we set (https://github.com/external-secrets/external-secrets/tree/main/deploy/charts/external-secrets, 2.9.0). */
export interface ExternalSecretsValues extends ComponentValues {
  /** CRDs from the chart (its templates/crds), so they exist before any store or ExternalSecret (operators wave). */
  readonly installCRDs: true;
  /** Several controller replicas elect one leader. */
  readonly leaderElect: boolean;
  /**
   * The controller may create tokens only for the ServiceAccounts a Role in their namespace names
   * (each tenant's reader), not for every ServiceAccount of the cluster.
   */
  readonly rbac: { readonly serviceAccountTokenCreate: false };
  /** Kinds the platform does not use are not processed: no PushSecret writes back, no ClusterExternalSecret fans out. */
  readonly processClusterExternalSecret: false;
  /** See `processClusterExternalSecret`. */
  readonly processPushSecret: false;
  /** See `processClusterExternalSecret`. */
  readonly processClusterPushSecret: false;
  /** The admission webhook. */
  readonly webhook: ComponentValues & {
    /** The port the webhook serves on in its pod: the API server flow's port. */
    readonly port: number;
  };
  /** The webhook's certificate rotator. */
  readonly certController: ComponentValues;
  /** The controller's metrics port: the Prometheus scrape flow's port. */
  readonly metrics: { readonly listen: { readonly port: number } };
  /**
   * The controller's metrics (ExternalSecret and store conditions) for the cluster's Prometheus, where
   * one runs; rendered always (not only when `helm template` sees the CRD), labelled for its selector.
   */
  readonly serviceMonitor: { readonly enabled: boolean; readonly renderMode: 'alwaysRender'; readonly additionalLabels: Readonly<Record<string, string>> };
}

function component(replicas: number, res: Resources): ComponentValues {
  return {
    replicaCount: replicas,
    resources: res,
    podSecurityContext: { enabled: true, ...RESTRICTED_POD },
    securityContext: { enabled: true, ...RESTRICTED_CONTAINER },
    networkPolicy: { enabled: false },
    podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
  };
}

/**
 * The External Secrets Operator: reads tenants' secrets from the cloud's secret store of each
 * workload cluster (stores and ExternalSecrets: lib/secrets/external-secrets-addon.ts) into Secrets.
 * Its namespace is isolated by the policies generated from the add-on's declared flows: DNS, the API
 * server and HTTPS to the cloud's store out, the API server to the webhook and Prometheus to the
 * metrics in.
 */
export const externalSecrets: HelmChart<ExternalSecretsValues> = {
  name: 'external-secrets',
  chart: { repoURL: 'https://charts.external-secrets.io', chart: 'external-secrets', version: '2.9.0' },
  releaseName: EXTERNAL_SECRETS_RELEASE,
  kubeVersion: '>= 1.19.0-0',
  namespace: PlatformNamespaces.externalSecrets,
  // Where tenants run: their secrets are read there (the model's SECRET_DELIVERY_CLUSTERS, which the readers of lib/core/secret-store.ts follow).
  placement: SECRET_DELIVERY_CLUSTERS,
  crdGroups: ['external-secrets.io', 'generators.external-secrets.io'],
  // One wave after the operators: its ServiceMonitor needs kube-prometheus-stack's CRD (found by `npm run verify --charts`).
  syncWave: SyncWave.operators + 1,
  description: "Tenants' secrets from the cloud's secret store (AWS Secrets Manager, Azure Key Vault, GCP Secret Manager) into Secrets",
  // Azure: the readers' client ids exist only after apply; copied into their annotations once their folder has synced.
  bootstrap: ({ environment, cluster }) =>
    cluster.cloud !== 'azure'
      ? []
      : [
          [
            `After the root Application's first sync, and after onboarding a tenant with external secrets: give each tenant's secret reader the client id of its identity, an output of the \`${environment.name}-azure\` stack (docs/identity.md).`,
            '',
            '   ```sh',
            '   tenant=$(az account show --query tenantId -o tsv)',
            `   terraform -chdir=dist/terraform/${environment.name}-azure output -json ${AZURE_SECRET_READERS_OUTPUT} | jq -r 'to_entries[] | "\\(.key) \\(.value)"' | while read -r name id; do`,
            `     kubectl -n "\${name#secrets-}" annotate sa ${SECRET_READER_SERVICE_ACCOUNT} --overwrite azure.workload.identity/client-id="$id" azure.workload.identity/tenant-id="$tenant"`,
            '   done',
            '   ```',
          ],
        ],
  values: ({ environment, cluster }) => {
    const replicas = environment.sizing.ha ? 2 : 1;
    const monitored = placementApplies(kubePrometheusStack.placement, cluster);
    return {
      installCRDs: true,
      leaderElect: replicas > 1,
      rbac: { serviceAccountTokenCreate: false },
      processClusterExternalSecret: false,
      processPushSecret: false,
      processClusterPushSecret: false,
      ...component(replicas, resources('50m', '128Mi', '500m', '512Mi')),
      metrics: { listen: { port: EXTERNAL_SECRETS_METRICS_PORT } },
      serviceMonitor: { enabled: monitored, renderMode: 'alwaysRender', additionalLabels: { ...PROMETHEUS_SELECTOR_LABELS } },
      webhook: { ...component(replicas, resources('25m', '64Mi', '250m', '256Mi')), port: EXTERNAL_SECRETS_WEBHOOK_PORT },
      certController: component(1, resources('25m', '64Mi', '250m', '256Mi')),
    };
  },
};
