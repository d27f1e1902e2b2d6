import { Flow } from '../core/flows';
import { PlatformNamespaces } from '../core/namespaces';

/** The API server calls Kyverno's admission controller (chart `kyverno`, service port 443 → 9443). */
export function kyvernoFlows(): Flow[] {
  return [
    {
      name: 'hardening/api-server-to-kyverno',
      from: { apiServer: true },
      to: { pods: { namespace: PlatformNamespaces.kyverno, podLabels: { 'app.kubernetes.io/component': 'admission-controller' } }, ports: [{ port: 9443 }] },
      plaintext: true,
      reason: 'every admission request of matched kinds goes through Kyverno (failurePolicy Fail)',
    },
  ];
}
