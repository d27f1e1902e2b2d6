import { SyncWave } from '../core/argocd';
import { PlatformAddOn, PlatformContext } from '../core/addon';
import { Labels } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { GuardedNamespace } from '../hardening/guarded-namespace';

/** The platform's own core namespace (`ceres`: operators, core services, databases, queues). */
export class CorePlatformAddOn implements PlatformAddOn {
  public readonly name = 'core';

  public deploy(ctx: PlatformContext): void {
    const folder = ctx.output.folder('core', {
      description: 'The ceres core namespace and its services',
      labels: { [Labels.costCenter]: 'platform' },
      stateful: true,
      syncWave: SyncWave.namespaces,
    });
    new GuardedNamespace(folder.manifest('namespace'), 'Namespace', { name: PlatformNamespaces.core, podSecurity: 'restricted', meshInjection: true });
  }
}
