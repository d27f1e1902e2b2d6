import { platform } from '../../apps/platform/platform';
import { serviceCatalog } from '../../apps/platform/services';
import { PlatformNamespaces } from '../../lib/core/namespaces';
import { quantity } from '../../lib/verify/checks/capacity';
import { defaultSynthesis } from '../support/synthesis-cache';

const objects = (env: string) => defaultSynthesis().environments.find((e) => e.name === env)!.objects.map((o) => o.manifest as any);

describe('API Priority and Fairness', () => {
  it.each(platform.environments.map((e) => e.name))('%s: classifies every tenant namespace\'s service accounts into a limited level, before the built-in service-accounts schema', (env) => {
    const all = objects(env);
    const tenants = all.filter((m) => m.kind === 'Namespace' && m.metadata.labels?.['ceres.io/tenant']).map((m) => m.metadata.name).sort();
    const flow = all.find((m) => m.kind === 'FlowSchema');
    const level = all.find((m) => m.kind === 'PriorityLevelConfiguration' && m.metadata.name === flow.spec.priorityLevelConfiguration.name);
    expect(flow.apiVersion).toBe('flowcontrol.apiserver.k8s.io/v1');
    expect(flow.spec.matchingPrecedence).toBeLessThan(9000);
    expect(flow.spec.rules[0].subjects.map((s: any) => s.serviceAccount.namespace).sort()).toEqual(tenants);
    expect(level.spec.type).toBe('Limited');
    expect(level.spec.limited.lendablePercent).toBe(0);
  });
});

describe('ceres quota', () => {
  it('fits every core service at its maximum replicas, twice over (canary or rolling update), with sidecars', () => {
    for (const env of platform.environments) {
      const quota = objects(env.name).find((m) => m.kind === 'ResourceQuota' && m.metadata.namespace === PlatformNamespaces.core);
      const services = serviceCatalog.services.filter((s) => s.namespace === PlatformNamespaces.core);
      const limitCpu = services.reduce((sum, s) => sum + (s.replicas ?? env.sizing.coreServices).max * s.versions.length * 2 * quantity(s.resources?.limits.cpu ?? '500m'), 0);
      expect(quantity(quota.spec.hard['limits.cpu'])).toBeGreaterThan(limitCpu);
      expect(quota.spec.hard['services.loadbalancers']).toBe(0);
    }
  });
});

describe('read-only root filesystem', () => {
  it('is enforced for tenant and ceres pods by admission', () => {
    const policy = objects('prod').find((m) => m.kind === 'ClusterPolicy' && m.metadata.name === 'ceres-read-only-root');
    const rule = policy.spec.rules[0];
    expect(rule.validate.failureAction).toBe('Enforce');
    expect(rule.match.any[0].resources.namespaces).toEqual(expect.arrayContaining(['tenant-*', PlatformNamespaces.core]));
    // And the platform's own core workloads comply (verify's admission check runs the policy over them).
    for (const d of objects('prod').filter((m) => m.kind === 'Deployment' && m.metadata.namespace === PlatformNamespaces.core)) {
      for (const c of d.spec.template.spec.containers) expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    }
  });
});
