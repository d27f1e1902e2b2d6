import { toYamlDocument } from '../core/yaml';
import { spotPodScheduling } from '../core/cloud';
import { ARGOCD_CLIENT_SECRET } from '../core/secret-store';
import { keycloakUrl, PLATFORM_ADMIN_GROUP, PLATFORM_REALM, realmGroup, realmIssuer } from '../core/realm';
import { APPLICATION_HEALTH_LUA } from '../argocd';
import { ChartTarget, HelmChart } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, Resources } from '../core/pod-security';
import { EVERY_CLUSTER, placementApplies, traitsOf } from '../core/topology';
import { ConsoleSpec, consoleUrl, servesConsoles } from '../core/traffic-failover';
import { kubePrometheusStack, PROMETHEUS_SELECTOR_LABELS } from '../observability';

/** One Argo CD component's values we set. */
export interface ArgoComponent {
  /** Pod replicas. @default the chart's (1) */
  readonly replicas?: number;
  /** Requests and limits of the component's main container. */
  readonly resources: Resources;
  /** A PodDisruptionBudget once there are two replicas (a drain then keeps one). */
  readonly pdb?: { readonly enabled: boolean; readonly minAvailable?: number };
  /** Node selection (spot capacity where the cluster sells it per pod). @default the chart's (none) */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Grace period on termination (a preempted spot pod gets at most 25 s). @default the chart's (30) */
  readonly terminationGracePeriodSeconds?: number;
}

/** The Argo CD chart values we set (https://github.com/argoproj/argo-helm/tree/main/charts/argo-cd, 10.x). */
export interface ArgoCdValues {
  /** The chart's NetworkPolicies (the server open to every source) are off: the namespace's policies come from the declared flows. */
  readonly global: { readonly networkPolicy: { readonly create: false } };
  /** `argocd-cm` (health, resource tracking, URL, OIDC) and `argocd-rbac-cm` (group policies). */
  readonly configs: {
    readonly cm: {
      /** Health of child Applications, so that the root Application's sync waves wait for them. */
      readonly 'resource.customizations.health.argoproj.io_Application': string;
      /**
       * Track resources by annotation: the `app.kubernetes.io/instance` label is limited to 63
       * characters, which Application names of long tenant ids exceed.
       */
      readonly 'application.resourceTrackingMethod': 'annotation';
      /** External URL (OIDC redirects come back to it), where the cluster publishes its consoles. */
      readonly url?: string;
      /**
       * Sign-in with the platform's Keycloak realm, where the UI is published; the client secret is read
       * from argocd-secret (bootstrap), never from git. Elsewhere: `argocd --core` with the cluster's RBAC.
       */
      readonly 'oidc.config'?: string;
      /** Anonymous access off; admin login off once OIDC works. */
      readonly 'admin.enabled': boolean;
    };
    /** `argocd-cmd-params-cm`: the server speaks plain HTTP where the ingress gateway ends TLS in front of it. */
    readonly params?: { readonly 'server.insecure': boolean };
    readonly rbac: {
      /** No role by default: access comes from groups only. */
      readonly 'policy.default': string;
      readonly 'policy.csv': string;
      readonly scopes: string;
    };
  };
  /** The application controller, which syncs Applications (one replica: it shards by cluster, and there is one). */
  readonly controller: ArgoComponent & {
    /** The controller's container ports: its metrics port is the scrape flow's. */
    readonly containerPorts: { readonly metrics: number };
    /** Its metrics Service and ServiceMonitor, where a Prometheus runs (`argocd_app_info`: the drift alert). */
    readonly metrics: {
      /** The metrics Service (port 8082). */
      readonly enabled: boolean;
      /** A ServiceMonitor labelled for the cluster's Prometheus. */
      readonly serviceMonitor: { readonly enabled: boolean; readonly additionalLabels: Readonly<Record<string, string>> };
    };
  };
  /** The API server and web UI. */
  readonly server: ArgoComponent;
  /** The repo server, which clones git and renders Helm charts; `copyutil` is its init container. */
  readonly repoServer: ArgoComponent & { readonly copyutil: { readonly resources: Resources } };
  /** The ApplicationSet controller. */
  readonly applicationSet: ArgoComponent;
  /** The notifications controller. */
  readonly notifications: ArgoComponent;
  /** The Redis cache of the controller and the repo server. */
  readonly redis: ArgoComponent;
  /** The pre-sync hook that creates redis' password (Argo CD runs PreSync hooks; a refused one fails the sync). */
  readonly redisSecretInit: { readonly resources: Resources };
  /** Sign-in goes to the platform's OIDC provider directly; no bundled Dex. */
  readonly dex: { readonly enabled: false };
}

export { PLATFORM_REALM, PLATFORM_ADMIN_GROUP };
/** Argo CD's OIDC client in the platform realm, and the argocd-secret key holding its secret (created at bootstrap). */
/** The application controller's metrics port (chart `controller.containerPorts.metrics`, its default). */
export const ARGOCD_CONTROLLER_METRICS_PORT = 8082;

/** Argo CD's client in the platform realm and the key of `argocd-secret` holding its secret (the model's, lib/core/secret-store.ts ARGOCD_CLIENT_SECRET). */
export const ARGOCD_OIDC = { clientID: ARGOCD_CLIENT_SECRET.clientId, secretKey: ARGOCD_CLIENT_SECRET.key } as const;

/** Argo CD's UI, published where the cluster takes public traffic (chart `argocd` release: Service `argocd-server`, port 80 → 8080). */
export const ARGOCD_CONSOLE: ConsoleSpec = {
  app: 'argocd',
  service: 'argocd-server',
  port: 80,
  pods: { podLabels: { 'app.kubernetes.io/name': 'argocd-server', 'app.kubernetes.io/instance': 'argocd' }, containerPort: 8080 },
};

/** Argo CD's external URL on a cluster (`https://argocd.<cluster>.<baseDomain>`). */
export function argoCdUrl(t: Pick<ChartTarget, 'cluster' | 'environment'>): string {
  return consoleUrl(ARGOCD_CONSOLE.app, t);
}

/** The `oidc.config` of Argo CD: the platform realm, groups for RBAC, PKCE. */
export function argoCdOidc(keycloakUrl: string): Record<string, unknown> {
  return {
    name: 'Keycloak',
    issuer: realmIssuer(keycloakUrl, PLATFORM_REALM),
    clientID: ARGOCD_OIDC.clientID,
    clientSecret: `$${ARGOCD_OIDC.secretKey}`,
    requestedScopes: ['openid', 'profile', 'email', 'groups'],
    enablePKCEAuthentication: true,
  };
}

/**
 * Argo CD on every cluster, managing itself: installed once by hand with the same values (shown in
 * the cluster's bootstrap README), then this Application keeps it in sync. Every container has
 * requests and limits (the platform's admission policy requires them; the chart ships none), and
 * the chart's security contexts already meet Pod Security "restricted".
 */
export const argoCd: HelmChart<ArgoCdValues> = {
  name: 'argo-cd',
  releaseName: 'argocd',
  chart: { repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', version: '10.1.1' },
  kubeVersion: '>=1.25.0-0',
  namespace: PlatformNamespaces.argocd,
  placement: EVERY_CLUSTER,
  console: ARGOCD_CONSOLE,
  crdGroups: ['argoproj.io'],
  description: 'Argo CD itself (self-managed, one per cluster), with the Application health check sync waves rely on',
  values: (t: ChartTarget) => {
    const light = traitsOf(t.cluster).light;
    const monitored = placementApplies(kubePrometheusStack.placement, t.cluster);
    const replicas = t.environment.sizing.ha && !light ? 2 : 1;
    const pdb = replicas > 1 ? { enabled: true, minAvailable: 1 } : { enabled: false };
    const published = servesConsoles(t.environment, t.cluster);
    return {
      global: { networkPolicy: { create: false } },
      configs: {
        cm: {
          'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA,
          'application.resourceTrackingMethod': 'annotation',
          ...(published ? { url: argoCdUrl(t), 'oidc.config': toYamlDocument(argoCdOidc(keycloakUrl(t.environment))) } : {}),
          'admin.enabled': false,
        },
        ...(published ? { params: { 'server.insecure': true } } : {}),
        rbac: {
          'policy.default': '',
          'policy.csv': `g, ${realmGroup(PLATFORM_REALM, PLATFORM_ADMIN_GROUP)}, role:admin\n`,
          scopes: '[groups]',
        },
      },
      // The application controller shards by cluster; one cluster, one replica.
      controller: {
        replicas: 1,
        resources: light ? resources('100m', '512Mi', '1') : resources('250m', '1Gi', '2', '2Gi'),
        // The port the scrape flow names (gitops-addon.ts), set rather than left to the chart's default.
        containerPorts: { metrics: ARGOCD_CONTROLLER_METRICS_PORT },
        // Sync and health of every Application for the drift alert, where a Prometheus reads them.
        metrics: { enabled: monitored, serviceMonitor: { enabled: monitored, additionalLabels: monitored ? { ...PROMETHEUS_SELECTOR_LABELS } : {} } },
      },
      server: { replicas, pdb, resources: resources('50m', '128Mi', '500m', '256Mi') },
      // The repo server is stateless and the controller retries what it was rendering: it runs on spot
      // capacity where the cluster sells it per pod (GKE Autopilot Spot Pods).
      repoServer: {
        replicas,
        pdb,
        ...spotPodScheduling(t.cluster),
        resources: light ? resources('50m', '256Mi', '1') : resources('100m', '512Mi', '2', '1Gi'),
        copyutil: { resources: resources('10m', '32Mi', '100m', '64Mi') },
      },
      applicationSet: { replicas: 1, resources: resources('25m', '64Mi', '250m', '128Mi') },
      notifications: { resources: resources('25m', '64Mi', '250m', '128Mi') },
      redis: { resources: resources('50m', '64Mi', '500m', '256Mi') },
      redisSecretInit: { resources: resources('10m', '32Mi', '100m', '64Mi') },
      dex: { enabled: false },
    };
  },
};
