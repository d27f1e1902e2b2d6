import { PlatformAddOn, PlatformContext } from '../core/addon';
import { CeresNamespaceCapability, TenantFolders } from '../core/capabilities';
import { ManifestCheck } from '../core/checks';
import { PlatformNamespaces } from '../core/namespaces';
import { tenantLabels } from '../core/names';
import { OutputFolder } from '../core/output';
import { PLATFORM_PRIORITY_CLASS } from '../quotas';
import { CatalogService } from './catalog-service';
import { pdbSelectsWorkload, serviceSelectsWorkload } from './workload-checks';

/**
 * Every ServiceDeclaration of the catalog as secure workloads, in the folder of the service's
 * namespace (the ceres namespace, or a tenant's: a service in a namespace nobody guards is an error).
 */
export class WorkloadsAddOn implements PlatformAddOn {
  public readonly name = 'workloads';
  public readonly requires = [CeresNamespaceCapability, TenantFolders];
  public readonly checks: readonly ManifestCheck[] = [serviceSelectsWorkload, pdbSelectsWorkload];

  public deploy(ctx: PlatformContext): void {
    const ceres = ctx.use(CeresNamespaceCapability);
    const tenants = new Map([...ctx.use(TenantFolders).values()].map((t) => [t.namespace, t] as const));
    const folderOf = (namespace: string): OutputFolder => {
      const folder = namespace === ceres.namespace ? ceres.folder : tenants.get(namespace)?.folder;
      if (!folder) {
        throw new Error(
          `service namespace "${namespace}" has no folder in ${ctx.environment.name}: declare services in ${PlatformNamespaces.core} or in a namespace of a tenant deployed to this environment`,
        );
      }
      return folder;
    };
    for (const service of ctx.services.services) {
      // A tenant's services run where the tenant is deployed (as the mesh add-on routes them); the
      // input validation has already checked that the namespace belongs to a tenant.
      if (service.namespace !== ceres.namespace && !tenants.has(service.namespace)) continue;
      const owner = tenants.get(service.namespace)?.spec;
      const chart = folderOf(service.namespace).manifest('workloads', { namespace: service.namespace });
      new CatalogService(chart, service.name, {
        service,
        defaultReplicas: ctx.environment.sizing.coreServices,
        ha: ctx.environment.sizing.ha,
        // Tenant pods get their tier's class from Kyverno; they carry the tenant labels it requires.
        priorityClassName: service.namespace === PlatformNamespaces.core ? PLATFORM_PRIORITY_CLASS.name : undefined,
        podLabels: owner ? tenantLabels(owner.tenantId, owner.subscriptionLevel) : undefined,
      });
    }
  }
}
