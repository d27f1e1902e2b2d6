import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composePlatform } from '../../lib/core/composition';
import { PROMETHEUS_SELECTOR_LABELS, kubePrometheusStack, runbookBase } from '../../lib/observability';
import { ObservabilityAddOn } from '../../lib/observability';
import { GitOpsAddOn } from '../../lib/gitops';
import {
  PlatformGuardrailsAddOn,
  SECURITY_REPORTS_FOLDER,
  securityReportAlerts,
  TRIVY_NAMESPACE,
  trivyOperator,
  TrivyOperatorAddOn,
} from '../../lib/hardening';
import { baseAddOns, FixtureClusters, fixturePlatform, helmValues, ofKind, renderAddOns, yamlFiles } from '../support/harness';

/** The Trivy operator: image scanning and the CIS benchmark, with alerts where Prometheus runs. */
const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.gcp, FixtureClusters.edge] });
const addOns = () => [...baseAddOns(), new PlatformGuardrailsAddOn(), new ObservabilityAddOn(), new TrivyOperatorAddOn(), new GitOpsAddOn()];
const out = renderAddOns(addOns(), { platform });
const ENV = out.environment.name;

describe('trivy-operator', () => {
  it('is a chart and a namespace of its own, composing with no other add-on', () => {
    const composed = composePlatform([...baseAddOns(), new TrivyOperatorAddOn()]);
    expect(composed.catalog.charts.map((c) => c.name)).toContain('trivy-operator');
    const ns = composed.catalog.namespaces.find((n) => n.name === TRIVY_NAMESPACE)!;
    // Only the node-collector (hostPath) needs more than restricted; the reason is recorded.
    expect(ns.podSecurity).toBe('privileged');
    expect(ns.reason).toMatch(/node-collector/);
  });

  it('runs on clusters that admit node agents, with scan jobs in its own namespace as non-root', () => {
    const aws = helmValues(out, FixtureClusters.aws.name, 'trivy-operator');
    expect(helmValues(out, FixtureClusters.edge.name, 'trivy-operator').operator.scanJobsConcurrentLimit).toBe(1);
    expect(() => helmValues(out, FixtureClusters.gcp.name, 'trivy-operator')).toThrow();
    expect(aws.trivyOperator.scanJobsInSameNamespace).toBe(false);
    expect(aws.trivyOperator.scanJobPodTemplatePodSecurityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(aws.trivyOperator.scanJobPodTemplateContainerSecurityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(aws.operator.clusterComplianceEnabled).toBe(true);
  });

  it("labels its ServiceMonitor for the platform's Prometheus, and syncs after the CRD's chart", () => {
    const aws = helmValues(out, FixtureClusters.aws.name, 'trivy-operator');
    expect(aws.serviceMonitor).toEqual({ enabled: true, labels: { ...PROMETHEUS_SELECTOR_LABELS } });
    expect(helmValues(out, FixtureClusters.edge.name, 'trivy-operator').serviceMonitor.enabled).toBe(false);
    expect(trivyOperator.syncWave).toBeGreaterThan(kubePrometheusStack.syncWave ?? -30);
  });

  it('alerts with runbooks in docs/observability.md, routed only where Prometheus runs', () => {
    const doc = readFileSync(join(__dirname, '../../docs/observability.md'), 'utf8');
    const rules = ofKind(out, 'PrometheusRule').filter((r) => r.metadata.name === 'ceres-security-reports');
    expect(rules).toHaveLength(1);
    expect(rules[0].metadata.labels).toMatchObject(PROMETHEUS_SELECTOR_LABELS);
    const alerts = rules[0].spec.groups.flatMap((g: { rules: { alert: string; annotations: Record<string, string> }[] }) => g.rules);
    expect(alerts.map((a: { alert: string }) => a.alert)).toEqual(securityReportAlerts().flatMap((g) => g.alerts.map((a) => a.name)));
    for (const a of alerts) {
      expect(doc).toContain(`### ${a.alert}`);
      expect(a.annotations.runbook_url).toBe(`${runbookBase(out.platform.gitops.repoURL, out.platform.gitops.targetRevision)}#${a.alert.toLowerCase()}`);
    }
    const routed = [...out.view.clusters].filter(([, objects]) => objects.some((o) => o.folder === SECURITY_REPORTS_FOLDER)).map(([c]) => c);
    expect(routed).toEqual([FixtureClusters.aws.name]);
  });

  it('matches the reviewed YAML', () => {
    expect(yamlFiles(out, new RegExp(`^${ENV}/${SECURITY_REPORTS_FOLDER}/`))).toMatchSnapshot();
  });
});
