import { HelmChart, NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { resources, Resources, RESTRICTED_CONTAINER, RESTRICTED_POD } from '../core/pod-security';
import { traitsOf } from '../core/topology';
import { Labels } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { AlertGroup, PROMETHEUS_SELECTOR_LABELS, PrometheusAlertRules, runbookBase, scrapeFlow } from '../observability';
import { Flow, FlowTarget, INTERNET, namespaceBaseFlows } from '../core/flows';

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
  /** The operator's own pod: non-root with the RuntimeDefault seccomp profile (restricted). */
  readonly podSecurityContext: typeof RESTRICTED_POD;
  /** The operator's requests and limits (scan jobs have theirs under `trivy`). */
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

/** The environment-wide folder of the scan alerts (synced where the operator and Prometheus both run). */
export const SECURITY_REPORTS_FOLDER = 'security-reports';

/**
 * Alerts on what the operator reports (its metrics, pkg/metrics/collector.go of trivy-operator
 * 0.32): a critical vulnerability or an exposed secret in a running image, and CIS controls that
 * started failing. Managed control planes fail some CIS controls by design (they are the cloud's),
 * so the benchmark alerts on new failures rather than on any.
 */
export function securityReportAlerts(): AlertGroup[] {
  return [
    {
      name: 'ceres-security-reports',
      alerts: [
        {
          name: 'CriticalImageVulnerability',
          severity: 'warning',
          expr: 'sum by (namespace, resource_kind, resource_name, image_repository, image_tag) (trivy_image_vulnerabilities{severity="Critical"}) > 0',
          for: '1h',
          summary: 'Critical vulnerabilities in {{ $labels.image_repository }}:{{ $labels.image_tag }}',
          description:
            '{{ $value }} critical vulnerabilities in the image of {{ $labels.resource_kind }} {{ $labels.namespace }}/{{ $labels.resource_name }}: kubectl -n {{ $labels.namespace }} get vulnerabilityreports -o wide.',
        },
        {
          name: 'ExposedSecretInImage',
          severity: 'critical',
          expr: 'sum by (namespace, resource_kind, resource_name, image_repository, image_tag) (trivy_image_exposedsecrets) > 0',
          for: '15m',
          summary: 'A secret is baked into {{ $labels.image_repository }}:{{ $labels.image_tag }}',
          description:
            '{{ $value }} secrets found in the image of {{ $labels.resource_kind }} {{ $labels.namespace }}/{{ $labels.resource_name }}: rotate them, then rebuild the image without them.',
        },
        {
          name: 'CisBenchmarkRegressed',
          severity: 'warning',
          expr: 'sum by (title) (trivy_cluster_compliance{status="Fail"}) > max_over_time(sum by (title) (trivy_cluster_compliance{status="Fail"})[1d:1h] offset 1d)',
          for: '2h',
          summary: 'More CIS controls fail than a day ago ({{ $labels.title }})',
          description: '{{ $value }} controls of {{ $labels.title }} fail now: kubectl get clustercompliancereport k8s-cis-1.23 -o yaml lists them.',
        },
      ],
    },
  ];
}

/** Vulnerability scanning and compliance reports (the Trivy operator). */
export class TrivyOperatorAddOn implements PlatformAddOn {
  public readonly name = 'trivy-operator';

  /**
   * The operator and its scan jobs: the API, the vulnerability database and the scanned images'
   * registries over HTTPS; Prometheus scrapes the operator's report metrics (8080).
   */
  public flows(t: FlowTarget): Flow[] {
    return [
      ...namespaceBaseFlows('trivy-operator', TRIVY_NAMESPACE, t.cluster, { apiServer: true }),
      {
        name: 'trivy-operator/scans-to-registries',
        from: { pods: { namespace: TRIVY_NAMESPACE } },
        to: { external: INTERNET, ports: [{ port: 443 }] },
        plaintext: true,
        reason: 'scan jobs download the vulnerability database and the images they scan',
      },
      scrapeFlow('trivy-operator/scrape-operator', { namespace: TRIVY_NAMESPACE, podLabels: { 'app.kubernetes.io/name': 'trivy-operator' } }, [8080]),
    ];
  }
  public readonly charts = [trivyOperator];
  public readonly namespaces: readonly NamespaceDeclaration[] = [
    {
      name: TRIVY_NAMESPACE,
      podSecurity: 'privileged',
      reason: "the CIS benchmark's node-collector reads kubelet and control-plane files from the host (hostPath)",
      thirdPartyImages: true,
    },
  ];

  public deploy(ctx: PlatformContext): void {
    // Where the operator runs and a Prometheus reads its metrics (the CRD routing keeps it off clusters without one).
    const folder = ctx.output.folder(SECURITY_REPORTS_FOLDER, {
      description: 'Alerts on image vulnerabilities, exposed secrets and the CIS benchmark (Trivy operator)',
      syncWave: SyncWave.observability,
      placement: trivyOperator.placement,
      labels: { [Labels.costCenter]: 'platform' },
    });
    const namespace = PlatformNamespaces.monitoring;
    new PrometheusAlertRules(folder.manifest('alerts', { namespace }), 'alerts', {
      name: 'ceres-security-reports',
      namespace,
      groups: securityReportAlerts(),
      runbookBaseUrl: runbookBase(ctx.platform.gitops.repoURL, ctx.platform.gitops.targetRevision),
    });
  }
}
