import { Construct } from 'constructs';
import { receiverTargets } from '../alarm-receivers';
import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { MonitorMetricAlert } from '@cdktf/provider-azurerm/lib/monitor-metric-alert';
import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import { MANAGED_DATABASE_ALARMS, platformReceiver, Severity } from '../../core/alerting';
import type { EnvironmentConfig } from '../../core/model';

export interface AzureDatabaseAlarmsProps {
  /** The environment (its name decides the receiver of each severity). */
  readonly environment: EnvironmentConfig;
  /** Resource group of the alert rules and action groups. */
  readonly resourceGroupName: string;
  /** Azure location of the log alert. */
  readonly location: string;
  /** Name of the flexible server (alert names). */
  readonly serverName: string;
  /** Resource id of the flexible server. */
  readonly serverId: string;
  /** Log Analytics workspace receiving its PostgreSQLLogs (diagnostic setting of AzurePostgres). */
  readonly logAnalyticsWorkspaceId: string;
}

/** Azure Monitor severities: 0 critical … 4 verbose. */
const AZURE_SEVERITY: Readonly<Record<Severity, number>> = { critical: 0, warning: 2, info: 3 };

/**
 * "Database down" and "slow queries" for the PostgreSQL flexible server, which Prometheus does not
 * scrape: an action group per receiver posting (common alert schema) to the endpoint of the receiver
 * Alertmanager uses for the same severity (variables `alert_endpoint_<receiver>`, sensitive); a metric
 * alert on `is_db_alive` (below 1 for 5 minutes, or no data) and a log alert counting the `duration:`
 * lines PostgreSQL logs for statements over 1 s (`log_min_duration_statement`) in the server's
 * PostgreSQLLogs.
 */
export class AzureDatabaseAlarms extends Construct {
  constructor(scope: Construct, id: string, props: AzureDatabaseAlarmsProps) {
    super(scope, id);
    const groupOf = receiverTargets(
      this,
      'Azure Monitor',
      (receiver, endpoint) =>
        new MonitorActionGroup(this, `${receiver}-group`, {
          name: `${props.serverName}-${receiver}`,
          resourceGroupName: props.resourceGroupName,
          shortName: receiver === 'platform-pager' ? 'ceres-page' : 'ceres-chat',
          webhookReceiver: [{ name: receiver, serviceUri: endpoint, useCommonAlertSchema: true }],
        }),
    );
    const down = MANAGED_DATABASE_ALARMS.down;
    const slow = MANAGED_DATABASE_ALARMS.slowQueries;
    new MonitorMetricAlert(this, 'down-alert', {
      name: `${props.serverName}-${down.name}`,
      resourceGroupName: props.resourceGroupName,
      scopes: [props.serverId],
      description: `${down.name} (${down.severity}): ${down.description}`,
      severity: AZURE_SEVERITY[down.severity],
      frequency: 'PT1M',
      windowSize: 'PT5M',
      criteria: [
        {
          metricNamespace: 'Microsoft.DBforPostgreSQL/flexibleServers',
          metricName: 'is_db_alive',
          aggregation: 'Minimum',
          operator: 'LessThan',
          threshold: 1,
          skipMetricValidation: false,
        },
      ],
      action: [{ actionGroupId: groupOf(platformReceiver(props.environment, down.severity)).id }],
    });
    new MonitorScheduledQueryRulesAlertV2(this, 'slow-query-alert', {
      name: `${props.serverName}-${slow.name}`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      description: `${slow.name} (${slow.severity}): ${slow.description}`,
      severity: AZURE_SEVERITY[slow.severity],
      scopes: [props.logAnalyticsWorkspaceId],
      evaluationFrequency: 'PT5M',
      windowDuration: 'PT5M',
      criteria: [
        {
          // log_min_duration_statement logs "duration: <ms> ms  statement: ..." for statements over the limit only.
          query: `AzureDiagnostics\n| where ResourceProvider == "MICROSOFT.DBFORPOSTGRESQL" and Category == "PostgreSQLLogs"\n| where Resource =~ "${props.serverName}"\n| where Message has "duration:"`,
          timeAggregationMethod: 'Count',
          operator: 'GreaterThan',
          threshold: 0,
          failingPeriods: { minimumFailingPeriodsToTriggerAlert: 1, numberOfEvaluationPeriods: 1 },
        },
      ],
      action: { actionGroups: [groupOf(platformReceiver(props.environment, slow.severity)).id] },
    });
  }
}
