import { VirtualService } from '../../imports/istio-networking.istio.io';
import { PodMonitor } from '../../imports/prometheus-podmonitor-monitoring.coreos.com';
import { BootstrapStep, ChartTarget, NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { kubernetesOidc } from '../core/cloud';
import { KEYCLOAK_DATABASE, keycloakDatabase, platformDatabaseInstances } from '../core/database-topology';
import {
  DatabaseCredentials,
  KEYCLOAK_SECRETS_OWNER,
  keycloakDatabaseCredentials,
  platformClientSecretRemoteName,
  realmSecretsRemoteName,
  SECRET_DELIVERY_CLUSTERS,
  secretReaders,
  secretStorePutCommand,
} from '../core/secret-store';
import { isProvisioned } from '../core/cloud';
import { Flow, FlowTarget, INTERNET, namespaceBaseFlows, workloadIdentityFlows } from '../core/flows';
import { ClusterConfig, EnvironmentConfig } from '../core/model';
import { resources } from '../core/pod-security';
import { KEYCLOAK, KEYCLOAK_SITES, keycloakHost, keycloakUrl, PLATFORM_ADMIN_GROUP, PLATFORM_REALM, PLATFORM_VIEWER_GROUP, realmGroup } from '../core/realm';
import { placementApplies } from '../core/topology';
import { servesConsoles } from '../core/traffic-failover';
import { CNPG_OPERATOR_PODS, databasesFolder, TenantDatabase } from '../data';
import { databaseSecretStore, deliversCloudSecrets, EXTERNAL_SECRET_REFRESH, EXTERNAL_SECRETS_API } from '../secrets';
import { realmSecretName } from '../tenants';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ARGOCD_OIDC, argoCd, argoCdUrl } from '../gitops';
import { gatewayPods, INGRESS_GATEWAY, IngressGateway, serviceHost } from '../mesh';
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
import { KeycloakHttpService, KeycloakPorts, KeycloakServer, keycloakServiceName } from './keycloak-server';
import { PLATFORM_CLIENTS_SECRET, PlatformClient, PlatformRealmImport } from './platform-realm';

/** The cluster folder of each Keycloak site: the `Keycloak` (where its database is primary), its Service, route and the platform realm. */
export const KEYCLOAK_FOLDER = KEYCLOAK.folder;

/** The environment folder of Keycloak's route, synced by every Keycloak site (lib/core/realm.ts KEYCLOAK_SITES). */
export const KEYCLOAK_ROUTE_FOLDER = 'keycloak-route';

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
 * at a pinned tag, {@link keycloakOperator}) on every database site ({@link KEYCLOAK_SITES}), its
 * database a distributed topology over them (lib/core/database-topology.ts `keycloakDatabase`), and one
 * `Keycloak` per environment where that database is primary, served at `auth.<baseDomain>` through the
 * ingress gateway of every site, HA (2 instances) where the environment is. It imports the platform
 * realm (here) and every tenant realm (lib/tenants), whose secrets come from the cloud store.
 */
export class KeycloakAddOn implements PlatformAddOn {
  public readonly name = 'keycloak';
  public readonly manifests = [{ ...keycloakOperator, bootstrap: (t: ChartTarget) => [keycloakBootstrapStep(platformClients(t), t)] }];
  public readonly namespaces: readonly NamespaceDeclaration[] = [{ name: KEYCLOAK.namespace, podSecurity: 'restricted', thirdPartyImages: true }];

  /**
   * On the cluster running Keycloak: the operator reaches the API server; the ingress gateway routes
   * the public host to Keycloak's HTTP port; Keycloak (and the operator's realm-import jobs) reach
   * PostgreSQL; Keycloak's instances form one Infinispan cluster; the CloudNativePG operator manages
   * the instances, which archive to the object store; Prometheus scrapes Keycloak and PostgreSQL.
   */
  public flows(t: FlowTarget): Flow[] {
    if (!placementApplies(KEYCLOAK_SITES, t.cluster)) return [];
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
    const database = keycloakDatabase(ctx.platform, env);
    if (!database) return;
    const ha = env.sizing.ha;
    const ns = KEYCLOAK.namespace;
    // Keycloak runs where its database accepts writes (it cannot start on a read-only replica).
    const active = database.primary.cluster;
    for (const site of database.sites) {
      const cluster = site.cluster;
      // Its database site, with the other databases (Application <env>-databases, never pruned; the runbook's patches
      // name it): a primary on the primary site, a replica replaying its archive elsewhere, the same credentials on every
      // site from the cloud store (lib/core/secret-store.ts keycloakDatabaseCredentials).
      const data = databasesFolder(ctx.output, cluster).manifest(ns, { namespace: ns });
      let credentials: DatabaseCredentials | undefined;
      if (deliversCloudSecrets(ctx.catalog, cluster)) {
        const reader = secretReaders(env, cluster, ctx).find((r) => r.tenantId === KEYCLOAK_SECRETS_OWNER);
        if (!reader) throw new Error(`cluster ${cluster.name}: no secret reader for ${ns} (lib/core/secret-store.ts secretReaders)`);
        databaseSecretStore(data, env, cluster, reader);
        credentials = keycloakDatabaseCredentials();
      }
      new TenantDatabase(data, 'KeycloakDatabase', {
        spec: { name: KEYCLOAK.database, replicas: platformDatabaseInstances(ha), size: KEYCLOAK_DATABASE.size, version: KEYCLOAK_DATABASE.version },
        namespace: ns,
        databaseName: KEYCLOAK.databaseName,
        resources: KEYCLOAK_DATABASE.resources,
        labels: { 'app.kubernetes.io/part-of': 'keycloak' },
        ha,
        credentials,
        topology: { self: site, primary: database.primary, sites: database.sites, objectives: database.objectives },
      });
    }

    // The route of auth.<baseDomain>, its certificate and the Service behind it: one folder synced by every site, so a
    // promoted secondary serves the host at once (its issuers solve DNS-01 on the zone, lib/core/traffic-failover.ts, so
    // the certificate exists beforehand); the Service has no endpoints where Keycloak does not run.
    const route = ctx.output.folder(KEYCLOAK_ROUTE_FOLDER, {
      placement: KEYCLOAK_SITES,
      syncWave: SyncWave.data,
      description: `The route of ${keycloakUrl(env)} on every Keycloak site: Gateway, certificate, VirtualService and Service`,
    });
    new KeycloakHttpService(route.manifest('service'), 'Service');
    this.route(route.manifest('route'), env);

    // Keycloak itself, where its database is primary. Still never pruned (as when its database was here): when the
    // primary moves back, the runbook deletes the Keycloak left on the returning site before its database rejoins.
    const folder = ctx.output.clusterFolder(active, KEYCLOAK_FOLDER, {
      stateful: true,
      syncWave: SyncWave.data,
      description: `Keycloak of ${env.name} (${keycloakUrl(env)}), where its database is primary: the Keycloak and the platform realm`,
    });
    new KeycloakServer(folder.manifest('keycloak'), 'Keycloak', {
      instances: ha ? 2 : 1,
      host: keycloakHost(env),
      resources: resources('500m', '1Gi', '2', '2Gi'),
    });
    if (placementApplies(kubePrometheusStack.placement, active)) {
      new PodMonitor(folder.manifest('monitoring'), 'Metrics', {
        metadata: { name: KEYCLOAK.instance, namespace: ns, labels: { ...PROMETHEUS_SELECTOR_LABELS } },
        spec: {
          selector: { matchLabels: { ...KEYCLOAK_SERVER_PODS.podLabels } },
          podMetricsEndpoints: [{ portNumber: KeycloakPorts.management, path: '/metrics' }],
        },
      });
    }
    // The realms' secrets (the platform clients', each tenant realm's broker and LDAP bind secret) from the cloud store of every
    // site, through Keycloak's reader (keycloak--* only), in the wave of the realm imports that read them.
    if (database.sites.every((site) => deliversCloudSecrets(ctx.catalog, site.cluster))) {
      const secrets = ctx.output.folder(KEYCLOAK_SECRETS_FOLDER, {
        placement: KEYCLOAK_SITES,
        syncWave: SyncWave.routes,
        description: `The secrets of ${env.name}'s realms from the cloud store of each Keycloak site (platform clients, tenant brokers and directories)`,
      });
      new RealmSecrets(secrets.manifest('realm-secrets'), 'RealmSecrets', {
        clients: platformClients({ platform: ctx.platform, environment: env, backups: ctx.backups, services: ctx.services }),
        tenantIds: ctx.tenants.map((t) => t.tenantId),
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
    // The ingress gateway's public-host mechanism (HTTPS server, port 80 for ACME only, the certificate), on a Gateway of Keycloak's own.
    const gateway = new IngressGateway(chart, 'Ingress', { deployment: { ...INGRESS_GATEWAY, gatewayName: KEYCLOAK_GATEWAY } });
    gateway.addHost(host, KEYCLOAK.namespace);
    new VirtualService(chart, 'Route', {
      metadata: { name: KEYCLOAK.instance, namespace: KEYCLOAK.namespace, annotations: argoAnnotations({ wave: SyncWave.routes }) },
      spec: {
        hosts: [host],
        gateways: [gateway.reference],
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

/** The environment folder of the realms' secrets (ExternalSecrets), synced by every Keycloak site. */
export const KEYCLOAK_SECRETS_FOLDER = 'keycloak-secrets';

/** What {@link RealmSecrets} delivers. */
export interface RealmSecretsProps {
  /** The platform realm's clients (the confidential ones have a secret). */
  readonly clients: readonly PlatformClient[];
  /** The tenants whose realms the environment's Keycloak imports. */
  readonly tenantIds: readonly string[];
}

/**
 * The Secrets the realm imports read, as ExternalSecrets of Keycloak's store (ClusterSecretStore
 * `keycloak`, whose reader may read `keycloak--*` only): `keycloak-platform-clients` (one key per
 * confidential client, from `keycloak--client-<clientId>`) and per tenant `keycloak-realm-<tenantId>`
 * (the keys of the JSON object `keycloak--realm-<tenantId>`). Names from lib/core/secret-store.ts.
 */
export class RealmSecrets extends Construct {
  constructor(scope: Construct, id: string, props: RealmSecretsProps) {
    super(scope, id);
    const store = { kind: 'ClusterSecretStore', name: keycloakDatabaseCredentials().storeName };
    const annotations = argoAnnotations({ wave: SyncWave.routes });
    const confidential = props.clients.filter((c) => c.confidential).map((c) => c.clientId);
    new ApiObject(this, 'Clients', {
      apiVersion: EXTERNAL_SECRETS_API,
      kind: 'ExternalSecret',
      metadata: { name: PLATFORM_CLIENTS_SECRET, namespace: KEYCLOAK.namespace, annotations },
      spec: {
        refreshInterval: EXTERNAL_SECRET_REFRESH,
        secretStoreRef: store,
        target: { name: PLATFORM_CLIENTS_SECRET, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
        data: confidential.map((clientId) => ({ secretKey: clientId, remoteRef: { key: platformClientSecretRemoteName(clientId) } })),
      },
    });
    for (const tenantId of [...props.tenantIds].sort()) {
      new ApiObject(this, `Realm-${tenantId}`, {
        apiVersion: EXTERNAL_SECRETS_API,
        kind: 'ExternalSecret',
        metadata: { name: realmSecretName(tenantId), namespace: KEYCLOAK.namespace, annotations },
        spec: {
          refreshInterval: EXTERNAL_SECRET_REFRESH,
          secretStoreRef: store,
          target: { name: realmSecretName(tenantId), creationPolicy: 'Owner', deletionPolicy: 'Retain' },
          dataFrom: [{ extract: { key: realmSecretsRemoteName(tenantId) } }],
        },
      });
    }
  }
}

/**
 * The secrets of the platform realm's confidential clients, before the realm imports sync (never in
 * git): on a cluster whose cloud store the External Secrets Operator reads, one generated value per
 * client put into the store under the model's name (`keycloak--client-<clientId>`, the same on every
 * site; the consumers are given the same value); elsewhere the Secret, by hand.
 */
export function keycloakBootstrapStep(clients: readonly PlatformClient[], t?: ChartTarget): BootstrapStep {
  const confidential = clients.filter((c) => c.confidential).map((c) => c.clientId);
  const cluster = t?.cluster;
  if (t && cluster && isProvisioned(cluster) && placementApplies(SECRET_DELIVERY_CLUSTERS, cluster)) {
    const put = (clientId: string) =>
      secretStorePutCommand(
        t.environment,
        cluster,
        KEYCLOAK_SECRETS_OWNER,
        platformClientSecretRemoteName(clientId),
        `"$${clientId.toUpperCase()}_OIDC_CLIENT_SECRET"`,
      );
    return [
      `Put the secrets of the \`${PLATFORM_REALM}\` realm's confidential clients (${confidential.map((c) => `\`${c}\``).join(', ')}) into this cluster's secret store, the same values on every Keycloak site; the ExternalSecret \`${PLATFORM_CLIENTS_SECRET}\` (folder \`${KEYCLOAK_SECRETS_FOLDER}\`) delivers them to the realm import. Give each consumer the same value (Argo CD, Grafana, Kiali steps). Each tenant realm's secrets go in as \`${realmSecretsRemoteName('<tenantId>')}\` when the tenant is onboarded (docs/identity.md). A name Argo CD's step already put into the same store stays (\`create-secret\` refuses it):`,
      '',
      '   ```sh',
      ...confidential.map((c) => `   ${put(c)}`),
      '   ```',
    ];
  }
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
