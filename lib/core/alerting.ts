import { EnvironmentConfig } from './model';

/**
 * How alerts reach people, read by both apps: Alertmanager's routes (lib/observability/alert-routing.ts)
 * and the cloud-native alarms of the managed databases (lib/infra, which Prometheus cannot see) send
 * each severity to the same receiver.
 */

/** Alert severities, as the `severity` label Alertmanager routes on. */
export type Severity = 'critical' | 'warning' | 'info';

/** The platform's receivers: the pager (PagerDuty) and the platform chat. */
export type PlatformReceiver = 'platform-pager' | 'platform-chat';

/** The receiver of a severity in an environment: `critical` pages in production, everything else goes to chat. */
export function platformReceiver(environment: Pick<EnvironmentConfig, 'name'>, severity: Severity): PlatformReceiver {
  return severity === 'critical' && environment.name === 'prod' ? 'platform-pager' : 'platform-chat';
}

/**
 * The Terraform variable (sensitive) holding the HTTPS endpoint a cloud's alarms post to for a
 * receiver: PagerDuty's integration URL for that cloud (CloudWatch, Azure Monitor, Cloud Monitoring) for
 * the pager, the chat webhook (or its relay) for chat. Set from the same secret store as the
 * Alertmanager receivers Secret; never in git.
 */
export function receiverEndpointVariable(receiver: PlatformReceiver): string {
  return `alert_endpoint_${receiver.replace(/-/g, '_')}`;
}

/** A condition the managed databases are alarmed on, named like the Prometheus alert of the same meaning. */
export interface ManagedDatabaseAlarm {
  /** Alert name (the same as CloudNativePG's, so a runbook section covers both). */
  readonly name: string;
  /** Severity (decides the receiver). */
  readonly severity: Severity;
  /** One line: what fires it. */
  readonly description: string;
}

/** Statements slower than this are slow queries (the design's warning: "slow queries > 1 s"); the servers log them (`log_min_duration_statement`). */
export const SLOW_QUERY_MS = 1000;

/** "database down" and "slow queries" for RDS, Azure PostgreSQL flexible server and Cloud SQL (issue 13 item 3). */
export const MANAGED_DATABASE_ALARMS = {
  down: { name: 'DatabaseDown', severity: 'critical', description: 'the managed PostgreSQL server is not available' },
  slowQueries: { name: 'SlowQueries', severity: 'warning', description: `statements slower than ${SLOW_QUERY_MS / 1000} s were logged` },
} as const satisfies Record<string, ManagedDatabaseAlarm>;
