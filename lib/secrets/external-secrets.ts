import { HelmChart } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, Resources, RESTRICTED_CONTAINER, RESTRICTED_POD } from '../core/pod-security';
import { AZURE_SECRET_READERS_OUTPUT, SECRET_READER_SERVICE_ACCOUNT } from '../core/secret-store';
import { placementApplies, WORKLOAD_CLUSTERS } from '../core/topology';
import { kubePrometheusStack, PROMETHEUS_PODS, PROMETHEUS_SELECTOR_LABELS } from '../observability';

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

/** A NetworkPolicy rule as the chart takes it (`networkPolicy.ingress` / `.egress`, rendered as written). */
export interface NetworkPolicyRule {
  /** Peers (`to` for egress). */
  readonly to?: readonly object[];
  /** Peers (`from` for ingress). */
  readonly from?: readonly object[];
  /** Ports. */
  readonly ports: readonly { readonly protocol: 'TCP' | 'UDP'; readonly port: number }[];
}

/** The chart's per-component NetworkPolicy switch. */
export interface ComponentNetworkPolicy {
  /** Render the component's NetworkPolicy (ingress and egress isolation). */
  readonly enabled: true;
  /** What may reach the component. */
  readonly ingress: readonly NetworkPolicyRule[];
  /** What the component may reach. */
  readonly egress: readonly NetworkPolicyRule[];
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
  readonly webhook: ComponentValues;
  /** The webhook's certificate rotator. */
  readonly certController: ComponentValues;
  /**
   * The controller's metrics (ExternalSecret and store conditions) for the cluster's Prometheus, where
   * one runs; rendered always (not only when `helm template` sees the CRD), labelled for its selector.
   */
  readonly serviceMonitor: { readonly enabled: boolean; readonly renderMode: 'alwaysRender'; readonly additionalLabels: Readonly<Record<string, string>> };
}

const DNS_EGRESS: NetworkPolicyRule = {
  to: [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': PlatformNamespaces.kubeSystem } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    },
  ],
  ports: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};

/**
 * HTTPS anywhere: the API server (its address is the cloud's, not modelled) and, for the controller,
 * the clouds' secret store and token endpoints (public service endpoints without fixed ranges).
 */
const HTTPS_EGRESS: NetworkPolicyRule = { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }] };

function component(replicas: number, res: Resources, ingress: readonly NetworkPolicyRule[]): ComponentValues {
  return {
    replicaCount: replicas,
    resources: res,
    podSecurityContext: { enabled: true, ...RESTRICTED_POD },
    securityContext: { enabled: true, ...RESTRICTED_CONTAINER },
    networkPolicy: { enabled: true, ingress, egress: [DNS_EGRESS, HTTPS_EGRESS] },
    podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
  };
}

/**
 * The External Secrets Operator: reads tenants' secrets from the cloud's secret store of each
 * workload cluster (stores and ExternalSecrets: lib/secrets/external-secrets-addon.ts) into Secrets.
 * Its three components are isolated by the chart's NetworkPolicies: DNS and HTTPS out, the webhook
 * reachable by the API server only on its port.
 */
export const externalSecrets: HelmChart<ExternalSecretsValues> = {
  name: 'external-secrets',
  chart: { repoURL: 'https://charts.external-secrets.io', chart: 'external-secrets', version: '2.9.0' },
  releaseName: EXTERNAL_SECRETS_RELEASE,
  kubeVersion: '>= 1.19.0-0',
  namespace: PlatformNamespaces.externalSecrets,
  // Where tenants run: their secrets are read there.
  placement: WORKLOAD_CLUSTERS,
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
    const scrape: NetworkPolicyRule = {
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': PROMETHEUS_PODS.namespace } },
          podSelector: { matchLabels: { ...PROMETHEUS_PODS.podLabels } },
        },
      ],
      ports: [{ protocol: 'TCP', port: EXTERNAL_SECRETS_METRICS_PORT }],
    };
    return {
      installCRDs: true,
      leaderElect: replicas > 1,
      rbac: { serviceAccountTokenCreate: false },
      processClusterExternalSecret: false,
      processPushSecret: false,
      processClusterPushSecret: false,
      ...component(replicas, resources('50m', '128Mi', '500m', '512Mi'), monitored ? [scrape] : []),
      serviceMonitor: { enabled: monitored, renderMode: 'alwaysRender', additionalLabels: { ...PROMETHEUS_SELECTOR_LABELS } },
      webhook: component(replicas, resources('25m', '64Mi', '250m', '256Mi'), [
        // The API server calls the webhook; its address is not known here.
        { ports: [{ protocol: 'TCP', port: EXTERNAL_SECRETS_WEBHOOK_PORT }] },
      ]),
      certController: component(1, resources('25m', '64Mi', '250m', '256Mi'), []),
    };
  },
};
