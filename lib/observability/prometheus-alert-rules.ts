import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheus-rule-monitoring.coreos.com';
import { AlertGroup } from './alert-catalog';
import { PROMETHEUS_SELECTOR_LABELS } from './monitoring-stack';

export interface PrometheusAlertRulesProps {
  /** PrometheusRule name. */
  readonly name: string;
  /** Namespace of the PrometheusRule (Prometheus selects rules in every namespace by label). */
  readonly namespace: string;
  /** The rule groups, rendered in order. */
  readonly groups: readonly AlertGroup[];
  /** Base URL of the runbooks; each alert links to `<base>#<alert name, lowercased>`. */
  readonly runbookBaseUrl: string;
  /** Labels besides the Prometheus selector's (cost allocation when the folder gives none). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A PrometheusRule holding alert groups, labelled `release: kube-prometheus-stack` so the stack's
 * Prometheus loads it; every alert carries severity, summary, description and runbook_url.
 */
export class PrometheusAlertRules extends Construct {
  constructor(scope: Construct, id: string, props: PrometheusAlertRulesProps) {
    super(scope, id);
    new PrometheusRule(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels, ...PROMETHEUS_SELECTOR_LABELS } },
      spec: {
        groups: props.groups.map((g) => ({
          name: g.name,
          rules: [
            ...(g.recordings ?? []).map((r) => ({ record: r.record, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })),
            ...g.alerts.map((a) => ({
              alert: a.name,
              expr: PrometheusRuleSpecGroupsRulesExpr.fromString(a.expr),
              for: a.for,
              labels: { severity: a.severity },
              annotations: {
                summary: a.summary,
                description: a.description,
                runbook_url: `${props.runbookBaseUrl}#${a.name.toLowerCase()}`,
              },
            })),
          ],
        })),
      },
    });
  }
}
