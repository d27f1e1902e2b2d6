import { KubeManifest } from '../core/checks';

/**
 * Which kinds Kubernetes serves itself and which are cluster-scoped: the built-in tables (from
 * `kubectl api-resources` of v1.35), the CRDs in a cluster's state (spec.scope), and a table of the
 * platform charts' cluster-scoped kinds for when their CRD is not rendered. Argo CD's resource
 * checks and the Helm renderer read the same answer.
 */

/** API groups served by kube-apiserver itself (no CRD needed). */
export const BUILT_IN_GROUPS: ReadonlySet<string> = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/** Cluster-scoped kinds of the built-in groups (everything else they serve is namespaced). */
const BUILT_IN_CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'authentication.k8s.io/TokenReview',
  'authentication.k8s.io/SelfSubjectReview',
  'authorization.k8s.io/SubjectAccessReview',
  'authorization.k8s.io/SelfSubjectAccessReview',
  'authorization.k8s.io/SelfSubjectRulesReview',
  'certificates.k8s.io/CertificateSigningRequest',
  'certificates.k8s.io/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'internal.apiserver.k8s.io/StorageVersion',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/IPAddress',
  'networking.k8s.io/ServiceCIDR',
  'node.k8s.io/RuntimeClass',
  'policy/PodSecurityPolicy',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'resource.k8s.io/DeviceClass',
  'resource.k8s.io/ResourceSlice',
  'scheduling.k8s.io/PriorityClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/VolumeAttachment',
  'storage.k8s.io/VolumeAttributesClass',
  'storagemigration.k8s.io/StorageVersionMigration',
]);

/**
 * Cluster-scoped kinds of the CRDs the platform's charts install, used when the CRD itself is not
 * in the state (its chart was not rendered). Every other custom kind of those charts is namespaced.
 */
const KNOWN_CLUSTER_SCOPED_CRDS: ReadonlySet<string> = new Set([
  'cert-manager.io/ClusterIssuer',
  'kyverno.io/ClusterPolicy',
  'kyverno.io/ClusterCleanupPolicy',
  'kyverno.io/GlobalContextEntry',
  'policies.kyverno.io/ValidatingPolicy',
  'policies.kyverno.io/ImageValidatingPolicy',
  'policies.kyverno.io/MutatingPolicy',
  'policies.kyverno.io/GeneratingPolicy',
  'policies.kyverno.io/DeletingPolicy',
  'reports.kyverno.io/ClusterEphemeralReport',
  'wgpolicyk8s.io/ClusterPolicyReport',
  'karpenter.sh/NodePool',
  'karpenter.sh/NodeClaim',
  'karpenter.k8s.aws/EC2NodeClass',
  'karpenter.azure.com/AKSNodeClass',
  'postgresql.cnpg.io/ClusterImageCatalog',
  // The volume snapshot API the cloud (or the EKS snapshot-controller add-on) provides.
  'snapshot.storage.k8s.io/VolumeSnapshotClass',
  'snapshot.storage.k8s.io/VolumeSnapshotContent',
]);

export const groupOf = (m: KubeManifest): string => (m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '');

/** Whether the kind is served by a CRD rather than by Kubernetes itself. */
export const isCustomKind = (group: string) => !BUILT_IN_GROUPS.has(group);

/** Group/kind → namespaced, from the CRDs of the state (spec.scope) and the built-in table. */
export class KindScopes {
  private readonly crds = new Map<string, boolean>();

  constructor(objects: readonly { readonly manifest: KubeManifest }[]) {
    for (const o of objects) {
      const m = o.manifest;
      if (m.kind !== 'CustomResourceDefinition' || groupOf(m) !== 'apiextensions.k8s.io') continue;
      const group = m.spec?.group;
      const kind = m.spec?.names?.kind;
      if (group !== undefined && kind) this.crds.set(`${group}/${kind}`, m.spec?.scope !== 'Cluster');
    }
  }

  /** true namespaced, false cluster-scoped; `source` says how it was known. */
  scope(group: string, kind: string, m?: KubeManifest): { readonly namespaced: boolean; readonly source: 'built-in' | 'crd' | 'table' | 'inferred' } {
    const key = `${group}/${kind}`;
    if (BUILT_IN_GROUPS.has(group)) return { namespaced: !BUILT_IN_CLUSTER_SCOPED.has(key), source: 'built-in' };
    const crd = this.crds.get(key);
    if (crd !== undefined) return { namespaced: crd, source: 'crd' };
    if (KNOWN_CLUSTER_SCOPED_CRDS.has(key)) return { namespaced: false, source: 'table' };
    return { namespaced: !!m?.metadata.namespace, source: 'inferred' };
  }

  /**
   * Whether a rendered object's kind is cluster-scoped, for giving the others the release namespace:
   * a kind known only by inference counts as namespaced (Helm templates usually leave it to -n).
   */
  clusterScoped(m: KubeManifest): boolean {
    const s = this.scope(groupOf(m), m.kind);
    return s.source !== 'inferred' && !s.namespaced;
  }

  /** The CRD objects of the state, by group/kind. */
  hasCrd(group: string, kind: string): boolean {
    return this.crds.has(`${group}/${kind}`);
  }
}
