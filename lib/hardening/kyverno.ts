import { HelmChart } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, Resources } from '../core/pod-security';
import { EVERY_CLUSTER, traitsOf } from '../core/topology';

interface Controller {
  readonly replicas: number;
  readonly resources: Resources;
}

/** The Kyverno chart values we set (https://kyverno.github.io/kyverno/, chart 3.x). */
export interface KyvernoValues {
  /** The admission controller that enforces the policies (replicas, requests and limits). */
  readonly admissionController: { readonly replicas: number; readonly container: { readonly resources: Resources } };
  /** The background controller (generate and mutate-existing rules). */
  readonly backgroundController: Controller;
  /** The cleanup controller (cleanup policies and TTLs). */
  readonly cleanupController: Controller;
  /** The reports controller (policy reports of background scans). */
  readonly reportsController: Controller;
}

/**
 * Kyverno at the release imports/ was generated from (1.19.0, chart 3.9.0). The chart's controllers
 * have memory limits but no CPU limit, which the platform's own requests-and-limits rule refuses:
 * every container gets both here.
 */
export const kyverno: HelmChart<KyvernoValues> = {
  name: 'kyverno',
  chart: { repoURL: 'https://kyverno.github.io/kyverno/', chart: 'kyverno', version: '3.9.0' },
  kubeVersion: '>=1.25.0-0',
  namespace: PlatformNamespaces.kyverno,
  placement: EVERY_CLUSTER,
  crdGroups: ['kyverno.io', 'policies.kyverno.io', 'reports.kyverno.io', 'wgpolicyk8s.io'],
  description: 'Admission policies (pod security, registries, tenant guardrails)',
  values: ({ environment, cluster }) => {
    // Three admission replicas keep the webhook available through a node loss (Kyverno's HA guidance).
    const ha = environment.sizing.ha && !traitsOf(cluster).light;
    const controller = (memory: string): Controller => ({ replicas: ha ? 2 : 1, resources: resources('100m', '64Mi', '500m', memory) });
    return {
      admissionController: { replicas: ha ? 3 : 1, container: { resources: resources('100m', '256Mi', '1', '512Mi') } },
      backgroundController: controller('256Mi'),
      cleanupController: controller('128Mi'),
      reportsController: controller('256Mi'),
    };
  },
};
