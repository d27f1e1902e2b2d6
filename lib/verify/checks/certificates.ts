import { KubeManifest } from '../../core/checks';
import { allObjects } from '../state';
import { Finding, findingAt, StateObject, VerifyCheck } from '../types';

const CHECK = 'certificates/issuable';

/**
 * Each cert-manager Certificate can actually be issued by its issuer's solver on this cluster:
 * the issuer exists; an HTTP-01 solver is never asked for a wildcard name (ACME requires DNS-01 for
 * those); its solver Ingress class exists and is served by Istio (IngressClass with controller
 * `istio.io/ingress-controller`, and istiod's meshConfig serving that class); and on the Gateway
 * that serves each name, port 80 neither redirects to HTTPS (istio/istio#33593: the challenge is
 * redirected and fails) nor carries a VirtualService route that would shadow the challenge path.
 */
export const certificatesIssuable: VerifyCheck = {
  name: CHECK,
  description: "every Certificate can be issued by its issuer's solver (HTTP-01 reachable on port 80 of the serving Gateway; DNS-01 for wildcards)",
  run(state) {
    const objects = allObjects(state);
    const out: Finding[] = [];
    const add = (o: StateObject, message: string, fix: string) => out.push(findingAt(CHECK, state, o, message, fix));
    const issuers = new Map(objects.filter((o) => o.manifest.kind === 'ClusterIssuer').map((o) => [o.manifest.metadata.name!, o.manifest]));
    const ingressClasses = new Map(objects.filter((o) => o.manifest.kind === 'IngressClass').map((o) => [o.manifest.metadata.name!, o.manifest]));
    const meshConfig = state.releases.find((r) => r.chart === 'istiod')?.values?.meshConfig as Record<string, unknown> | undefined;
    const gateways = objects.filter((o) => o.manifest.kind === 'Gateway' && o.manifest.apiVersion.startsWith('networking.istio.io/'));
    const virtualServices = objects.filter((o) => o.manifest.kind === 'VirtualService' && o.manifest.apiVersion.startsWith('networking.istio.io/'));

    for (const cert of objects.filter((o) => o.manifest.kind === 'Certificate' && o.manifest.apiVersion.startsWith('cert-manager.io/'))) {
      const ref = cert.manifest.spec?.issuerRef ?? {};
      if (ref.kind !== 'ClusterIssuer') continue; // namespaced Issuers: not used by the platform
      const issuer = issuers.get(ref.name);
      if (!issuer) {
        add(
          cert,
          `its ClusterIssuer ${ref.name} is not on the cluster`,
          `route the ClusterIssuer to ${state.cluster.name} (lib/certificates) or name an issuer it has`,
        );
        continue;
      }
      const solvers: any[] = issuer.spec?.acme?.solvers ?? [];
      const names: string[] = cert.manifest.spec?.dnsNames ?? [];
      for (const name of names) {
        const solver = solvers.find((s) => (s.selector?.dnsNames ?? [name]).includes(name)) ?? solvers[0];
        if (!solver?.http01) continue; // DNS-01 (or no ACME): nothing to reach on port 80
        if (name.startsWith('*.')) {
          add(
            cert,
            `${name} is a wildcard, which ACME issues only through DNS-01, but ClusterIssuer ${ref.name} solves with HTTP-01`,
            'add a DNS-01 solver for the wildcard (selector dnsNames) or list exact names',
          );
          continue;
        }
        const cls: string | undefined = solver.http01.ingress?.ingressClassName ?? solver.http01.ingress?.class;
        if (cls) {
          const ic = ingressClasses.get(cls);
          if (!ic || ic.spec?.controller !== 'istio.io/ingress-controller') {
            add(
              cert,
              `ClusterIssuer ${ref.name} solves HTTP-01 with Ingress class ${cls}, but the cluster has ${ic ? `IngressClass ${cls} of controller ${ic.spec?.controller}` : `no IngressClass ${cls}`}: no controller serves the challenge`,
              `create IngressClass ${cls} with controller istio.io/ingress-controller (lib/mesh/mesh-addon.ts)`,
            );
          } else if (meshConfig && meshConfig.ingressClass !== undefined && meshConfig.ingressClass !== cls) {
            add(
              cert,
              `istiod serves Ingress class ${String(meshConfig.ingressClass)}, not ${cls}: the challenge Ingress is ignored`,
              'set meshConfig.ingressClass in the istiod values (lib/mesh/istio-values.ts)',
            );
          }
        }
        for (const gw of gateways) {
          for (const server of (gw.manifest.spec?.servers ?? []) as any[]) {
            if (server.port?.number !== 80 || !hostMatches(server.hosts ?? [], name)) continue;
            if (server.tls?.httpsRedirect) {
              add(
                gw,
                `port 80 of ${name} redirects to HTTPS, so the HTTP-01 challenge for Certificate ${describe(cert.manifest)} is redirected and fails (istio/istio#33593)`,
                'drop tls.httpsRedirect from the port-80 server; keep public routes on 443 (lib/mesh/ingress-gateway.ts)',
              );
            }
            const gwRef = `${gw.manifest.metadata.namespace}/${gw.manifest.metadata.name}`;
            for (const vs of virtualServices) {
              if (!(vs.manifest.spec?.gateways ?? []).includes(gwRef) || !(vs.manifest.spec?.hosts ?? []).includes(name)) continue;
              const shadowing = ((vs.manifest.spec?.http ?? []) as any[]).some((r) => {
                const matches: any[] = r.match?.length ? r.match : [{}];
                return matches.some(
                  (m) =>
                    (!m.gateways || m.gateways.includes(gwRef)) &&
                    (m.port === undefined || m.port === 80) &&
                    (!m.uri || m.uri.prefix === '/' || '/.well-known/acme-challenge/'.startsWith(m.uri.prefix ?? '\u0000')),
                );
              });
              if (shadowing)
                add(
                  vs,
                  `a route of ${describe(vs.manifest)} answers ${name} on port 80 of ${gwRef}, shadowing the HTTP-01 challenge of Certificate ${describe(cert.manifest)}`,
                  'match the public routes on port 443 only (lib/mesh/mesh-service.ts)',
                );
            }
          }
        }
      }
    }
    return out;
  },
};

function hostMatches(hosts: readonly string[], name: string): boolean {
  return hosts.some((h) => {
    const host = h.includes('/') ? h.split('/')[1] : h;
    return host === '*' || host === name || (host.startsWith('*.') && name.endsWith(host.slice(1)));
  });
}

function describe(m: KubeManifest): string {
  return `${m.metadata.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata.name}`;
}
