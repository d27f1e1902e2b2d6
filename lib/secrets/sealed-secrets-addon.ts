import { NamespaceDeclaration, PlatformAddOn } from '../core/addon';
import { Flow, FlowTarget, namespaceBaseFlows } from '../core/flows';
import { PlatformNamespaces } from '../core/namespaces';
import { sealedSecrets } from './sealed-secrets';

/** The Sealed Secrets controller, which turns the SealedSecrets committed to git into Secrets. */
export class SealedSecretsAddOn implements PlatformAddOn {
  public readonly name = 'sealed-secrets';

  /** The controller watches SealedSecrets; `kubeseal --fetch-cert` reaches it through the API server's service proxy (8080). */
  public flows(t: FlowTarget): Flow[] {
    return [
      ...namespaceBaseFlows('sealed-secrets', PlatformNamespaces.sealedSecrets, t.cluster, { apiServer: true }),
      {
        name: 'sealed-secrets/api-server-proxy-to-controller',
        from: { apiServer: true },
        to: { pods: { namespace: PlatformNamespaces.sealedSecrets, podLabels: { 'app.kubernetes.io/name': 'sealed-secrets' } }, ports: [{ port: 8080 }] },
        plaintext: true,
        reason: 'kubeseal fetches the sealing certificate through the API server’s service proxy',
      },
    ];
  }
  public readonly charts = [sealedSecrets];
  public readonly namespaces: readonly NamespaceDeclaration[] = [{ name: PlatformNamespaces.sealedSecrets, podSecurity: 'restricted', thirdPartyImages: true }];
}
