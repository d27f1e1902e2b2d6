import { PlatformNamespaces } from '../core/namespaces';
import { HelmChart } from '../core/addon';
import { EVERY_CLUSTER } from '../core/topology';

/** The Kyverno chart values we set (https://kyverno.github.io/kyverno/, chart 3.x). */
export interface KyvernoValues {
  readonly admissionController: { readonly replicas: number };
  readonly backgroundController: { readonly replicas: number };
  readonly cleanupController: { readonly replicas: number };
  readonly reportsController: { readonly replicas: number };
}

export const kyverno: HelmChart<KyvernoValues> = {
  name: 'kyverno',
  chart: { repoURL: 'https://kyverno.github.io/kyverno/', chart: 'kyverno', version: '3.5.2' },
  namespace: PlatformNamespaces.kyverno,
  placement: EVERY_CLUSTER,
  crdGroups: ['kyverno.io', 'policies.kyverno.io', 'reports.kyverno.io', 'wgpolicyk8s.io'],
  description: 'Admission policies (pod security, registries, tenant guardrails)',
  values: ({ environment, cluster }) => {
    // Three admission replicas keep the webhook available through a node loss (Kyverno's HA guidance).
    const ha = environment.sizing.ha && cluster.cloud !== 'edge';
    return {
      admissionController: { replicas: ha ? 3 : 1 },
      backgroundController: { replicas: ha ? 2 : 1 },
      cleanupController: { replicas: ha ? 2 : 1 },
      reportsController: { replicas: ha ? 2 : 1 },
    };
  },
};
