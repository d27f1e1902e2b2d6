import { Construct } from 'constructs';
import { receiverTargets } from '../alarm-receivers';
import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel';
import { MANAGED_DATABASE_ALARMS, platformReceiver, Severity, SLOW_QUERY_MS } from '../../core/alerting';
import type { EnvironmentConfig } from '../../core/model';

export interface GcpDatabaseAlarmsProps {
  /** The environment (its name decides the receiver of each severity). */
  readonly environment: EnvironmentConfig;
  /** GCP project id. */
  readonly project: string;
  /** Cloud SQL instance name (a literal: policies and the log metric are named after it). */
  readonly instanceName: string;
}

/** Cloud Monitoring severities. */
const GCP_SEVERITY: Readonly<Record<Severity, string>> = { critical: 'CRITICAL', warning: 'WARNING', info: 'WARNING' };

/**
 * "Database down" and "slow queries" for Cloud SQL, which Prometheus does not scrape: a webhook
 * notification channel per receiver posting to the endpoint of the receiver Alertmanager uses for the
 * same severity (variables `alert_endpoint_<receiver>`, sensitive); an alert policy on
 * `cloudsql.googleapis.com/database/up` (below 1, or absent, for 3 minutes) and one on Query
 * Insights' latency distribution (p99 over 5 minutes above 1 s). Cloud SQL keeps
 * `log_min_duration_statement` off, as CIS GCP 6.2.7 asks (logged statements may carry data), so
 * slow statements are measured by Query Insights instead of counted in the log.
 */
export class GcpDatabaseAlarms extends Construct {
  constructor(scope: Construct, id: string, props: GcpDatabaseAlarmsProps) {
    super(scope, id);
    const channelOf = receiverTargets(
      this,
      'Cloud Monitoring',
      (receiver, endpoint) =>
        new MonitoringNotificationChannel(this, `${receiver}-channel`, {
          project: props.project,
          displayName: `${props.instanceName} ${receiver}`,
          type: 'webhook_tokenauth',
          labels: { url: endpoint },
        }),
    );
    const database = `resource.type="cloudsql_database" AND resource.labels.database_id="${props.project}:${props.instanceName}"`;
    const down = MANAGED_DATABASE_ALARMS.down;
    const slow = MANAGED_DATABASE_ALARMS.slowQueries;
    new MonitoringAlertPolicy(this, 'down-policy', {
      project: props.project,
      displayName: `${props.instanceName} ${down.name}`,
      severity: GCP_SEVERITY[down.severity],
      combiner: 'OR',
      documentation: { content: `${down.name} (${down.severity}): ${down.description}. Runbook: docs/observability.md.`, mimeType: 'text/markdown' },
      conditions: [
        {
          displayName: 'database/up below 1',
          conditionThreshold: {
            filter: `${database} AND metric.type="cloudsql.googleapis.com/database/up"`,
            comparison: 'COMPARISON_LT',
            thresholdValue: 1,
            duration: '180s',
            aggregations: [{ alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_MIN' }],
          },
        },
        {
          displayName: 'database/up absent',
          conditionAbsent: {
            filter: `${database} AND metric.type="cloudsql.googleapis.com/database/up"`,
            duration: '180s',
            aggregations: [{ alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_MIN' }],
          },
        },
      ],
      notificationChannels: [channelOf(platformReceiver(props.environment, down.severity)).id],
    });
    new MonitoringAlertPolicy(this, 'slow-query-policy', {
      project: props.project,
      displayName: `${props.instanceName} ${slow.name}`,
      severity: GCP_SEVERITY[slow.severity],
      combiner: 'OR',
      documentation: { content: `${slow.name} (${slow.severity}): ${slow.description}. Runbook: docs/observability.md.`, mimeType: 'text/markdown' },
      conditions: [
        {
          displayName: `query latency p99 above ${SLOW_QUERY_MS / 1000} s`,
          conditionThreshold: {
            filter:
              `resource.type="cloudsql_instance_database" AND resource.labels.resource_id="${props.project}:${props.instanceName}"` +
              ' AND metric.type="cloudsql.googleapis.com/database/postgresql/insights/aggregate/latencies"',
            comparison: 'COMPARISON_GT',
            // The distribution is in microseconds.
            thresholdValue: SLOW_QUERY_MS * 1000,
            duration: '0s',
            aggregations: [{ alignmentPeriod: '300s', perSeriesAligner: 'ALIGN_PERCENTILE_99' }],
          },
        },
      ],
      notificationChannels: [channelOf(platformReceiver(props.environment, slow.severity)).id],
    });
  }
}
