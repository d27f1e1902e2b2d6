import { NamespaceDeclaration, PlatformAddOn } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { sealedSecrets } from './sealed-secrets';

/** The Sealed Secrets controller, which turns the SealedSecrets committed to git into Secrets. */
export class SealedSecretsAddOn implements PlatformAddOn {
  public readonly name = 'sealed-secrets';
  public readonly charts = [sealedSecrets];
  public readonly namespaces: readonly NamespaceDeclaration[] = [{ name: PlatformNamespaces.sealedSecrets, podSecurity: 'restricted', thirdPartyImages: true }];
}
