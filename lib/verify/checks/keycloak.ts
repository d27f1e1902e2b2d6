import { KubeManifest } from '../../core/checks';
import { isProvisioned } from '../../core/cloud';
import { KEYCLOAK } from '../../core/realm';
import { allObjects } from '../state';
import { ClusterState, describeManifest, Finding, StateObject, VerifyCheck, VerifyContext } from '../types';
import { stackFor } from './identity';

/**
 * `identity/keycloak`: the realms everything trusts are served. Every KeycloakRealmImport targets a
 * `Keycloak` of its namespace on the same cluster; every issuer a consumer trusts (RequestAuthentications,
 * Argo CD, Grafana, Kiali, the API servers' OIDC) is `https://<host>/realms/<realm>` of a Keycloak of
 * the environment whose hostname is that host, routed by an ingress Gateway server for the host, and
 * which imports that realm; every OIDC client a consumer names exists in that realm, with the
 * consumer's callback among its redirect URIs; a replica site of Keycloak's database routes the host
 * of the environment's Keycloak already (it starts there when promoted).
 */

const CHECK = 'identity/keycloak';
type Emit = Omit<Finding, 'check' | 'environment' | 'cluster'>;

/** One party that trusts a realm: where it is configured, the issuer, and the client it signs in with. */
interface Consumer {
  /** `Argo CD`, `Grafana`, `RequestAuthentication ns/name`. */
  readonly what: string;
  /** Where it is configured (dist/ path or Terraform stack). */
  readonly file: string;
  /** The object configuring it. */
  readonly object: string;
  /** The issuer it trusts. */
  readonly issuer: string;
  /** The client it signs in with, and the redirect URI it uses (absent for token validation only). */
  readonly client?: { readonly id: string; readonly redirectUri?: string };
  /** Namespace of the consumer's pods (a chart's release), which its redirect must be routed to. */
  readonly namespace?: string;
}

const isKind = (m: KubeManifest, group: string, kind: string) => m.kind === kind && (m.apiVersion ?? '').split('/')[0] === group;

/** What each consumer on a cluster trusts (issuers and clients), read from the objects and the Terraform stack as configured. */
export function realmConsumers(state: ClusterState, ctx: VerifyContext): Consumer[] {
  const out: Consumer[] = [];
  for (const o of allObjects(state)) {
    const m = o.manifest;
    if (isKind(m, 'security.istio.io', 'RequestAuthentication')) {
      for (const rule of (m.spec?.jwtRules ?? []) as { issuer?: string }[])
        if (rule.issuer) out.push({ what: describeManifest(m), file: o.file, object: describeManifest(m), issuer: rule.issuer });
    }
    if (m.kind !== 'Application' || !m.apiVersion.startsWith('argoproj.io/')) continue;
    const chart = m.spec?.source?.chart;
    const values = m.spec?.source?.helm?.valuesObject ?? {};
    if (chart === 'argo-cd') {
      const cm = values.configs?.cm ?? {};
      const oidc = typeof cm['oidc.config'] === 'string' ? cm['oidc.config'] : '';
      const issuer = /^issuer:\s*(\S+)/m.exec(oidc)?.[1];
      const clientId = /^clientID:\s*(\S+)/m.exec(oidc)?.[1];
      if (issuer)
        out.push({
          what: 'Argo CD',
          namespace: m.spec?.destination?.namespace,
          file: o.file,
          object: describeManifest(m),
          issuer,
          client: clientId ? { id: clientId, redirectUri: cm.url ? `${cm.url}/auth/callback` : undefined } : undefined,
        });
    } else if (chart === 'kube-prometheus-stack') {
      const ini = values.grafana?.['grafana.ini'] ?? {};
      const oauth = ini['auth.generic_oauth'];
      if (oauth?.enabled && typeof oauth.auth_url === 'string') {
        const issuer = oauth.auth_url.replace(/\/protocol\/openid-connect\/auth$/, '');
        const root = ini.server?.root_url;
        out.push({
          what: 'Grafana',
          namespace: m.spec?.destination?.namespace,
          file: o.file,
          object: describeManifest(m),
          issuer,
          client: { id: oauth.client_id, redirectUri: root ? `${String(root).replace(/\/+$/, '')}/login/generic_oauth` : undefined },
        });
      }
    } else if (chart === 'kiali-server') {
      const issuer = values.auth?.openid?.issuer_uri;
      const server = values.server ?? {};
      const port = server.web_port && !['443', '80'].includes(String(server.web_port)) ? `:${server.web_port}` : '';
      const redirectUri = server.web_fqdn ? `${server.web_schema ?? 'https'}://${server.web_fqdn}${port}${server.web_root ?? ''}` : undefined;
      if (issuer)
        out.push({
          what: 'Kiali',
          file: o.file,
          object: describeManifest(m),
          issuer,
          client: { id: values.auth.openid.client_id, redirectUri },
          namespace: m.spec?.destination?.namespace,
        });
    }
  }
  if (isProvisioned(state.cluster) && state.cluster.cloud === 'aws') {
    const stack = stackFor(ctx, state.environment.name, 'aws');
    for (const r of stack?.resources.filter((x) => x.type === 'aws_eks_identity_provider_config') ?? []) {
      const oidc = [r.body.oidc].flat()[0] as { issuer_url?: string; client_id?: string } | undefined;
      if (oidc?.issuer_url)
        out.push({
          what: `the API server of ${state.cluster.name}`,
          file: stack!.file,
          object: r.address,
          issuer: oidc.issuer_url,
          client: oidc.client_id ? { id: oidc.client_id } : undefined,
        });
    }
  }
  return out;
}

/** A Keycloak of the environment: its object, cluster, public host, the realms imported on it and whether a Gateway routes its host. */
interface ServedKeycloak {
  readonly cluster: string;
  readonly keycloak: KubeManifest;
  readonly host: string;
  readonly realms: ReadonlyMap<string, KubeManifest>;
  readonly routed: boolean;
}

function hostOf(hostname: unknown): string | undefined {
  if (typeof hostname !== 'string' || !hostname) return undefined;
  return hostname.replace(/^https?:\/\//, '').replace(/[/:].*$/, '');
}

/**
 * The VirtualServices that route `host` over HTTPS: bound to a Gateway whose port-443 server admits the
 * host for the route's namespace.
 */
function httpsRoutes(gateways: readonly KubeManifest[], routes: readonly KubeManifest[], host: string): KubeManifest[] {
  return routes.filter(
    (r) =>
      (r.spec?.hosts ?? []).includes(host) &&
      (r.spec?.gateways ?? []).some((g: string) => {
        const [gns, gname] = g.includes('/') ? g.split('/') : [r.metadata.namespace, g];
        const gw = gateways.find((x) => x.metadata.namespace === gns && x.metadata.name === gname);
        return (gw?.spec?.servers ?? []).some(
          (s: any) => s.port?.number === 443 && (s.hosts ?? []).some((h: string) => h === `${r.metadata.namespace}/${host}` || h === `*/${host}` || h === host),
        );
      }),
  );
}

/** The Keycloaks of one cluster's state. */
function keycloaksOf(state: ClusterState): ServedKeycloak[] {
  const objects = allObjects(state).map((o) => o.manifest);
  const imports = objects.filter((m) => isKind(m, 'k8s.keycloak.org', 'KeycloakRealmImport'));
  const gateways = objects.filter((m) => isKind(m, 'networking.istio.io', 'Gateway'));
  const routes = objects.filter((m) => isKind(m, 'networking.istio.io', 'VirtualService'));
  const out: ServedKeycloak[] = [];
  for (const k of objects.filter((m) => isKind(m, 'k8s.keycloak.org', 'Keycloak'))) {
    const host = hostOf(k.spec?.hostname?.hostname);
    if (!host) continue;
    const ns = k.metadata.namespace;
    const realms = new Map<string, KubeManifest>();
    for (const i of imports)
      if (i.metadata.namespace === ns && i.spec?.keycloakCRName === k.metadata.name && i.spec?.realm?.realm) realms.set(i.spec.realm.realm, i);
    out.push({ cluster: state.cluster.name, keycloak: k, host, realms, routed: httpsRoutes(gateways, routes, host).length > 0 });
  }
  return out;
}

export function keycloakFindings(state: ClusterState, ctx: VerifyContext): Emit[] {
  const out: Emit[] = [];
  const objects = allObjects(state);
  const keycloaks = objects.filter((o) => isKind(o.manifest, 'k8s.keycloak.org', 'Keycloak'));
  for (const o of objects.filter((x: StateObject) => isKind(x.manifest, 'k8s.keycloak.org', 'KeycloakRealmImport'))) {
    const m = o.manifest;
    const target = m.spec?.keycloakCRName;
    if (!keycloaks.some((k) => k.manifest.metadata.namespace === m.metadata.namespace && k.manifest.metadata.name === target))
      out.push({
        file: o.file,
        object: describeManifest(m),
        message: `imports realm ${m.spec?.realm?.realm} into Keycloak ${m.metadata.namespace}/${target}, which ${state.cluster.name} does not run: the operator never imports it`,
        fix: 'route the realm imports to the cluster running the environment’s Keycloak (lib/core/realm.ts KEYCLOAK_PLACEMENT) and name KEYCLOAK.instance',
      });
  }
  const served = ctx.clusters.filter((c) => c.environment.name === state.environment.name).flatMap(keycloaksOf);
  const gateways = objects.map((o) => o.manifest).filter((m) => isKind(m, 'networking.istio.io', 'Gateway'));
  const routes = objects.map((o) => o.manifest).filter((m) => isKind(m, 'networking.istio.io', 'VirtualService'));
  // A replica site of Keycloak's database runs no Keycloak until it is promoted; its route must be there already, so
  // that the promoted Keycloak serves the same host (docs/disaster-recovery.md, "Keycloak").
  const standby = objects.find(
    (o) =>
      o.manifest.kind === 'Cluster' &&
      o.manifest.apiVersion.startsWith('postgresql.cnpg.io/') &&
      o.manifest.metadata.namespace === KEYCLOAK.namespace &&
      o.manifest.metadata.name === KEYCLOAK.database &&
      o.manifest.spec?.replica &&
      o.manifest.spec.replica.self !== o.manifest.spec.replica.primary,
  );
  if (standby) {
    for (const host of [...new Set(served.map((k) => k.host))].sort())
      if (!httpsRoutes(gateways, routes, host).length)
        out.push({
          file: standby.file,
          object: describeManifest(standby.manifest),
          message: `${state.cluster.name} is a replica site of Keycloak's database, but no ingress Gateway server and VirtualService route ${host} here: after its promotion Keycloak would run without a way in`,
          fix: 'route the Keycloak host on every Keycloak site (lib/identity/keycloak-addon.ts, folder keycloak-route)',
        });
  }
  for (const c of realmConsumers(state, ctx)) {
    const m = /^https:\/\/([^/]+)\/realms\/([^/]+)$/.exec(c.issuer);
    const at = { file: c.file, object: c.object };
    // A browser sign-in comes back to the consumer's own URL: this cluster's ingress must route it to the consumer.
    const back = c.client?.redirectUri && /^https:\/\/([^/:]+)(?::443)?(\/|$)/.exec(c.client.redirectUri)?.[1];
    if (back && c.namespace) {
      const toConsumer = httpsRoutes(gateways, routes, back).filter((r) => r.metadata.namespace === c.namespace);
      if (!toConsumer.length)
        out.push({
          ...at,
          message: `${c.what} sends sign-ins back to ${c.client!.redirectUri}, but no ingress Gateway HTTPS server and VirtualService of namespace ${c.namespace} route ${back} on ${state.cluster.name}: the browser never gets back`,
          fix: 'publish the console where the cluster takes public traffic (lib/core/traffic-failover.ts consoleSites, lib/mesh/console-routes.ts), or give it no browser sign-in there',
        });
    }
    if (!m) {
      out.push({
        ...at,
        message: `${c.what} trusts ${c.issuer}, which is not a Keycloak realm issuer (https://<host>/realms/<realm>)`,
        fix: 'take the issuer from lib/core/realm.ts realmIssuer(keycloakUrl(environment), realm)',
      });
      continue;
    }
    const [, host, realm] = m;
    const keycloak = served.find((k) => k.host === host);
    if (!keycloak) {
      const hosts = [...new Set(served.map((k) => k.host))];
      out.push({
        ...at,
        message: `${c.what} trusts ${c.issuer}, but no Keycloak of ${state.environment.name} is served at ${host} (${hosts.length ? `Keycloak hosts: ${hosts.join(', ')}` : 'the environment runs no Keycloak'})`,
        fix: 'derive the issuer from lib/core/realm.ts keycloakUrl(environment), the host the Keycloak add-on (lib/identity) serves',
      });
      continue;
    }
    if (!keycloak.routed)
      out.push({
        ...at,
        message: `${c.what} trusts ${c.issuer}, but no ingress Gateway server and VirtualService route ${host} to the Keycloak on ${keycloak.cluster}`,
        fix: 'route the Keycloak host through the ingress gateway (lib/identity/keycloak-addon.ts)',
      });
    const imported = keycloak.realms.get(realm);
    if (!imported) {
      out.push({
        ...at,
        message: `${c.what} trusts realm ${realm} at ${host}, which the Keycloak on ${keycloak.cluster} does not import (it imports ${[...keycloak.realms.keys()].sort().join(', ') || 'none'})`,
        fix: 'the realm must come from a tenant document (keycloakRealm) or be the platform realm (lib/core/realm.ts PLATFORM_REALM)',
      });
      continue;
    }
    if (!c.client) continue;
    const client = ((imported.spec?.realm?.clients ?? []) as { clientId?: string; redirectUris?: string[] }[]).find((x) => x.clientId === c.client!.id);
    if (!client) {
      out.push({
        ...at,
        message: `${c.what} signs in with client ${c.client.id} of realm ${realm}, which the realm import does not define`,
        fix: 'derive the platform realm’s clients from their consumers (lib/identity/keycloak-addon.ts platformClients)',
      });
    } else if (c.client.redirectUri && !(client.redirectUris ?? []).includes(c.client.redirectUri)) {
      out.push({
        ...at,
        message: `${c.what} is sent back to ${c.client.redirectUri}, which client ${c.client.id} of realm ${realm} does not allow (redirect URIs: ${(client.redirectUris ?? []).join(', ') || 'none'})`,
        fix: 'derive the client’s redirect URIs from the consumer’s URL (lib/identity/keycloak-addon.ts platformClients)',
      });
    }
  }
  return out;
}

export const keycloakCheck: VerifyCheck = {
  name: CHECK,
  description:
    'every realm import targets a Keycloak on its cluster; every issuer a consumer trusts is a realm imported by a routed Keycloak of the environment at that host, and every client it names exists there with its redirect URI',
  run: (state, ctx) => keycloakFindings(state, ctx).map((f) => ({ check: CHECK, environment: state.environment.name, cluster: state.cluster.name, ...f })),
};
