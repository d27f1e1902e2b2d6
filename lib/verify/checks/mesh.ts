import { CHART_SERVICE_ANNOTATION, MESH_CA_SECRET, TRUST_DOMAIN } from '../../mesh';
import { allObjects } from '../state';
import { ClusterState, Finding, findingAt, HelmRelease, VerifyCheck, VerifyContext } from '../types';

const CHECK = 'mesh/shared-trust';

interface MeshValues {
  readonly global?: { readonly meshID?: string; readonly network?: string; readonly multiCluster?: { readonly clusterName?: string } };
  readonly meshConfig?: { readonly trustDomain?: string };
}

const istiodOf = (state: ClusterState): HelmRelease | undefined => state.releases.find((r) => r.chart === 'istiod');

/** What the istiod chart makes of these values (its defaults: no mesh ID, cluster `Kubernetes`, trust domain `cluster.local`). */
function membershipOf(release: HelmRelease) {
  const v = release.values as MeshValues;
  return {
    meshId: v.global?.meshID ?? '',
    clusterName: v.global?.multiCluster?.clusterName ?? '',
    network: v.global?.network ?? '',
    trustDomain: v.meshConfig?.trustDomain ?? TRUST_DOMAIN,
  };
}

/**
 * Every cluster of an environment that runs istiod is a member of one mesh: the same mesh ID and
 * trust domain (workload identities mean the same everywhere), its own cluster name (istiod keys
 * endpoints and certificates by it), and a network. Where the istiod chart is rendered, its
 * Deployment mounts the Secret the bootstrap step creates with the environment's intermediate CA;
 * a chart that mounts another name would leave istiod on a root of its own.
 */
export const meshSharedTrust: VerifyCheck = {
  name: CHECK,
  description:
    'the clusters of an environment share one mesh (mesh ID, trust domain, distinct cluster names) and istiod mounts the plugged-in CA Secret the bootstrap creates',
  run: (state: ClusterState, ctx: VerifyContext): Finding[] => {
    const release = istiodOf(state);
    if (!release) return [];
    const at = (message: string, fix: string): Finding => ({
      check: CHECK,
      environment: state.environment.name,
      cluster: state.cluster.name,
      file: release.file,
      object: `Application argocd/${release.application.metadata.name}`,
      message,
      fix,
    });
    const own = membershipOf(release);
    const findings: Finding[] = [];
    if (!own.meshId)
      findings.push(
        at('istiod has no global.meshID: the cluster is not a member of its environment’s mesh', 'set it from meshMembership() (lib/mesh/mesh-trust.ts)'),
      );
    if (own.clusterName !== state.cluster.name)
      findings.push(
        at(
          `istiod's global.multiCluster.clusterName is ${JSON.stringify(own.clusterName)}, not the cluster's name ${JSON.stringify(state.cluster.name)}`,
          'set it from meshMembership() (lib/mesh/mesh-trust.ts)',
        ),
      );
    if (!own.network) findings.push(at('istiod has no global.network', 'set it from meshMembership() (lib/mesh/mesh-trust.ts)'));
    for (const peer of ctx.clusters) {
      if (peer === state || peer.environment.name !== state.environment.name) continue;
      const other = istiodOf(peer);
      if (!other) continue;
      const theirs = membershipOf(other);
      if (theirs.meshId !== own.meshId || theirs.trustDomain !== own.trustDomain)
        findings.push(
          at(
            `mesh ID ${JSON.stringify(own.meshId)} and trust domain ${JSON.stringify(own.trustDomain)} differ from ${peer.cluster.name}'s (${JSON.stringify(theirs.meshId)}, ${JSON.stringify(theirs.trustDomain)}): identities of one cluster would not be trusted by the other`,
            'derive both from meshMembership() (lib/mesh/mesh-trust.ts)',
          ),
        );
      if (theirs.clusterName === own.clusterName)
        findings.push(at(`cluster name ${JSON.stringify(own.clusterName)} is also ${peer.cluster.name}'s`, 'give each cluster its own name in the mesh'));
    }
    if (release.rendered) {
      const deployment = release.rendered.find((o) => o.manifest.kind === 'Deployment' && o.manifest.metadata.name === 'istiod');
      const pod = (deployment?.manifest as { spec?: { template?: { spec?: PodVolumes } } } | undefined)?.spec?.template?.spec;
      const volume = pod?.volumes?.find((v) => v.secret?.secretName === MESH_CA_SECRET);
      const mounted = volume && pod?.containers?.some((c) => c.volumeMounts?.some((m) => m.name === volume.name));
      if (!deployment) findings.push(at('the rendered istiod chart has no Deployment istiod', 'check the chart version and values'));
      else if (!mounted)
        findings.push(
          at(
            `the rendered istiod Deployment does not mount Secret ${MESH_CA_SECRET}, which the bootstrap step creates with the cluster's intermediate CA: istiod would sign with a root of its own`,
            'align MESH_CA_SECRET (lib/mesh/mesh-trust.ts) with the chart (templates/deployment.yaml, volume cacerts)',
          ),
        );
    }
    return findings;
  },
};

interface PodVolumes {
  readonly volumes?: readonly { readonly name: string; readonly secret?: { readonly secretName?: string } }[];
  readonly containers?: readonly { readonly volumeMounts?: readonly { readonly name: string }[] }[];
}

const CHART_ROUTES = 'mesh/chart-routes';

/**
 * A VirtualService that routes to a Service a Helm chart creates (a console's: annotation
 * `ceres.io/chart-service` naming the chart, lib/mesh/console-routes.ts) reaches it: the chart is
 * installed on the cluster, in the route's namespace, and where it is rendered its objects hold each
 * destination Service with the destination port. Synth cannot see chart Services (`hosts-resolve`
 * skips these routes); this is where they are proven.
 */
export const meshChartRoutes: VerifyCheck = {
  name: CHART_ROUTES,
  description: "every route to a chart's own Service (consoles) names a release of that chart on the cluster, and a Service and port its rendered objects hold",
  run: (state: ClusterState): Finding[] => {
    const out: Finding[] = [];
    for (const o of allObjects(state)) {
      const m = o.manifest;
      const chart = m.metadata.annotations?.[CHART_SERVICE_ANNOTATION];
      if (!chart || m.kind !== 'VirtualService' || !m.apiVersion.startsWith('networking.istio.io/')) continue;
      const release = state.releases.find((r) => r.chart === chart && r.namespace === m.metadata.namespace);
      if (!release) {
        out.push(
          findingAt(
            CHART_ROUTES,
            state,
            o,
            `routes to Services of chart ${chart}, which ${state.cluster.name} does not install in namespace ${m.metadata.namespace}`,
            'route only to consoles of charts placed on the cluster (lib/mesh/console-routes.ts publishedConsoles)',
          ),
        );
        continue;
      }
      if (!release.rendered) continue; // judged where the chart is at hand (--charts)
      const services = release.rendered.map((r) => r.manifest).filter((s) => s.kind === 'Service' && s.apiVersion === 'v1');
      const routes: { destination?: { host?: string; port?: { number?: number } } }[] = (m.spec?.http ?? []).flatMap(
        (h: { route?: unknown[] }) => h.route ?? [],
      );
      for (const { destination } of routes) {
        const host = destination?.host ?? '';
        const [name, ns] = host.split('.');
        const port = destination?.port?.number;
        const service = services.find((s) => s.metadata.name === name && (s.metadata.namespace ?? release.namespace) === ns);
        const ports: number[] = ((service?.spec?.ports ?? []) as { port?: number }[]).map((p) => Number(p.port));
        if (!service || (port !== undefined && !ports.includes(port)))
          out.push(
            findingAt(
              CHART_ROUTES,
              state,
              o,
              service
                ? `sends ${host} to port ${port}, which Service ${ns}/${name} of ${chart} ${release.version} does not expose (${ports.join(', ')})`
                : `sends to ${host}, but ${chart} ${release.version} renders no Service ${ns}/${name} (it has ${services.map((s) => s.metadata.name).join(', ') || 'none'})`,
              "take the console's service and port from the chart's templates (ConsoleSpec of the chart, lib/)",
            ),
          );
      }
    }
    return out;
  },
};
