import { BootstrapFacts } from '../core/cloud';
import { costLabelAllowlist } from '../cost';
import { ALERT_RECEIVER_KEYS, alertmanagerConfig } from './alert-routing';
import { HelmChart } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, Resources } from '../core/pod-security';
import { traitsOf } from '../core/topology';
import { ConsoleSpec, consoleUrl, servesConsoles } from '../core/traffic-failover';
import { ChartTarget } from '../core/addon';
import { keycloakUrl, PLATFORM_ADMIN_GROUP, PLATFORM_REALM, PLATFORM_VIEWER_GROUP, realmGroup, realmIssuer } from '../core/realm';
import { GRAFANA_DASHBOARD_LABEL, MonitoringEndpoints, PROMETHEUS_RELEASE, PROMETHEUS_SELECTOR_LABELS } from './monitoring-stack';

type Selector = { readonly matchLabels: Record<string, string> };

/**
 * Grafana's OIDC client in the platform realm, and the Secret (namespace `monitoring`, created at
 * bootstrap) whose key Grafana reads as the environment variable overriding `client_secret`.
 */
export const GRAFANA_OIDC = { clientId: 'grafana', secret: 'grafana-oidc', secretKey: 'GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET' } as const;

/**
 * Grafana's admin credentials, from a Secret created at bootstrap: without one the grafana subchart
 * renders its own with a random password at every render (it keeps one only through `lookup`, which
 * Argo CD's `helm template` cannot do), which Argo CD would see change on every refresh and replace on
 * every sync (`helm/stable-render`).
 */
export const GRAFANA_ADMIN = { secret: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' } as const;

/** Grafana's UI, published where the cluster takes public traffic (the grafana subchart: Service `<release>-grafana`, port 80 → 3000). */
export const GRAFANA_CONSOLE: ConsoleSpec = {
  app: 'grafana',
  service: `${PROMETHEUS_RELEASE}-grafana`,
  port: 80,
  pods: { podLabels: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': PROMETHEUS_RELEASE }, containerPort: 3000 },
};

/** Grafana's public URL on a cluster (`https://grafana.<cluster>.<baseDomain>`, like Argo CD's): `root_url` and the client's redirect. */
export function grafanaUrl(t: Pick<ChartTarget, 'cluster' | 'environment'>): string {
  return consoleUrl(GRAFANA_CONSOLE.app, t);
}

/** Where Keycloak sends a Grafana sign-in back (Grafana's generic OAuth callback). */
export function grafanaRedirectUri(t: Pick<ChartTarget, 'cluster' | 'environment'>): string {
  return `${grafanaUrl(t)}/login/generic_oauth`;
}

/**
 * Grafana's role from the platform realm's groups (JMESPath over the userinfo/ID token `groups`):
 * `ceres:platform-admin` → Admin, `ceres:platform-viewer` → Viewer, nobody else (strict: tenant
 * users get no role, as Grafana OSS cannot keep one tenant's series from another on a shared Prometheus).
 */
export function grafanaRoleAttributePath(): string {
  const admin = realmGroup(PLATFORM_REALM, PLATFORM_ADMIN_GROUP);
  const viewer = realmGroup(PLATFORM_REALM, PLATFORM_VIEWER_GROUP);
  return `contains(groups[*], '${admin}') && 'Admin' || contains(groups[*], '${viewer}') && 'Viewer' || ''`;
}

/** Grafana's sign-in against the platform realm (`grafana.ini` sections; the client secret comes from the environment). */
export function grafanaOidcIni(t: Pick<ChartTarget, 'cluster' | 'environment'>): Record<string, Record<string, string | boolean>> {
  const issuer = realmIssuer(keycloakUrl(t.environment), PLATFORM_REALM);
  return {
    server: { root_url: grafanaUrl(t) },
    auth: { disable_login_form: true, oauth_auto_login: true },
    'auth.generic_oauth': {
      enabled: true,
      name: 'Keycloak',
      client_id: GRAFANA_OIDC.clientId,
      scopes: 'openid profile email groups',
      auth_url: `${issuer}/protocol/openid-connect/auth`,
      token_url: `${issuer}/protocol/openid-connect/token`,
      api_url: `${issuer}/protocol/openid-connect/userinfo`,
      signout_redirect_url: `${issuer}/protocol/openid-connect/logout`,
      use_pkce: true,
      allow_sign_up: true,
      login_attribute_path: 'preferred_username',
      email_attribute_path: 'email',
      groups_attribute_path: 'groups',
      role_attribute_path: grafanaRoleAttributePath(),
      role_attribute_strict: true,
      allow_assign_grafana_admin: false,
    },
  };
}

/** The kube-prometheus-stack values we set (https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack). */
export interface KubePrometheusStackValues {
  /** Prometheus: replicas, retention, external labels, which rules and monitors it selects, its resources. */
  readonly prometheus: {
    readonly prometheusSpec: {
      readonly replicas: number;
      readonly retention: string;
      /** Labels added to every series and alert, so that multi-cluster views can tell clusters apart. */
      readonly externalLabels: Record<string, string>;
      /**
       * With `*NilUsesHelmValues: false` the selectors below are used as written: everything labelled
       * `release: kube-prometheus-stack`, in any namespace.
       */
      readonly ruleSelectorNilUsesHelmValues: boolean;
      readonly ruleSelector: Selector;
      readonly ruleNamespaceSelector: Record<string, never>;
      readonly serviceMonitorSelectorNilUsesHelmValues: boolean;
      readonly serviceMonitorSelector: Selector;
      readonly serviceMonitorNamespaceSelector: Record<string, never>;
      readonly podMonitorSelectorNilUsesHelmValues: boolean;
      readonly podMonitorSelector: Selector;
      readonly podMonitorNamespaceSelector: Record<string, never>;
      readonly resources: Resources;
    };
    readonly podDisruptionBudget: { readonly enabled: boolean };
  };
  /** Alertmanager: replicas, resources, the receivers Secret it mounts, and its configuration. */
  readonly alertmanager: {
    readonly alertmanagerSpec: { readonly replicas: number; readonly resources: Resources; readonly secrets: readonly string[] };
    readonly podDisruptionBudget: { readonly enabled: boolean };
    /** Routing, inhibition and receivers (alert-routing.ts); credentials are files of a bootstrap Secret. */
    readonly config: Record<string, unknown>;
  };
  /** Requests and limits of the Prometheus operator. */
  readonly prometheusOperator: { readonly resources: Resources };
  /**
   * kube-state-metrics: requests and limits, and the Kubernetes labels it exports on `kube_node_labels`
   * and `kube_pod_labels` (none by default), which the cost rules read (instance type, spot, service).
   */
  readonly 'kube-state-metrics': { readonly resources: Resources; readonly metricLabelsAllowlist: readonly string[] };
  /** The node exporter is a privileged node agent (host network, PID and root filesystem): off where the cloud refuses those (GKE Autopilot). */
  readonly nodeExporter: { readonly enabled: boolean };
  /** Requests and limits of the node exporter, where it runs. */
  readonly 'prometheus-node-exporter': { readonly resources: Resources };
  /** Grafana: resources, the dashboard sidecar (ConfigMaps by label), and the Loki and Tempo data sources. */
  readonly grafana: {
    readonly resources: Resources;
    readonly sidecar: {
      readonly dashboards: { readonly enabled: boolean; readonly label: string; readonly labelValue: string; readonly searchNamespace: string };
    };
    readonly additionalDataSources: readonly { readonly name: string; readonly type: string; readonly url: string; readonly access: string }[];
    /** The admin user's credentials: {@link GRAFANA_ADMIN}. */
    readonly admin: { readonly existingSecret: string; readonly userKey: string; readonly passwordKey: string };
    /** Sign-in with the platform realm (generic OAuth), no local login form, where Grafana is published. */
    readonly 'grafana.ini'?: Record<string, Record<string, string | boolean>>;
    /** The Secret whose keys become Grafana's environment (the OIDC client secret, created at bootstrap), where published. */
    readonly envFromSecret?: string;
  };
}

export const kubePrometheusStack: HelmChart<KubePrometheusStackValues> = {
  name: 'kube-prometheus-stack',
  bootstrap: ({ environment, cluster }) => [
    [
      "Give Alertmanager its receivers' credentials (paging routing key, chat and tenant webhook URLs); it reads them as files, they never enter git:",
      '',
      '   ```sh',
      `   kubectl create namespace ${PlatformNamespaces.monitoring}`,
      `   kubectl -n ${PlatformNamespaces.monitoring} create secret generic ${BootstrapFacts.alertmanagerReceiversSecret} \\`,
      ...Object.values(ALERT_RECEIVER_KEYS).map(
        (k, i, all) => `     --from-literal=${k}="$${k.toUpperCase().replace(/-/g, '_')}"${i < all.length - 1 ? ' \\' : ''}`,
      ),
      '   ```',
    ],
    [
      'Give Grafana its admin credentials (generated here, once: never in git; with OIDC sign-in, only for break-glass access):',
      '',
      '   ```sh',
      `   kubectl -n ${PlatformNamespaces.monitoring} create secret generic ${GRAFANA_ADMIN.secret} --from-literal=${GRAFANA_ADMIN.userKey}=admin --from-literal=${GRAFANA_ADMIN.passwordKey}="$(openssl rand -base64 30)"`,
      '   ```',
    ],
    // Where Grafana is published (its OIDC sign-in): elsewhere it has no client.
    ...(servesConsoles(environment, cluster)
      ? [
          [
            `Give Grafana the secret of its OIDC client \`${GRAFANA_OIDC.clientId}\` in the \`${PLATFORM_REALM}\` realm (the same value as key \`${GRAFANA_OIDC.clientId}\` of the Keycloak clients Secret):`,
            '',
            '   ```sh',
            `   kubectl -n ${PlatformNamespaces.monitoring} create secret generic ${GRAFANA_OIDC.secret} --from-literal=${GRAFANA_OIDC.secretKey}="$GRAFANA_OIDC_CLIENT_SECRET"`,
            '   ```',
          ],
        ]
      : []),
  ],
  releaseName: PROMETHEUS_RELEASE,
  chart: { repoURL: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', version: '88.3.0' },
  kubeVersion: '>=1.25.0-0',
  namespace: PlatformNamespaces.monitoring,
  placement: { traits: ['full'] },
  console: GRAFANA_CONSOLE,
  crdGroups: ['monitoring.coreos.com'],
  description: 'Prometheus, Alertmanager, Grafana, node exporter, kube-state-metrics',
  values: ({ environment, cluster }) => {
    const replicas = environment.sizing.ha ? 2 : 1;
    return {
      prometheus: {
        prometheusSpec: {
          replicas: environment.sizing.ha ? 2 : 1,
          retention: environment.name === 'prod' ? '30d' : '7d',
          externalLabels: { cluster: cluster.name, environment: environment.name },
          ruleSelectorNilUsesHelmValues: false,
          ruleSelector: { matchLabels: { ...PROMETHEUS_SELECTOR_LABELS } },
          ruleNamespaceSelector: {},
          serviceMonitorSelectorNilUsesHelmValues: false,
          serviceMonitorSelector: { matchLabels: { ...PROMETHEUS_SELECTOR_LABELS } },
          serviceMonitorNamespaceSelector: {},
          podMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelector: { matchLabels: { ...PROMETHEUS_SELECTOR_LABELS } },
          podMonitorNamespaceSelector: {},
          resources: environment.sizing.ha ? resources('500m', '4Gi', '2', '8Gi') : resources('200m', '1Gi', '1', '2Gi'),
        },
        podDisruptionBudget: { enabled: replicas > 1 },
      },
      alertmanager: {
        alertmanagerSpec: {
          replicas: environment.sizing.ha ? 3 : 1,
          resources: resources('25m', '64Mi', '250m', '256Mi'),
          secrets: [BootstrapFacts.alertmanagerReceiversSecret],
        },
        podDisruptionBudget: { enabled: environment.sizing.ha },
        config: alertmanagerConfig(environment, cluster),
      },
      prometheusOperator: { resources: resources('50m', '128Mi', '500m', '256Mi') },
      'kube-state-metrics': { resources: resources('25m', '128Mi', '500m', '512Mi'), metricLabelsAllowlist: costLabelAllowlist() },
      nodeExporter: { enabled: traitsOf(cluster).nodeAgents },
      'prometheus-node-exporter': { resources: resources('25m', '32Mi', '250m', '64Mi') },
      grafana: {
        resources: resources('50m', '256Mi', '500m', '512Mi'),
        admin: { existingSecret: GRAFANA_ADMIN.secret, userKey: GRAFANA_ADMIN.userKey, passwordKey: GRAFANA_ADMIN.passwordKey },
        sidecar: { dashboards: { enabled: true, label: GRAFANA_DASHBOARD_LABEL.key, labelValue: GRAFANA_DASHBOARD_LABEL.value, searchNamespace: 'ALL' } },
        additionalDataSources: [
          { name: 'Loki', type: 'loki', url: MonitoringEndpoints.loki, access: 'proxy' },
          { name: 'Tempo', type: 'tempo', url: MonitoringEndpoints.tempo, access: 'proxy' },
        ],
        // Sign-in through Keycloak where Grafana is published; elsewhere the chart's admin (its generated Secret) behind port-forward.
        ...(servesConsoles(environment, cluster) ? { 'grafana.ini': grafanaOidcIni({ cluster, environment }), envFromSecret: GRAFANA_OIDC.secret } : {}),
      },
    };
  },
};
