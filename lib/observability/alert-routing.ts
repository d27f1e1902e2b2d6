import { platformReceiver } from '../core/alerting';
import { BootstrapFacts } from '../core/cloud';
import { ClusterConfig, EnvironmentConfig } from '../core/model';

/** Where the receivers' credentials are mounted in the Alertmanager pods (`alertmanagerSpec.secrets`). */
const SECRET_DIR = `/etc/alertmanager/secrets/${BootstrapFacts.alertmanagerReceiversSecret}`;

/** Keys of the receivers Secret (created at bootstrap, never in git): the bootstrap README lists them. */
export const ALERT_RECEIVER_KEYS = {
  pagerdutyRoutingKey: 'pagerduty-routing-key',
  chatWebhookUrl: 'chat-webhook-url',
  tenantWebhookUrl: 'tenant-webhook-url',
} as const;

/**
 * Alertmanager routing (issue 13 item 3): by severity (critical pages, warning goes to chat), tenant
 * alerts (namespace `tenant-*`) to the tenant notification webhook with the tenant label, the
 * Watchdog heartbeat nowhere but its own route, and inhibition of warnings by the matching critical.
 * Every credential is read from a file of the receivers Secret (`*_file` fields), never inline.
 */
export function alertmanagerConfig(environment: EnvironmentConfig, cluster: ClusterConfig): Record<string, unknown> {
  const file = (key: string) => `${SECRET_DIR}/${key}`;
  const labels = { environment: environment.name, cluster: cluster.name };
  const page = environment.name === 'prod';
  const critical = platformReceiver(environment, 'critical');
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: 'platform-chat',
      group_by: ['alertname', 'namespace', 'severity'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: page ? '4h' : '12h',
      routes: [
        { receiver: 'null', matchers: ['alertname = "Watchdog"'] },
        { receiver: 'tenants', matchers: ['namespace =~ "tenant-.*"'], group_by: ['alertname', 'namespace'], continue: true },
        { receiver: critical, matchers: ['severity = "critical"'] },
        { receiver: platformReceiver(environment, 'warning'), matchers: ['severity =~ "warning|info"'] },
      ],
    },
    inhibit_rules: [{ source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ['alertname', 'namespace'] }],
    receivers: [
      { name: 'null' },
      { name: 'platform-pager', pagerduty_configs: [{ routing_key_file: file(ALERT_RECEIVER_KEYS.pagerdutyRoutingKey), details: labels }] },
      { name: 'platform-chat', webhook_configs: [{ url_file: file(ALERT_RECEIVER_KEYS.chatWebhookUrl), send_resolved: true }] },
      { name: 'tenants', webhook_configs: [{ url_file: file(ALERT_RECEIVER_KEYS.tenantWebhookUrl), send_resolved: true }] },
    ],
  };
}
