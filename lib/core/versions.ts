import { Cloud, ClusterConfig } from './model';

/**
 * Support windows the platform relies on, in one table, each with its source. `npm run verify`
 * (check `versions/kubernetes`) fails a cluster whose Kubernetes minor is past its cloud's standard
 * support on the day it runs, warns 90 days ahead, and fails a minor outside Istio's tested range;
 * the Terraform preflight refuses versions absent from the table.
 */
export interface SupportWindow {
  /** Kubernetes minor version (`1.34`). */
  readonly minor: string;
  /** Last day of standard support (YYYY-MM-DD). */
  readonly endOfStandardSupport: string;
  /** URL of the provider's page the date comes from. */
  readonly source: string;
  /** The provider publishes only a rule, not the date: derived from it. */
  readonly estimated?: boolean;
}

export const KUBERNETES_SUPPORT: Readonly<Record<Cloud, readonly SupportWindow[]>> = {
  aws: [
    { minor: '1.33', endOfStandardSupport: '2026-07-29', source: 'https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html' },
    { minor: '1.34', endOfStandardSupport: '2026-12-02', source: 'https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html' },
    { minor: '1.35', endOfStandardSupport: '2027-03-27', source: 'https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html' },
  ],
  azure: [
    // AKS supports a minor until the GA of minor + 3, about 12 months after its own GA.
    { minor: '1.34', endOfStandardSupport: '2026-11-30', source: 'https://learn.microsoft.com/azure/aks/supported-kubernetes-versions', estimated: true },
    { minor: '1.35', endOfStandardSupport: '2027-03-31', source: 'https://learn.microsoft.com/azure/aks/supported-kubernetes-versions', estimated: true },
  ],
  gcp: [
    { minor: '1.34', endOfStandardSupport: '2026-08-30', source: 'https://cloud.google.com/kubernetes-engine/docs/release-schedule' },
    { minor: '1.35', endOfStandardSupport: '2027-02-28', source: 'https://cloud.google.com/kubernetes-engine/docs/release-schedule' },
  ],
  // K3s follows upstream Kubernetes: maintenance ends at the upstream end of life.
  edge: [
    { minor: '1.34', endOfStandardSupport: '2026-10-27', source: 'https://kubernetes.io/releases/' },
    { minor: '1.35', endOfStandardSupport: '2027-02-28', source: 'https://kubernetes.io/releases/1.35/' },
  ],
};

/** Kubernetes minors the pinned Istio release is tested on (https://istio.io/latest/docs/releases/supported-releases/: 1.30 → 1.32–1.35). */
export const ISTIO_KUBERNETES_RANGE = { min: '1.32', max: '1.35', source: 'https://istio.io/latest/docs/releases/supported-releases/' } as const;

/** Minors with a support window on a cloud (the Terraform preflight's table). */
export function supportedMinors(cloud: Cloud): string[] {
  return KUBERNETES_SUPPORT[cloud].map((w) => w.minor);
}

const minorNumber = (v: string) => Number(v.split('.')[1]);

/** Problems of a cluster's Kubernetes version on a day: unknown minor, past support, ending soon, outside Istio's range. */
export function kubernetesVersionProblems(
  cluster: ClusterConfig,
  asOf: string,
  meshed: boolean,
): { readonly severity: 'error' | 'warning'; readonly message: string }[] {
  const out: { severity: 'error' | 'warning'; message: string }[] = [];
  const minor = cluster.kubernetesVersion.split('.').slice(0, 2).join('.');
  const window = KUBERNETES_SUPPORT[cluster.cloud].find((w) => w.minor === minor);
  if (!window)
    out.push({
      severity: 'error',
      message: `Kubernetes ${minor} is not in the support table for ${cluster.cloud} (${supportedMinors(cluster.cloud).join(', ')})`,
    });
  else if (window.endOfStandardSupport < asOf)
    out.push({
      severity: 'error',
      message: `Kubernetes ${minor} left standard support on ${cluster.cloud} on ${window.endOfStandardSupport} (${window.source})`,
    });
  else if (daysBetween(asOf, window.endOfStandardSupport) <= 90)
    out.push({
      severity: 'warning',
      message: `Kubernetes ${minor} leaves standard support on ${cluster.cloud} on ${window.endOfStandardSupport}: plan the upgrade`,
    });
  if (meshed && (minorNumber(minor) < minorNumber(ISTIO_KUBERNETES_RANGE.min) || minorNumber(minor) > minorNumber(ISTIO_KUBERNETES_RANGE.max))) {
    out.push({
      severity: 'error',
      message: `the pinned Istio supports Kubernetes ${ISTIO_KUBERNETES_RANGE.min}–${ISTIO_KUBERNETES_RANGE.max}, not ${minor} (${ISTIO_KUBERNETES_RANGE.source})`,
    });
  }
  return out;
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
}
