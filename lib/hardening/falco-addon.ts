import { NamespaceDeclaration, PlatformAddOn } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { falco } from './falco';

/** Runtime threat detection: Falco with the platform's rules (lib/hardening/falco-rules.ts). */
export class FalcoAddOn implements PlatformAddOn {
  public readonly name = 'falco';
  public readonly charts = [falco];
  public readonly namespaces: readonly NamespaceDeclaration[] = [
    { name: PlatformNamespaces.falco, podSecurity: 'privileged', reason: 'Falco reads kernel events (privileged, hostPath)', thirdPartyImages: true },
  ];
}
