import { PlatformNamespaces } from '../core/namespaces';
import { TENANT_NAMESPACE_PREFIX } from '../core/names';
import { PodSecurityLevel } from './guarded-namespace';

/** What a platform namespace legitimately needs, and who renders its Namespace object. */
export interface NamespaceSecurity {
  /** Pod Security level its pods need (PSA labels and the Kyverno pod-security rules agree on it). */
  readonly podSecurity: PodSecurityLevel;
  /** Why it needs more than `restricted`, shown in docs and policy annotations. */
  readonly reason?: string;
  /**
   * Who renders the Namespace object: `guardrails` (PlatformNamespacesAddOn), `core` (CorePlatformAddOn),
   * `mesh` (the Istio add-on owns its namespaces) or `cluster` (exists in every cluster).
   */
  readonly owner: 'guardrails' | 'core' | 'mesh' | 'cluster';
  /** Images from any registry (third-party charts); the allowed-registries policy skips it. */
  readonly thirdPartyImages: boolean;
}

/**
 * The one table of platform namespaces and the pod security each needs. Tenant namespaces are
 * always `restricted` and are not listed.
 */
export const PLATFORM_NAMESPACE_SECURITY: Readonly<Record<string, NamespaceSecurity>> = {
  [PlatformNamespaces.core]: { podSecurity: 'restricted', owner: 'core', thirdPartyImages: false },
  [PlatformNamespaces.kubeSystem]: { podSecurity: 'privileged', reason: 'CNI, kube-proxy, CSI node plugins', owner: 'cluster', thirdPartyImages: true },
  [PlatformNamespaces.istio]: { podSecurity: 'privileged', reason: 'istio-cni node agent (hostPath, NET_ADMIN)', owner: 'mesh', thirdPartyImages: true },
  [PlatformNamespaces.ingress]: { podSecurity: 'baseline', reason: 'gateway pods bind their ports with NET_BIND_SERVICE', owner: 'mesh', thirdPartyImages: true },
  [PlatformNamespaces.egress]: { podSecurity: 'baseline', reason: 'gateway pods bind their ports with NET_BIND_SERVICE', owner: 'mesh', thirdPartyImages: true },
  [PlatformNamespaces.monitoring]: { podSecurity: 'privileged', reason: 'node-exporter (hostNetwork, hostPID, hostPath) and promtail (hostPath logs)', owner: 'guardrails', thirdPartyImages: true },
  [PlatformNamespaces.falco]: { podSecurity: 'privileged', reason: 'Falco reads kernel events (privileged, hostPath)', owner: 'guardrails', thirdPartyImages: true },
  [PlatformNamespaces.velero]: { podSecurity: 'privileged', reason: 'the Velero node agent reads pod volumes through hostPath', owner: 'guardrails', thirdPartyImages: true },
  [PlatformNamespaces.karpenter]: { podSecurity: 'baseline', reason: 'the controller chart does not set seccomp on every container', owner: 'guardrails', thirdPartyImages: true },
  [PlatformNamespaces.argocd]: { podSecurity: 'baseline', reason: 'redis and repo-server init containers do not drop every capability', owner: 'guardrails', thirdPartyImages: true },
  [PlatformNamespaces.certManager]: { podSecurity: 'restricted', owner: 'guardrails', thirdPartyImages: true },
  [PlatformNamespaces.sealedSecrets]: { podSecurity: 'restricted', owner: 'guardrails', thirdPartyImages: true },
  [PlatformNamespaces.kyverno]: { podSecurity: 'restricted', owner: 'guardrails', thirdPartyImages: true },
  [PlatformNamespaces.cnpg]: { podSecurity: 'restricted', owner: 'guardrails', thirdPartyImages: true },
  [PlatformNamespaces.flagger]: { podSecurity: 'restricted', owner: 'guardrails', thirdPartyImages: true },
  [PlatformNamespaces.vpa]: { podSecurity: 'restricted', owner: 'guardrails', thirdPartyImages: true },
};

/** Platform namespaces at a pod security level, sorted. */
export function namespacesAtLevel(level: PodSecurityLevel): string[] {
  return Object.entries(PLATFORM_NAMESPACE_SECURITY)
    .filter(([, s]) => s.podSecurity === level)
    .map(([ns]) => ns)
    .sort();
}

/** Glob matching every tenant namespace (Kyverno `namespaces`). */
export const TENANT_NAMESPACE_GLOB = `${TENANT_NAMESPACE_PREFIX}*`;
