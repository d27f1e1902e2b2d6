import { Flow, FlowTarget, namespaceBaseFlows } from '../core/flows';
import { PlatformNamespaces } from '../core/namespaces';

/** The API server calls Kyverno's admission controller (chart `kyverno`, service port 443 → 9443). */
export function kyvernoFlows(t: FlowTarget): Flow[] {
  return [
    ...namespaceBaseFlows('hardening', PlatformNamespaces.kyverno, t.cluster, { apiServer: true }),
    {
      name: 'hardening/api-server-to-kyverno-cleanup',
      from: { apiServer: true },
      to: { pods: { namespace: PlatformNamespaces.kyverno, podLabels: { 'app.kubernetes.io/component': 'cleanup-controller' } }, ports: [{ port: 9443 }] },
      plaintext: true,
      reason: 'the cleanup controller validates CleanupPolicies (webhook it registers itself)',
    },
    {
      name: 'hardening/api-server-to-kyverno',
      from: { apiServer: true },
      to: { pods: { namespace: PlatformNamespaces.kyverno, podLabels: { 'app.kubernetes.io/component': 'admission-controller' } }, ports: [{ port: 9443 }] },
      plaintext: true,
      reason: 'every admission request of matched kinds goes through Kyverno (failurePolicy Fail)',
    },
  ];
}
