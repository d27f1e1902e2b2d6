import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { PlatformReceiver, receiverEndpointVariable } from '../core/alerting';

/**
 * The cloud's notification target for each platform receiver a stack's alarms use (SNS topic, Azure
 * action group, Cloud Monitoring channel), made on first use: `make` gets the receiver's HTTPS endpoint,
 * a sensitive variable `alert_endpoint_<receiver>` of the stack (the same receiver as Alertmanager's,
 * lib/core/alerting.ts), created with it.
 */
export function receiverTargets<T>(
  scope: Construct,
  service: string,
  make: (receiver: PlatformReceiver, endpoint: string) => T,
): (receiver: PlatformReceiver) => T {
  const targets = new Map<PlatformReceiver, T>();
  return (receiver) => {
    const existing = targets.get(receiver);
    if (existing) return existing;
    const variable = receiverEndpointVariable(receiver);
    const endpoint = new TerraformVariable(scope, variable, {
      type: 'string',
      sensitive: true,
      nullable: false,
      description: `HTTPS endpoint of the ${receiver} receiver for ${service} (the same receiver as Alertmanager's; docs/observability.md).`,
    });
    endpoint.overrideLogicalId(variable);
    const target = make(receiver, endpoint.stringValue);
    targets.set(receiver, target);
    return target;
  };
}
