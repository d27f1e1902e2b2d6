import { Flow, FlowTarget, INTERNET, namespaceBaseFlows, PodSet } from '../core/flows';
import { PROMETHEUS_PODS, scrapeFlow, tempo, TEMPO_PODS, TracingBackend } from '../observability';
import { PlatformNamespaces } from '../core/namespaces';
import { keycloakUrl } from '../core/realm';
import { placementApplies, WORKLOAD_CLUSTERS } from '../core/topology';
import { EGRESS_GATEWAY, INGRESS_GATEWAY } from './mesh-config';
import { keycloakRealm } from './jwt-requirement';

/**
 * The pods of a `gateway` chart release: label `istio: <selector>` from our values, SA = release, and
 * the chart's `sidecar.istio.io/inject: "true"` label, which meshes them (injected with the gateway
 * template) though their namespace is not labelled for injection.
 */
export function gatewayPods(gw: typeof INGRESS_GATEWAY): PodSet {
  return { namespace: gw.namespace, podLabels: { istio: gw.selector, 'sidecar.istio.io/inject': 'true' }, serviceAccount: gw.release };
}

/**
 * Stands for a tenant's application pods (its own Applications deploy them, so none is in dist/): a
 * label no platform pod of the namespace carries, so the flow is judged for a meshed application pod
 * and not for the (unmeshed) database instances.
 */
export const TENANT_APPLICATION_POD = { 'ceres.io/role': 'tenant-application' } as const;

/** istiod (chart `istiod`, labels `app: istiod`, SA `istiod`). */
export const ISTIOD_PODS: PodSet = { namespace: PlatformNamespaces.istio, podLabels: { app: 'istiod' }, serviceAccount: 'istiod' };

/** The meshed namespaces a cluster runs: ceres where workloads run, and the tenants it syncs. */
export function meshedNamespaces(t: FlowTarget): string[] {
  return [...(placementApplies(WORKLOAD_CLUSTERS, t.cluster) ? [PlatformNamespaces.core] : []), ...t.tenants.map((x) => `tenant-${x.tenantId}`)].sort();
}

/**
 * What the mesh needs on a cluster: every meshed namespace's sidecars reach istiod (xDS and
 * certificates on 15012); the API server calls istiod's injection and validation webhooks (15017);
 * the ingress gateway reaches every exposed service; services reach what they depend on; the
 * namespaces of an external service reach the egress gateway.
 */
export function meshFlows(t: FlowTarget): Flow[] {
  const flows: Flow[] = [];
  const meshed = new Set<string>(meshedNamespaces(t));
  for (const ns of [...meshed].sort()) {
    flows.push({
      name: `mesh/sidecars-to-istiod/${ns}`,
      from: { pods: { namespace: ns } },
      to: { pods: ISTIOD_PODS, ports: [{ port: 15012 }] },
      plaintext: true,
      reason: 'sidecars fetch configuration (xDS) and workload certificates from istiod',
    });
  }
  flows.push({
    name: 'mesh/api-server-to-istiod-webhooks',
    from: { apiServer: true },
    to: { pods: ISTIOD_PODS, ports: [{ port: 15017 }] },
    plaintext: true,
    reason: 'sidecar injection and config validation webhooks',
  });
  const ingress = gatewayPods(INGRESS_GATEWAY);
  for (const s of t.services.services) {
    if (!meshed.has(s.namespace)) continue;
    const pods: PodSet = { namespace: s.namespace, podLabels: { app: s.name }, serviceAccount: s.serviceAccount ?? s.name };
    if (s.expose) {
      // Signed-in users' requests: the gateway forwards their token, which the service's realm validates.
      const issuer = (s.expose.requireJwt ?? true) ? keycloakRealm(keycloakUrl(t.environment), s.expose.realm ?? 'ceres').issuer : undefined;
      flows.push({
        name: `mesh/ingress-to/${s.namespace}/${s.name}`,
        from: { pods: ingress },
        to: { pods, ports: [{ port: s.port }] },
        reason: `${s.name} is exposed at ${s.expose.hostPrefix}.<domain>`,
        ...(issuer ? { endUserTokenIssuer: issuer } : {}),
      });
    }
    for (const d of s.dependsOn ?? []) {
      const target = t.services.services.find((x) => x.name === d.service && x.namespace === (d.namespace ?? s.namespace));
      if (!target || !meshed.has(target.namespace)) continue;
      flows.push({
        name: `mesh/${s.namespace}/${s.name}-to-${target.namespace}/${target.name}`,
        from: { pods },
        to: {
          pods: { namespace: target.namespace, podLabels: { app: target.name }, serviceAccount: target.serviceAccount ?? target.name },
          ports: (d.ports ?? [target.port]).map((port) => ({ port })),
        },
        reason: `${s.name} depends on ${target.name}`,
      });
    }
  }
  // Every tenant namespace receives what the ingress gateway routes to it (any port: 8080 stands for
  // them) and reaches the egress gateway; the tenant's own AuthorizationPolicy and NetworkPolicies
  // must allow both.
  for (const x of t.tenants) {
    const ns = `tenant-${x.tenantId}`;
    flows.push({
      name: `mesh/ingress-to-tenant/${ns}`,
      from: { pods: ingress },
      // The tenant's application pods (its own Applications deploy them; sidecar-injected by the namespace).
      to: { pods: { namespace: ns, podLabels: TENANT_APPLICATION_POD }, ports: [{ port: 8080 }] },
      endUserTokenIssuer: keycloakRealm(keycloakUrl(t.environment), x.keycloakRealm).issuer,
      registryChecked: false,
      reason: `requests for ${x.displayName}'s hosts, routed by the ingress gateway with a token of realm ${x.keycloakRealm}`,
    });
  }
  flows.push(...controlPlaneFlows(t));
  for (const e of t.services.external) {
    for (const host of e.hosts) {
      flows.push({
        name: `mesh/egress-gateway-to/${e.name}${e.hosts.length > 1 ? `/${host}` : ''}`,
        from: { pods: gatewayPods(EGRESS_GATEWAY) },
        to: { external: { ...INTERNET, host }, ports: [{ port: e.port }] },
        plaintext: true,
        reason: `the egress gateway originates the connections to ${host}`,
      });
    }
    for (const ns of e.namespaces) {
      if (!meshed.has(ns)) continue;
      flows.push({
        name: `mesh/${ns}-to-egress-gateway/${e.name}`,
        // The namespace's pods in the mesh (its CloudNativePG instances are outside it and never use the gateway).
        from: { pods: { namespace: ns, meshed: true } },
        to: { pods: gatewayPods(EGRESS_GATEWAY), ports: [{ port: e.port }] },
        reason: `${e.hosts.join(', ')} is reached through the egress gateway`,
      });
    }
  }
  return flows;
}

/** Flagger (chart `flagger`, labels `app.kubernetes.io/name: flagger`). */
export const FLAGGER_PODS: PodSet = { namespace: PlatformNamespaces.flagger, podLabels: { 'app.kubernetes.io/name': 'flagger' }, serviceAccount: 'flagger' };

/**
 * The mesh's own components: istiod (the API, Keycloak's JWKS for RequestAuthentication, scraped on
 * 15014), the gateways (xDS from istiod, clients from everywhere to the ingress gateway's 80/443 and
 * its load balancer's health checks on 15021, Envoy stats scraped on 15090), Flagger (the API and
 * Prometheus queries for canary analysis).
 */
function controlPlaneFlows(t: FlowTarget): Flow[] {
  const ingress = gatewayPods(INGRESS_GATEWAY);
  const egress = gatewayPods(EGRESS_GATEWAY);
  const flows: Flow[] = [
    ...namespaceBaseFlows('mesh', PlatformNamespaces.istio, t.cluster, { apiServer: true }),
    ...namespaceBaseFlows('mesh', PlatformNamespaces.ingress, t.cluster),
    ...namespaceBaseFlows('mesh', PlatformNamespaces.egress, t.cluster),
    ...namespaceBaseFlows('mesh', PlatformNamespaces.flagger, t.cluster, { apiServer: true }),
    {
      name: 'mesh/istiod-to-jwks',
      from: { pods: ISTIOD_PODS },
      to: { external: INTERNET, ports: [{ port: 443 }] },
      plaintext: true,
      reason: `istiod fetches the signing keys of ${keycloakUrl(t.environment)} for RequestAuthentication`,
    },
    scrapeFlow('mesh/scrape-istiod', ISTIOD_PODS, [15014]),
    {
      name: 'mesh/clients-to-ingress-gateway',
      from: { external: INTERNET },
      to: { pods: ingress, ports: [{ port: 80 }, { port: 443 }, { port: 15021 }] },
      plaintext: true,
      reason:
        'clients reach the platform through the ingress gateway’s load balancer (HTTP redirect and ACME challenges on 80, TLS on 443, health checks on 15021)',
    },
    {
      name: 'mesh/flagger-to-prometheus',
      from: { pods: FLAGGER_PODS },
      to: { pods: PROMETHEUS_PODS, ports: [{ port: 9090 }] },
      plaintext: true,
      reason: 'Flagger queries request success rate and latency for canary analysis',
    },
  ];
  for (const gw of [ingress, egress]) {
    flows.push(
      {
        name: `mesh/gateway-to-istiod/${gw.namespace}`,
        from: { pods: gw },
        to: { pods: ISTIOD_PODS, ports: [{ port: 15012 }] },
        plaintext: true,
        reason: 'gateways fetch their configuration (xDS) and certificates from istiod',
      },
      scrapeFlow(`mesh/scrape-gateway/${gw.namespace}`, gw, [15090], 'Prometheus scrapes Envoy stats of the gateway (PodMonitor envoy-sidecars)'),
    );
    if (placementApplies(tempo.placement, t.cluster)) {
      flows.push({
        name: `mesh/gateway-spans-to-tempo/${gw.namespace}`,
        from: { pods: gw },
        to: { pods: TEMPO_PODS, ports: [{ port: TracingBackend.otlpGrpcPort }] },
        plaintext: true,
        reason: `the gateways trace the requests they route and send spans to ${TracingBackend.host}`,
      });
    }
  }
  return flows;
}
