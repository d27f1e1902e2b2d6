import { k8s } from 'cdk8s-plus-28';
import { SyncWave, argoAnnotations } from '../core/argocd';
import { PlatformAddOn, PlatformContext } from '../core/addon';
import { Labels } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { GuardedNamespace } from '../hardening/guarded-namespace';
import { meshNamespaceAllowances, NamespaceNetworkIsolation } from '../hardening/network-isolation';

/**
 * The platform's own core namespace (`ceres`: operators, core services, databases, queues), isolated
 * like a tenant's: restricted pod security, mesh injection, default deny with the mesh allowances
 * (Prometheus may also scrape the core services' ports), and no token on the default account.
 */
export class CorePlatformAddOn implements PlatformAddOn {
  public readonly name = 'core';

  public deploy(ctx: PlatformContext): void {
    const ns = PlatformNamespaces.core;
    const folder = ctx.output.folder('core', {
      description: 'The ceres core namespace and its services',
      labels: { [Labels.costCenter]: 'platform' },
      stateful: true,
      syncWave: SyncWave.namespaces,
    });
    new GuardedNamespace(folder.manifest('namespace'), 'Namespace', { name: ns, podSecurity: 'restricted', meshInjection: true, networkIsolated: true });
    const ports = ctx.services.services.filter((s) => s.namespace === ns).map((s) => s.port);
    const guardrails = folder.manifest('network-policies', { namespace: ns });
    new NamespaceNetworkIsolation(guardrails, 'Isolation', { namespace: ns, allowances: meshNamespaceAllowances({ metricsPorts: ports }) });
    new k8s.KubeServiceAccount(guardrails, 'DefaultAccount', {
      metadata: { name: 'default', namespace: ns, annotations: argoAnnotations({ wave: SyncWave.namespaces }) },
      automountServiceAccountToken: false,
    });
  }
}
