import { ChartTarget, HelmChart } from '../core/addon';
import { ConsoleSpec, consoleUrl, servesConsoles } from '../core/traffic-failover';
import { kubernetesOidc, PLATFORM_REALM } from '../core/cloud';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, Resources } from '../core/pod-security';
import { MonitoringEndpoints } from './monitoring-stack';

/** Kiali's OIDC client in the platform realm, and the key of the `kiali` Secret holding its secret (bootstrap). */
export const KIALI_OIDC = { clientId: 'kiali', secret: 'kiali', secretKey: 'oidc-secret' } as const;

/**
 * The key Kiali signs and encrypts its session tokens with, from a Secret created at bootstrap (the
 * chart's `secret:<name>:<key>` form mounts it): left empty, the chart makes a random one at every
 * render, which Argo CD would see change on every refresh (`helm/stable-render`). 32 characters (AES-256).
 */
export const KIALI_SIGNING_KEY = { secret: 'kiali-signing-key', key: 'key' } as const;

/** Kiali's UI, published where the cluster takes public traffic (chart kiali-server: Service `kiali`, port 20001). */
export const KIALI_CONSOLE: ConsoleSpec = {
  app: 'kiali',
  service: 'kiali',
  port: 20001,
  pods: { podLabels: { 'app.kubernetes.io/name': 'kiali', 'app.kubernetes.io/instance': 'kiali' }, containerPort: 20001 },
};

/** Kiali's public URL on a cluster (`https://kiali.<cluster>.<baseDomain>`, like Argo CD's and Grafana's), its `server.web_fqdn`. */
export function kialiUrl(t: Pick<ChartTarget, 'cluster' | 'environment'>): string {
  return consoleUrl(KIALI_CONSOLE.app, t);
}

/** Kiali's web root: its OpenID redirect URI is the public URL of the root. */
export const KIALI_WEB_ROOT = '/kiali';

/** Where Keycloak sends a Kiali sign-in back (Kiali's web root at its public URL). */
export function kialiRedirectUri(t: Pick<ChartTarget, 'cluster' | 'environment'>): string {
  return `${kialiUrl(t)}${KIALI_WEB_ROOT}`;
}

/** The kiali-server chart values we set (https://github.com/kiali/helm-charts, kiali-server 2.29). */
export interface KialiValues {
  /**
   * Sign-in with OpenID Connect against the platform's Keycloak (client, issuer, scopes, `disable_rbac`)
   * where Kiali is published; elsewhere a ServiceAccount token (`token`) behind port-forward.
   */
  readonly auth: { readonly strategy: 'openid'; readonly openid: Record<string, unknown> } | { readonly strategy: 'token' };
  /** Read-only mode, replicas, resources, and the Secret holding the OIDC client secret. */
  readonly deployment: {
    readonly view_only_mode: boolean;
    readonly replicas: number;
    readonly resources: Resources;
    readonly secret_name: string;
    /** The chart's NetworkPolicy (ingress from anywhere) is off: the platform namespace's policies come from the declared flows. */
    readonly network_policy: { readonly enabled: false };
  };
  /** Where Kiali reads from: Istio's root namespace, Prometheus, Tempo and Grafana. */
  readonly external_services: Record<string, unknown>;
  /** Namespace of the Istio control plane. */
  readonly istio_namespace: string;
  /** The session signing key, from a Secret (`secret:<name>:<key>`): {@link KIALI_SIGNING_KEY}. */
  readonly login_token: { readonly signing_key: string };
  /** The public address Kiali builds its OpenID redirect from (scheme, host, port, web root), where published. */
  readonly server: { readonly web_fqdn?: string; readonly web_schema?: 'https'; readonly web_port?: string; readonly web_root: string };
}

/**
 * Kiali, the mesh topology view the design lists (issue 13 item 5): read-only (`view_only_mode`),
 * behind the platform's Keycloak realm (OpenID Connect; the client secret is the bootstrap Secret
 * `kiali`, never in git), reading the cluster's Prometheus and Tempo. Kiali uses its own read-only
 * ServiceAccount for the Kubernetes API (`disable_rbac`), so it works on clusters whose API server
 * does not trust Keycloak (AKS, GKE). The chart's own security context meets Pod Security restricted.
 */
export const kiali: HelmChart<KialiValues> = {
  name: 'kiali',
  releaseName: 'kiali',
  chart: { repoURL: 'https://kiali.org/helm-charts', chart: 'kiali-server', version: '2.29.0' },
  namespace: PlatformNamespaces.kiali,
  // Where the mesh and Prometheus both run.
  placement: { traits: ['nodeAgents', 'full'] },
  console: KIALI_CONSOLE,
  crdGroups: [],
  description: 'Mesh topology view (read-only, OIDC sign-in)',
  bootstrap: () => [
    [
      `Give Kiali the secret of its OIDC client \`${KIALI_OIDC.clientId}\` in the \`${PLATFORM_REALM}\` realm (sign-in to the read-only mesh view), and the key it signs its sessions with (generated here, once: never in git):`,
      '',
      '   ```sh',
      `   kubectl create namespace ${PlatformNamespaces.kiali}`,
      `   kubectl -n ${PlatformNamespaces.kiali} create secret generic ${KIALI_OIDC.secret} --from-literal=${KIALI_OIDC.secretKey}="$KIALI_OIDC_CLIENT_SECRET"`,
      `   kubectl -n ${PlatformNamespaces.kiali} create secret generic ${KIALI_SIGNING_KEY.secret} --from-literal=${KIALI_SIGNING_KEY.key}="$(openssl rand -hex 16)"`,
      '   ```',
    ],
  ],
  values: ({ environment, cluster }) => {
    const oidc = kubernetesOidc(environment);
    const published = servesConsoles(environment, cluster);
    return {
      auth: published
        ? {
            strategy: 'openid',
            openid: {
              client_id: KIALI_OIDC.clientId,
              issuer_uri: oidc.issuerUrl,
              username_claim: oidc.usernameClaim,
              scopes: ['openid', 'profile', 'email', 'groups'],
              disable_rbac: true,
            },
          }
        : { strategy: 'token' },
      deployment: {
        view_only_mode: true,
        replicas: environment.sizing.ha ? 2 : 1,
        resources: resources('50m', '128Mi', '500m', '1Gi'),
        secret_name: KIALI_OIDC.secret,
        network_policy: { enabled: false },
      },
      external_services: {
        istio: { root_namespace: PlatformNamespaces.istio },
        prometheus: { enabled: true, url: MonitoringEndpoints.prometheus },
        tracing: { enabled: true, provider: 'tempo', internal_url: MonitoringEndpoints.tempo, use_grpc: false },
        grafana: { enabled: true, internal_url: MonitoringEndpoints.grafana },
      },
      istio_namespace: PlatformNamespaces.istio,
      login_token: { signing_key: `secret:${KIALI_SIGNING_KEY.secret}:${KIALI_SIGNING_KEY.key}` },
      server: published
        ? { web_fqdn: new URL(kialiUrl({ cluster, environment })).host, web_schema: 'https', web_port: '443', web_root: KIALI_WEB_ROOT }
        : { web_root: KIALI_WEB_ROOT },
    };
  },
};
