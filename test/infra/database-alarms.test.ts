/**
 * "Database down" and "slow queries" for the managed PostgreSQL servers (issue 13 item 3): each
 * cloud's stack alarms on both, routes each severity to the receiver Alertmanager uses for it, and
 * the slow-query alarms rely on what the servers are configured to log or measure.
 */
import { MANAGED_DATABASE_ALARMS, platformReceiver, receiverEndpointVariable, SLOW_QUERY_MS } from '../../lib/core/alerting';
import { alertmanagerConfig } from '../../lib/observability';
import { fixtureStacks } from '../support/fixture-stacks';
import { AZURE_POSTGRES_PARAMETERS } from '../../lib/infra/azure/postgres';
import { EnvironmentConfig } from '../../lib/core/model';
import { FixtureClusters, fixturePlatform } from '../support/harness';
import { addresses, Json, resources } from './helpers';

const stacksOf = (env: 'dev' | 'prod') => {
  const platform = fixturePlatform({ env, clusters: [FixtureClusters.aws, FixtureClusters.azure, FixtureClusters.gcp] });
  const files = fixtureStacks(platform, { tenants: [], databases: [] });
  return { env: platform.environments[0], json: (cloud: string): Json => JSON.parse(files.get(`terraform/${env}-${cloud}/cdk.tf.json`)!) };
};
const endpointOf = (severity: 'critical' | 'warning', env: Pick<EnvironmentConfig, 'name'>) =>
  `\${var.${receiverEndpointVariable(platformReceiver(env, severity))}}`;

describe.each(['prod', 'dev'] as const)('managed database alarms in %s', (name) => {
  const { env, json } = stacksOf(name);

  it('route each severity where Alertmanager routes it (critical pages in prod only)', () => {
    const routes = (alertmanagerConfig(env, FixtureClusters.aws) as any).route.routes;
    expect(routes.find((r: Json) => r.matchers.includes('severity = "critical"')).receiver).toBe(platformReceiver(env, 'critical'));
    expect(platformReceiver(env, 'critical')).toBe(name === 'prod' ? 'platform-pager' : 'platform-chat');
    for (const cloud of ['aws', 'azure', 'gcp']) {
      for (const r of [platformReceiver(env, 'critical'), platformReceiver(env, 'warning')]) {
        expect({ cloud, variable: json(cloud).variable[receiverEndpointVariable(r)] }).toMatchObject({ cloud, variable: { sensitive: true, type: 'string' } });
      }
    }
  });

  it('AWS: down from RDS events and missing metrics, slow from the logged durations, each to its receiver', () => {
    const aws = json('aws');
    const topics = Object.fromEntries(addresses(aws, 'aws_sns_topic').map(([a]) => [a, a]));
    const endpointOfTopic = (topicArn: string) => resources(aws, 'aws_sns_topic_subscription').find((s) => s.topic_arn === topicArn)!.endpoint;
    const alarm = (n: string) => resources(aws, 'aws_cloudwatch_metric_alarm').find((a) => a.alarm_name.endsWith(`-${n}`))!;
    const down = alarm(MANAGED_DATABASE_ALARMS.down.name);
    expect(down).toMatchObject({ namespace: 'AWS/RDS', treat_missing_data: 'breaching' });
    expect(endpointOfTopic(down.alarm_actions[0])).toBe(endpointOf('critical', env));
    const slow = alarm(MANAGED_DATABASE_ALARMS.slowQueries.name);
    expect(endpointOfTopic(slow.alarm_actions[0])).toBe(endpointOf('warning', env));
    const filter = resources(aws, 'aws_cloudwatch_log_metric_filter')[0];
    expect([filter.metric_transformation.namespace, filter.metric_transformation.name]).toEqual([slow.namespace, slow.metric_name]);
    // The filter counts what log_min_duration_statement logs: statements over the threshold.
    const params = resources(aws, 'aws_db_parameter_group')[0].parameter;
    expect(params).toContainEqual({ name: 'log_min_duration_statement', value: String(SLOW_QUERY_MS) });
    expect(filter.log_group_name).toMatch(/postgresql-logs/);
    const events = resources(aws, 'aws_db_event_subscription')[0];
    expect(endpointOfTopic(events.sns_topic)).toBe(endpointOf('critical', env));
    expect(events.event_categories).toEqual(expect.arrayContaining(['availability', 'failure']));
    // Topics are encrypted with a key CloudWatch and RDS may use, and refuse plaintext publishing.
    for (const t of resources(aws, 'aws_sns_topic')) expect(t.kms_master_key_id).toMatch(/aws_kms_key\./);
    expect(Object.keys(topics).length).toBe(new Set([platformReceiver(env, 'critical'), platformReceiver(env, 'warning')]).size);
  });

  it('Azure: is_db_alive and the logged durations, each to the action group of its receiver', () => {
    const azure = json('azure');
    const groups = addresses(azure, 'azurerm_monitor_action_group');
    const uriOf = (id: string) => groups.find(([a]) => id === `\${${a}.id}`)![1].webhook_receiver[0].service_uri;
    const down = resources(azure, 'azurerm_monitor_metric_alert').find((a) => a.name.endsWith(MANAGED_DATABASE_ALARMS.down.name))!;
    expect(down.criteria[0]).toMatchObject({ metric_name: 'is_db_alive', operator: 'LessThan', threshold: 1 });
    expect(uriOf(down.action[0].action_group_id)).toBe(endpointOf('critical', env));
    const slow = resources(azure, 'azurerm_monitor_scheduled_query_rules_alert_v2')[0];
    expect(slow.criteria[0].query).toContain('has "duration:"');
    expect(uriOf(slow.action.action_groups[0])).toBe(endpointOf('warning', env));
    expect(AZURE_POSTGRES_PARAMETERS.log_min_duration_statement).toBe(String(SLOW_QUERY_MS));
  });

  it('GCP: database/up and Query Insights latency, each to the channel of its receiver', () => {
    const gcp = json('gcp');
    const channels = addresses(gcp, 'google_monitoring_notification_channel');
    const urlOf = (id: string) => channels.find(([a]) => id === `\${${a}.id}`)![1].labels.url;
    const policies = resources(gcp, 'google_monitoring_alert_policy');
    const down = policies.find((p) => p.display_name.endsWith(MANAGED_DATABASE_ALARMS.down.name))!;
    expect(down.conditions.map((c: Json) => (c.condition_threshold ?? c.condition_absent).filter)).toEqual([
      expect.stringContaining('cloudsql.googleapis.com/database/up'),
      expect.stringContaining('cloudsql.googleapis.com/database/up'),
    ]);
    expect(urlOf(down.notification_channels[0])).toBe(endpointOf('critical', env));
    const slow = policies.find((p) => p.display_name.endsWith(MANAGED_DATABASE_ALARMS.slowQueries.name))!;
    expect(slow.conditions[0].condition_threshold).toMatchObject({ threshold_value: SLOW_QUERY_MS * 1000, comparison: 'COMPARISON_GT' });
    expect(urlOf(slow.notification_channels[0])).toBe(endpointOf('warning', env));
    expect(resources(gcp, 'google_sql_database_instance')[0].settings.insights_config.query_insights_enabled).toBe(true);
  });
});
