import { HelmChart, NamespaceDeclaration, PlatformAddOn } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { resources, Resources, RESTRICTED_CONTAINER, RESTRICTED_POD } from '../core/pod-security';
import { traitsOf } from '../core/topology';
import { PROMETHEUS_SELECTOR_LABELS } from '../observability';

/** Where the operator and its scan jobs run (scan jobs stay in this namespace, never in tenants'). */
export const TRIVY_NAMESPACE = 'trivy-system';

/** The trivy-operator chart values we set (https://github.com/aquasecurity/trivy-operator/tree/main/deploy/helm, chart 0.34). */
export interface TrivyOperatorValues {
  /** Scanners and their pace: one node-collector at a time, a bounded number of scan jobs. */
  readonly operator: {
    readonly scanJobsConcurrentLimit: number;
    readonly scanNodeCollectorLimit: number;
    readonly vulnerabilityScannerEnabled: boolean;
    readonly configAuditScannerEnabled: boolean;
    readonly rbacAssessmentScannerEnabled: boolean;
    readonly infraAssessmentScannerEnabled: boolean;
    readonly clusterComplianceEnabled: boolean;
    readonly exposedSecretScannerEnabled: boolean;
    readonly sbomGenerationEnabled: boolean;
  };
  /** Scan jobs run in the operator's namespace, as a non-root user with the restricted profile. */
  readonly trivyOperator: {
    readonly scanJobsInSameNamespace: false;
    readonly scanJobPodTemplatePodSecurityContext: typeof RESTRICTED_POD & { readonly runAsUser: number; readonly runAsGroup: number };
    readonly scanJobPodTemplateContainerSecurityContext: typeof RESTRICTED_CONTAINER;
  };
  /** The scanner: the severities worth a report, and the scan jobs' resources. */
  readonly trivy: { readonly severity: string; readonly resources: Resources; readonly ignoreUnfixed: boolean };
  /** Vulnerability and compliance metrics for Prometheus, where the cluster runs one. */
  readonly serviceMonitor: { readonly enabled: boolean; readonly labels: Readonly<Record<string, string>> };
  readonly podSecurityContext: typeof RESTRICTED_POD;
  readonly resources: Resources;
}

/**
 * Image vulnerability scanning and the CIS Kubernetes benchmark, both asked for by the design
 * (issue 13): the Trivy operator scans every workload's images (VulnerabilityReport, ExposedSecretReport),
 * audits configuration and RBAC, and runs the `k8s-cis-1.23` ClusterComplianceReport with its
 * node-collector, which reads the kubelet's and control plane's files from each node (hostPath: the
 * namespace is therefore privileged; the operator and scan jobs themselves meet `restricted`).
 */
export const trivyOperator: HelmChart<TrivyOperatorValues> = {
  name: 'trivy-operator',
  chart: { repoURL: 'https://aquasecurity.github.io/helm-charts', chart: 'trivy-operator', version: '0.34.0' },
  namespace: TRIVY_NAMESPACE,
  // The node-collector mounts host paths: not where the cloud refuses node agents (GKE Autopilot).
  placement: { traits: ['nodeAgents'] },
  crdGroups: ['aquasecurity.github.io'],
  // One wave after the operators: its ServiceMonitor needs kube-prometheus-stack's CRD (found by `npm run verify`).
  syncWave: SyncWave.operators + 1,
  description: 'Image vulnerability scanning, config and RBAC audits, CIS benchmark (Trivy operator)',
  values: ({ cluster }) => {
    const full = !traitsOf(cluster).light;
    return {
      operator: {
        // Edge sites have few cores: one scan at a time there.
        scanJobsConcurrentLimit: full ? 3 : 1,
        scanNodeCollectorLimit: 1,
        vulnerabilityScannerEnabled: true,
        configAuditScannerEnabled: true,
        rbacAssessmentScannerEnabled: true,
        infraAssessmentScannerEnabled: true,
        clusterComplianceEnabled: true,
        exposedSecretScannerEnabled: true,
        // SBOMs double the reports' size in etcd; the vulnerability reports are what we act on.
        sbomGenerationEnabled: false,
      },
      trivyOperator: {
        scanJobsInSameNamespace: false,
        scanJobPodTemplatePodSecurityContext: { ...RESTRICTED_POD, runAsUser: 65534, runAsGroup: 65534 },
        scanJobPodTemplateContainerSecurityContext: RESTRICTED_CONTAINER,
      },
      trivy: { severity: 'MEDIUM,HIGH,CRITICAL', ignoreUnfixed: false, resources: resources('100m', '256Mi', '500m', '1Gi') },
      // Labelled so the platform's Prometheus selects it (verify: observability/monitors-selected).
      serviceMonitor: { enabled: full, labels: { ...PROMETHEUS_SELECTOR_LABELS } },
      podSecurityContext: RESTRICTED_POD,
      resources: resources('100m', '256Mi', '500m', '512Mi'),
    };
  },
};

/** Vulnerability scanning and compliance reports (the Trivy operator). */
export class TrivyOperatorAddOn implements PlatformAddOn {
  public readonly name = 'trivy-operator';
  public readonly charts = [trivyOperator];
  public readonly namespaces: readonly NamespaceDeclaration[] = [
    {
      name: TRIVY_NAMESPACE,
      podSecurity: 'privileged',
      reason: "the CIS benchmark's node-collector reads kubelet and control-plane files from the host (hostPath)",
      thirdPartyImages: true,
    },
  ];
}
