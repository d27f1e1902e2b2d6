import { KubeManifest } from '../core/checks';

/**
 * Which kinds are cluster-scoped: the built-in ones of Kubernetes (from `kubectl api-resources
 * --namespaced=false` of v1.35) and those of CustomResourceDefinitions with `spec.scope: Cluster`.
 */
const BUILT_IN_CLUSTER_SCOPED = new Set(
  [
    '/Namespace', '/Node', '/PersistentVolume', '/ComponentStatus',
    'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
    'apiextensions.k8s.io/CustomResourceDefinition', 'apiregistration.k8s.io/APIService',
    'admissionregistration.k8s.io/MutatingWebhookConfiguration', 'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
    'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
    'admissionregistration.k8s.io/MutatingAdmissionPolicy', 'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
    'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode', 'storage.k8s.io/VolumeAttachment', 'storage.k8s.io/VolumeAttributesClass',
    'scheduling.k8s.io/PriorityClass', 'node.k8s.io/RuntimeClass', 'networking.k8s.io/IngressClass', 'networking.k8s.io/IPAddress', 'networking.k8s.io/ServiceCIDR',
    'flowcontrol.apiserver.k8s.io/FlowSchema', 'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
    'certificates.k8s.io/CertificateSigningRequest', 'certificates.k8s.io/ClusterTrustBundle',
    'resource.k8s.io/DeviceClass', 'snapshot.storage.k8s.io/VolumeSnapshotClass', 'snapshot.storage.k8s.io/VolumeSnapshotContent',
    // Cluster-scoped kinds of the add-ons' CRDs, for when their chart was not rendered.
    'kyverno.io/ClusterPolicy', 'kyverno.io/ClusterCleanupPolicy', 'wgpolicyk8s.io/ClusterPolicyReport', 'cert-manager.io/ClusterIssuer',
    'karpenter.sh/NodePool', 'karpenter.sh/NodeClaim', 'karpenter.k8s.aws/EC2NodeClass', 'postgresql.cnpg.io/ClusterImageCatalog',
  ],
);

export const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/** A scope oracle over the CRDs among `objects` (and the built-ins). */
export function clusterScopeOracle(objects: Iterable<KubeManifest>): (m: { apiVersion: string; kind: string }) => boolean {
  const crdScoped = new Map<string, boolean>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition') continue;
    crdScoped.set(`${o.spec?.group}/${o.spec?.names?.kind}`, o.spec?.scope === 'Cluster');
  }
  return (m) => {
    const key = `${groupOf(m.apiVersion)}/${m.kind}`;
    return BUILT_IN_CLUSTER_SCOPED.has(key) || crdScoped.get(key) === true;
  };
}
