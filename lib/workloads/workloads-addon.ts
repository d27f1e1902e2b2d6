import { PlatformAddOn, PlatformContext } from '../core/addon';
import { ManifestCheck } from '../core/checks';
import { PlatformNamespaces } from '../core/namespaces';
import { TENANT_NAMESPACE_PREFIX, tenantLabels, tenantNames } from '../core/names';
import { OutputFolder } from '../core/output';
import { PLATFORM_PRIORITY_CLASS } from '../quotas/tier-priority-classes';
import { CatalogService } from './catalog-service';
import { pdbSelectsWorkload, serviceSelectsWorkload } from './workload-checks';

/** The folder holding a namespace's objects: `core` for `ceres`, the tenant's folder for `tenant-*`. */
export const CORE_FOLDER = 'core';

/**
 * Every ServiceDeclaration of the catalog as secure workloads, in the folder of the service's
 * namespace (which the core and tenants add-ons must have created: a service in a namespace nobody
 * guards is an error).
 */
export class WorkloadsAddOn implements PlatformAddOn {
  public readonly name = 'workloads';
  public readonly checks: readonly ManifestCheck[] = [serviceSelectsWorkload, pdbSelectsWorkload];

  public deploy(ctx: PlatformContext): void {
    const folders = new Map(ctx.output.folders.map((f) => [f.name, f] as const));
    const folderOf = (namespace: string): OutputFolder => {
      const name = namespace === PlatformNamespaces.core ? CORE_FOLDER : namespace.startsWith(TENANT_NAMESPACE_PREFIX) ? namespace : undefined;
      const folder = name ? folders.get(name) : undefined;
      if (!folder) {
        throw new Error(`service namespace "${namespace}" has no folder in ${ctx.environment.name}: declare services in ${PlatformNamespaces.core} or in a namespace of a tenant deployed to this environment`);
      }
      return folder;
    };
    const tenantsByNamespace = new Map(ctx.tenants.map((t) => [tenantNames(t.tenantId).namespace, t] as const));
    for (const service of ctx.services.services) {
      const owner = tenantsByNamespace.get(service.namespace);
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
