import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
} from '../../imports/cert-manager-certificate-cert-manager.io';
import { Gateway, GatewaySpecServersTlsMinProtocolVersion, GatewaySpecServersTlsMode, VirtualService } from '../../imports/istio-networking.istio.io';
import { PodMonitor } from '../../imports/prometheus-podmonitor-monitoring.coreos.com';
import { BootstrapStep, ChartTarget, NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { argoAnnotations, ClusterIssuers, SyncWave } from '../core/argocd';
import { kubernetesOidc } from '../core/cloud';
import { keycloakDatabase } from '../core/database-topology';
import { Flow, FlowTarget, INTERNET, namespaceBaseFlows, workloadIdentityFlows } from '../core/flows';
import { ClusterConfig, EnvironmentConfig } from '../core/model';
import { resources } from '../core/pod-security';
import {
  KEYCLOAK,
  KEYCLOAK_PLACEMENT,
  keycloakCluster,
  keycloakHost,
  keycloakUrl,
  PLATFORM_ADMIN_GROUP,
  PLATFORM_REALM,
  PLATFORM_VIEWER_GROUP,
  realmGroup,
} from '../core/realm';
import { placementApplies } from '../core/topology';
import { servesConsoles } from '../core/traffic-failover';
import { CNPG_OPERATOR_PODS, TenantDatabase } from '../data';
import { ARGOCD_OIDC, argoCd, argoCdUrl } from '../gitops';
import { gatewayPods, INGRESS_GATEWAY, serviceHost } from '../mesh';
import {
  GRAFANA_OIDC,
  grafanaRedirectUri,
  kiali,
  KIALI_OIDC,
  kialiRedirectUri,
  kubePrometheusStack,
  PROMETHEUS_SELECTOR_LABELS,
  scrapeFlow,
} from '../observability';
import { KEYCLOAK_DATABASE_PODS, KEYCLOAK_OPERATOR_PODS, KEYCLOAK_SERVER_PODS, keycloakOperator } from './keycloak-operator';
import { KeycloakPorts, KeycloakServer, keycloakServiceName } from './keycloak-server';
import { PLATFORM_CLIENTS_SECRET, PlatformClient, PlatformRealmImport } from './platform-realm';

/** The cluster folder of the environment's Keycloak: its database, the `Keycloak`, its route and the platform realm. */
export const KEYCLOAK_FOLDER = 'keycloak';

/** The Gateway (namespace `istio-ingress`, bound to the ingress gateway's pods) serving Keycloak's host. */
export const KEYCLOAK_GATEWAY = 'keycloak';

/** The local redirect of `kubectl oidc-login` (int128/kubelogin's default), the `kubernetes` client's only redirect. */
export const KUBECTL_REDIRECT_URI = 'http://localhost:8000';

/**
 * The platform realm's clients on an environment, derived from the consumers that use them: Argo CD
 * and Grafana of every cluster that runs them (their URLs and callbacks), and the API servers'
 * public client (`kubectl oidc-login`, PKCE). `npm run verify` (`identity/keycloak`) compares them
 * with what the consumers are configured with.
 */
export function platformClients(target: Omit<ChartTarget, 'cluster'>): PlatformClient[] {
  // Browser sign-in only where the console is published (lib/core/traffic-failover.ts consoleSites).
  const clusters = target.environment.clusters.filter((c) => servesConsoles(target.environment, c));
  const at = (c: ClusterConfig): ChartTarget => ({ ...target, cluster: c });
  const grafanaClusters = clusters.filter((c) => placementApplies(kubePrometheusStack.placement, c));
  const kialiClusters = clusters.filter((c) => placementApplies(kiali.placement, c));
  const argoCdClusters = clusters.filter((c) => placementApplies(argoCd.placement, c));
  return [
    ...(argoCdClusters.length
      ? [{ clientId: ARGOCD_OIDC.clientID, name: 'Argo CD', confidential: true, redirectUris: argoCdClusters.map((c) => `${argoCdUrl(at(c))}/auth/callback`) }]
      : []),
    ...(grafanaClusters.length
      ? [{ clientId: GRAFANA_OIDC.clientId, name: 'Grafana', confidential: true, redirectUris: grafanaClusters.map((c) => grafanaRedirectUri(at(c))) }]
      : []),
    ...(kialiClusters.length
      ? [{ clientId: KIALI_OIDC.clientId, name: 'Kiali', confidential: true, redirectUris: kialiClusters.map((c) => kialiRedirectUri(at(c))) }]
      : []),
    { clientId: kubernetesOidc(target.environment).clientId, name: 'Kubernetes API (kubectl)', confidential: false, redirectUris: [KUBECTL_REDIRECT_URI] },
  ];
}

/**
 * Keycloak, the platform's identity provider (issue 12 item 1): the operator (keycloak/keycloak-k8s-resources
 * at a pinned tag, {@link keycloakOperator}) and one `Keycloak` per environment on its primary cluster
 * ({@link KEYCLOAK_PLACEMENT}), served at `auth.<baseDomain>` through the ingress gateway, its data in
 * a CloudNativePG cluster archiving to the cluster's object store, HA (2 instances) where the
 * environment is. It imports the platform realm (here) and every tenant realm (lib/tenants).
 */
export class KeycloakAddOn implements PlatformAddOn {
  public readonly name = 'keycloak';
  public readonly manifests = [{ ...keycloakOperator, bootstrap: (t: ChartTarget) => [keycloakBootstrapStep(platformClients(t))] }];
  public readonly namespaces: readonly NamespaceDeclaration[] = [{ name: KEYCLOAK.namespace, podSecurity: 'restricted', thirdPartyImages: true }];

  /**
   * On the cluster running Keycloak: the operator reaches the API server; the ingress gateway routes
   * the public host to Keycloak's HTTP port; Keycloak (and the operator's realm-import jobs) reach
   * PostgreSQL; Keycloak's instances form one Infinispan cluster; the CloudNativePG operator manages
   * the instances, which archive to the object store; Prometheus scrapes Keycloak and PostgreSQL.
   */
  public flows(t: FlowTarget): Flow[] {
    if (!placementApplies(KEYCLOAK_PLACEMENT, t.cluster)) return [];
    const ns = KEYCLOAK.namespace;
    const flows: Flow[] = [
      ...namespaceBaseFlows('keycloak', ns, t.cluster, { apiServer: { ...KEYCLOAK_OPERATOR_PODS.podLabels } }),
      {
        name: 'keycloak/ingress-to-keycloak',
        from: { pods: gatewayPods(INGRESS_GATEWAY) },
        to: { pods: KEYCLOAK_SERVER_PODS, ports: [{ port: KeycloakPorts.http }] },
        plaintext: true,
        reason: `sign-in at ${keycloakUrl(t.environment)}: TLS ends at the ingress gateway, Keycloak is outside the mesh (its realm-import jobs must end)`,
      },
      {
        name: 'keycloak/keycloak-to-postgres',
        from: { pods: { namespace: ns } },
        to: { pods: KEYCLOAK_DATABASE_PODS, ports: [{ port: 5432 }] },
        plaintext: true,
        reason: "Keycloak and the operator's realm-import jobs use the keycloak-db PostgreSQL (TLS of CloudNativePG)",
      },
      {
        name: 'keycloak/keycloak-clustering',
        from: { pods: KEYCLOAK_SERVER_PODS },
        to: { pods: KEYCLOAK_SERVER_PODS, ports: [{ port: KeycloakPorts.jgroups }, { port: KeycloakPorts.jgroupsFailureDetection }] },
        plaintext: true,
        reason: "Keycloak's instances share sessions and caches (Infinispan over JGroups, TLS of Keycloak)",
      },
      {
        name: 'keycloak/cnpg-operator-to-instances',
        from: { pods: CNPG_OPERATOR_PODS },
        to: { pods: KEYCLOAK_DATABASE_PODS, ports: [{ port: 8000 }, { port: 5432 }] },
        plaintext: true,
        reason: 'the CloudNativePG operator polls instance status and manages PostgreSQL',
      },
      {
        name: 'keycloak/postgres-replication',
        from: { pods: KEYCLOAK_DATABASE_PODS },
        to: { pods: KEYCLOAK_DATABASE_PODS, ports: [{ port: 5432 }, { port: 8000 }] },
        plaintext: true,
        reason: 'streaming replication between the instances of keycloak-db',
      },
      {
        name: 'keycloak/instances-to-object-store',
        from: { pods: KEYCLOAK_DATABASE_PODS },
        to: { external: INTERNET, ports: [{ port: 443 }] },
        plaintext: true,
        reason: 'keycloak-db archives WAL and base backups to the cluster’s object store',
      },
      ...workloadIdentityFlows('keycloak', KEYCLOAK_DATABASE_PODS, t.cluster),
      {
        // The platform realm's identity providers call the tenant realms' token and JWKS endpoints at the public host.
        name: 'keycloak/brokering-to-public-host',
        from: { pods: KEYCLOAK_SERVER_PODS },
        to: { external: INTERNET, ports: [{ port: 443 }] },
        plaintext: true,
        reason: `the platform realm brokers the tenant realms through ${keycloakUrl(t.environment)} (token and JWKS endpoints, over the ingress gateway)`,
      },
    ];
    // Tenants' directories (LDAPS, read-only federation), on the ports their documents name.
    const ldapPorts = [...new Set(t.tenants.flatMap((x) => (x.ldap ? [ldapsPort(x.ldap.connectionUrl)] : [])))].sort((a, b) => a - b);
    if (ldapPorts.length)
      flows.push({
        name: 'keycloak/ldap-federation',
        from: { pods: KEYCLOAK_SERVER_PODS },
        to: { external: INTERNET, ports: ldapPorts.map((port) => ({ port })) },
        plaintext: true,
        reason: `tenant realms federate their directories over LDAPS (${t.tenants
          .filter((x) => x.ldap)
          .map((x) => x.ldap!.connectionUrl)
          .join(', ')})`,
      });
    if (placementApplies(kubePrometheusStack.placement, t.cluster)) {
      flows.push(
        scrapeFlow('keycloak/scrape-keycloak', KEYCLOAK_SERVER_PODS, [KeycloakPorts.management], 'Prometheus scrapes Keycloak’s metrics (PodMonitor keycloak)'),
        scrapeFlow('keycloak/scrape-postgres', KEYCLOAK_DATABASE_PODS, [9187], 'Prometheus scrapes the PostgreSQL exporter of keycloak-db'),
      );
    }
    return flows;
  }

  public deploy(ctx: PlatformContext): void {
    const env = ctx.environment;
    const cluster = keycloakCluster(env);
    if (!cluster) return;
    const folder = ctx.output.clusterFolder(cluster, KEYCLOAK_FOLDER, {
      stateful: true,
      syncWave: SyncWave.data,
      description: `Keycloak of ${env.name} (${keycloakUrl(env)}): its PostgreSQL, the Keycloak, its route and the platform realm`,
    });
    const ns = KEYCLOAK.namespace;
    const ha = env.sizing.ha;

    // Data: a CloudNativePG cluster archiving to this cluster's store (single site: Keycloak runs on the primary only).
    // One site, alerted by the databases add-on with the platform tier's objectives (lib/core/database-topology.ts).
    const database = keycloakDatabase(ctx.platform, env)!;
    new TenantDatabase(folder.manifest('database'), 'Database', {
      spec: {
        name: KEYCLOAK.database,
        replicas: ha ? 3 : 1,
        size: '10Gi',
        version: '17',
      },
      namespace: ns,
      databaseName: KEYCLOAK.databaseName,
      resources: { cpu: '500m', memory: '1Gi' },
      labels: { 'app.kubernetes.io/part-of': 'keycloak' },
      ha,
      topology: { self: database.primary, primary: database.primary, sites: database.sites, objectives: database.objectives },
    });

    new KeycloakServer(folder.manifest('keycloak'), 'Keycloak', {
      instances: ha ? 2 : 1,
      host: keycloakHost(env),
      resources: resources('500m', '1Gi', '2', '2Gi'),
    });
    this.route(folder.manifest('route'), env);

    if (placementApplies(kubePrometheusStack.placement, cluster)) {
      new PodMonitor(folder.manifest('monitoring'), 'Metrics', {
        metadata: { name: KEYCLOAK.instance, namespace: ns, labels: { ...PROMETHEUS_SELECTOR_LABELS } },
        spec: {
          selector: { matchLabels: { ...KEYCLOAK_SERVER_PODS.podLabels } },
          podMetricsEndpoints: [{ portNumber: KeycloakPorts.management, path: '/metrics' }],
        },
      });
    }

    new PlatformRealmImport(folder.manifest('platform-realm'), 'PlatformRealm', {
      keycloakUrl: keycloakUrl(env),
      tenants: ctx.tenants,
      clients: platformClients({ platform: ctx.platform, environment: env, backups: ctx.backups, services: ctx.services }),
      groups: [realmGroup(PLATFORM_REALM, PLATFORM_ADMIN_GROUP), realmGroup(PLATFORM_REALM, PLATFORM_VIEWER_GROUP)],
    });
  }

  /** The public host: a Gateway server with a cert-manager certificate, and the route to Keycloak's Service. */
  private route(chart: import('cdk8s').Chart, env: EnvironmentConfig): void {
    const host = keycloakHost(env);
    const credentialName = `${host.replace(/\./g, '-')}-tls`;
    const slug = host.replace(/\./g, '-');
    const scoped = [`${KEYCLOAK.namespace}/${host}`];
    new Certificate(chart, 'Certificate', {
      metadata: { name: credentialName, namespace: INGRESS_GATEWAY.namespace },
      spec: {
        secretName: credentialName,
        dnsNames: [host],
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: ClusterIssuers.production },
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
      },
    });
    new Gateway(chart, 'Gateway', {
      metadata: { name: KEYCLOAK_GATEWAY, namespace: INGRESS_GATEWAY.namespace },
      spec: {
        selector: { istio: INGRESS_GATEWAY.selector },
        servers: [
          {
            name: `https-${slug}`,
            port: { number: 443, name: `https-${slug}`, protocol: 'HTTPS' },
            hosts: scoped,
            tls: { mode: GatewaySpecServersTlsMode.SIMPLE, credentialName, minProtocolVersion: GatewaySpecServersTlsMinProtocolVersion.TLSV1_UNDERSCORE_2 },
          },
          // Port 80 answers ACME HTTP-01 challenges only (as the platform's Gateway does).
          { name: `http-${slug}`, port: { number: 80, name: `http-${slug}`, protocol: 'HTTP' }, hosts: scoped },
        ],
      },
    });
    new VirtualService(chart, 'Route', {
      metadata: { name: KEYCLOAK.instance, namespace: KEYCLOAK.namespace, annotations: argoAnnotations({ wave: SyncWave.routes }) },
      spec: {
        hosts: [host],
        gateways: [`${INGRESS_GATEWAY.namespace}/${KEYCLOAK_GATEWAY}`],
        http: [
          {
            name: 'keycloak',
            match: [{ port: 443 }],
            route: [{ destination: { host: serviceHost(keycloakServiceName(KEYCLOAK.instance), KEYCLOAK.namespace), port: { number: KeycloakPorts.http } } }],
            timeout: '30s',
          },
        ],
      },
    });
  }
}

/** The port of an `ldaps://host[:port]` URL (636 when absent). */
export function ldapsPort(connectionUrl: string): number {
  const m = /^ldaps:\/\/[^/:]+(?::(\d+))?/.exec(connectionUrl);
  return m?.[1] ? Number(m[1]) : 636;
}

/** The secrets of the platform realm's confidential clients, before the `keycloak` folder syncs (never in git). */
export function keycloakBootstrapStep(clients: readonly PlatformClient[]): BootstrapStep {
  const confidential = clients.filter((c) => c.confidential).map((c) => c.clientId);
  return [
    `Create the secrets of the \`${PLATFORM_REALM}\` realm's confidential clients (${confidential.map((c) => `\`${c}\``).join(', ')}) in namespace \`${KEYCLOAK.namespace}\`; give each consumer the same value (Argo CD, Grafana steps). The realm import reads them as placeholders:`,
    '',
    '   ```sh',
    `   kubectl create namespace ${KEYCLOAK.namespace}`,
    `   kubectl -n ${KEYCLOAK.namespace} create secret generic ${PLATFORM_CLIENTS_SECRET} \\`,
    ...confidential.map((c, i) => `     --from-literal=${c}="$${c.toUpperCase()}_OIDC_CLIENT_SECRET"${i < confidential.length - 1 ? ' \\' : ''}`),
    '   ```',
  ];
}
