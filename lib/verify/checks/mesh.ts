import { MESH_CA_SECRET, TRUST_DOMAIN } from '../../mesh';
import { ClusterState, Finding, HelmRelease, VerifyCheck, VerifyContext } from '../types';

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
