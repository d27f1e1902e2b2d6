import { argoCd } from './argo-cd';
import { certManager } from './cert-manager';
import { cloudNativePg } from './cloudnative-pg';
import { falco } from './falco';
import { flagger } from './flagger';
import { HelmAddOn } from './helm-addon';
import { karpenter } from './karpenter';
import { kubePrometheusStack } from './kube-prometheus-stack';
import { kyverno } from './kyverno';
import { loki } from './loki';
import { promtail } from './promtail';
import { sealedSecrets } from './sealed-secrets';
import { tempo } from './tempo';
import { velero } from './velero';
import { verticalPodAutoscaler } from './vertical-pod-autoscaler';

/**
 * Every Helm add-on of the platform, in the order a reader meets them. All sync in the operators wave
 * (CRDs first); edge sites get the light ones only (see each add-on's `profiles`).
 */
export const PLATFORM_HELM_ADDONS: readonly HelmAddOn[] = [
  argoCd,
  certManager,
  sealedSecrets,
  kyverno,
  kubePrometheusStack,
  loki,
  promtail,
  tempo,
  velero,
  cloudNativePg,
  falco,
  flagger,
  verticalPodAutoscaler,
  karpenter,
];
