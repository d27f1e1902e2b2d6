import { k8s } from 'cdk8s-plus-28';
import { NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave, argoAnnotations } from '../core/argocd';
import { CeresNamespaceCapability } from '../core/capabilities';
import { Labels } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { WORKLOAD_CLUSTERS } from '../core/topology';
import { GuardedNamespace } from '../hardening';
import { meshNamespaceAllowances, NamespaceNetworkIsolation } from '../hardening';

/** The dist/ folder of the `ceres` namespace (its Application is `<env>-core`). */
export const CERES_NAMESPACE_FOLDER = 'core';

/**
 * The platform's own core namespace (`ceres`: operators, core services, databases, queues), isolated
 * like a tenant's: restricted pod security, mesh injection, default deny with the mesh allowances
 * (Prometheus may also scrape the core services' ports), and no token on the default account.
 * Provides the namespace and its folder to the add-ons that put objects there.
 */
export class CeresNamespaceAddOn implements PlatformAddOn {
  public readonly name = 'ceres-namespace';
  public readonly namespaces: readonly NamespaceDeclaration[] = [{ name: PlatformNamespaces.core, podSecurity: 'restricted', renderedBy: 'self', thirdPartyImages: false }];
  public readonly provides = [CeresNamespaceCapability];

  public deploy(ctx: PlatformContext): void {
    const ns = PlatformNamespaces.core;
    const folder = ctx.output.folder(CERES_NAMESPACE_FOLDER, {
      description: 'The ceres core namespace and its services',
      labels: { [Labels.costCenter]: 'platform' },
      stateful: true,
      syncWave: SyncWave.namespaces,
      placement: WORKLOAD_CLUSTERS,
    });
    new GuardedNamespace(folder.manifest('namespace'), 'Namespace', { name: ns, podSecurity: 'restricted', meshInjection: true, networkIsolated: true });
    const ports = ctx.services.services.filter((s) => s.namespace === ns).map((s) => s.port);
    const guardrails = folder.manifest('network-policies', { namespace: ns });
    new NamespaceNetworkIsolation(guardrails, 'Isolation', { namespace: ns, allowances: meshNamespaceAllowances({ metricsPorts: ports }) });
    new k8s.KubeServiceAccount(guardrails, 'DefaultAccount', {
      metadata: { name: 'default', namespace: ns, annotations: argoAnnotations({ wave: SyncWave.namespaces }) },
      automountServiceAccountToken: false,
    });
    ctx.provide(CeresNamespaceCapability, { namespace: ns, folder });
  }
}
