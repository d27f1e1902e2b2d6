import { Flow, FlowTarget } from '../core/flows';
import { databaseFlows } from './flows';
import { NamespaceDeclaration, PlatformAddOn } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { cloudNativePg } from './cloudnative-pg';

/** The CloudNativePG operator, which runs the tenants' PostgreSQL databases (`TenantDatabase`). */
export class DatabasesAddOn implements PlatformAddOn {
  public flows(target: FlowTarget): Flow[] {
    return databaseFlows(target);
  }

  public readonly name = 'databases';
  public readonly charts = [cloudNativePg];
  public readonly namespaces: readonly NamespaceDeclaration[] = [{ name: PlatformNamespaces.cnpg, podSecurity: 'restricted', thirdPartyImages: true }];
}
