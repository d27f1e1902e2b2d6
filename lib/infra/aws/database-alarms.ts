import { Construct } from 'constructs';
import { receiverTargets } from '../alarm-receivers';
import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DbEventSubscription } from '@cdktf/provider-aws/lib/db-event-subscription';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { MANAGED_DATABASE_ALARMS, platformReceiver } from '../../core/alerting';
import type { EnvironmentConfig } from '../../core/model';
import { policyDocument } from './policies';

export interface AwsDatabaseAlarmsProps {
  /** The environment (its name decides the receiver of each severity). */
  readonly environment: EnvironmentConfig;
  /** RDS instance identifier. */
  readonly instanceId: string;
  /** Name of the instance's exported `postgresql` log group (slow statements are logged there). */
  readonly logGroupName: string;
}

/** The CloudWatch namespace of the slow-query metric. */
export const SLOW_QUERY_METRIC = { namespace: 'CERES/RDS', name: 'SlowQueries' } as const;

/**
 * "Database down" and "slow queries" for RDS, which Prometheus does not scrape: CloudWatch alarms and
 * RDS events to an SNS topic per receiver, delivered over HTTPS to the endpoint of the receiver
 * Alertmanager uses for the same severity (variables `alert_endpoint_<receiver>`, sensitive).
 * Down: RDS availability/failure events, and `CPUUtilization` reporting nothing for 3 minutes
 * (missing data breaches). Slow queries: a metric filter counting the `duration:` lines the parameter
 * group makes PostgreSQL log for statements over 1 s. The topics are encrypted with their own key,
 * whose policy lets CloudWatch and RDS events publish (AWS-managed `aws/sns` would refuse them).
 */
export class AwsDatabaseAlarms extends Construct {
  constructor(scope: Construct, id: string, props: AwsDatabaseAlarmsProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, 'account').accountId;
    const key = new KmsKey(this, 'topic-key', {
      description: `${props.instanceId} alarm topics`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument(
        { Sid: 'AccountAdministration', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'AlarmPublishers',
          Effect: 'Allow',
          Principal: { Service: ['cloudwatch.amazonaws.com', 'events.rds.amazonaws.com'] },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
        },
      ),
    });
    const topicOf = receiverTargets(this, 'CloudWatch', (receiver, endpoint) => {
      const topic = new SnsTopic(this, `${receiver}-topic`, { name: `${props.instanceId}-${receiver}`, kmsMasterKeyId: key.arn });
      new SnsTopicPolicy(this, `${receiver}-topic-policy`, {
        arn: topic.arn,
        policy: policyDocument(
          {
            Sid: 'CloudWatchAndRdsPublish',
            Effect: 'Allow',
            Principal: { Service: ['cloudwatch.amazonaws.com', 'events.rds.amazonaws.com'] },
            Action: 'sns:Publish',
            Resource: topic.arn,
          },
          {
            Sid: 'TlsOnly',
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Resource: topic.arn,
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ),
      });
      new SnsTopicSubscription(this, `${receiver}-subscription`, {
        topicArn: topic.arn,
        protocol: 'https',
        endpoint,
        endpointAutoConfirms: true,
      });
      return topic;
    });
    const down = MANAGED_DATABASE_ALARMS.down;
    const slow = MANAGED_DATABASE_ALARMS.slowQueries;
    const downTopic = topicOf(platformReceiver(props.environment, down.severity));
    const slowTopic = topicOf(platformReceiver(props.environment, slow.severity));
    new DbEventSubscription(this, 'down-events', {
      name: `${props.instanceId}-down`,
      snsTopic: downTopic.arn,
      sourceType: 'db-instance',
      sourceIds: [props.instanceId],
      eventCategories: ['availability', 'failure', 'failover'],
    });
    new CloudwatchMetricAlarm(this, 'down-alarm', {
      alarmName: `${props.instanceId}-${down.name}`,
      alarmDescription: `${down.name} (${down.severity}): ${down.description}`,
      namespace: 'AWS/RDS',
      metricName: 'CPUUtilization',
      dimensions: { DBInstanceIdentifier: props.instanceId },
      statistic: 'SampleCount',
      period: 60,
      evaluationPeriods: 3,
      threshold: 1,
      comparisonOperator: 'LessThanThreshold',
      treatMissingData: 'breaching',
      alarmActions: [downTopic.arn],
      okActions: [downTopic.arn],
    });
    new CloudwatchLogMetricFilter(this, 'slow-query-filter', {
      name: `${props.instanceId}-slow-queries`,
      logGroupName: props.logGroupName,
      // log_min_duration_statement logs "duration: <ms> ms  statement: ..." for statements over the limit only.
      pattern: '"duration:"',
      metricTransformation: { namespace: SLOW_QUERY_METRIC.namespace, name: SLOW_QUERY_METRIC.name, value: '1', defaultValue: '0' },
    });
    new CloudwatchMetricAlarm(this, 'slow-query-alarm', {
      alarmName: `${props.instanceId}-${slow.name}`,
      alarmDescription: `${slow.name} (${slow.severity}): ${slow.description}`,
      namespace: SLOW_QUERY_METRIC.namespace,
      metricName: SLOW_QUERY_METRIC.name,
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [slowTopic.arn],
      okActions: [slowTopic.arn],
    });
  }
}
