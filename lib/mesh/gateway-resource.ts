import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Gateway, GatewaySpecServers } from '../../imports/istio-networking.istio.io';
import { GatewayDeployment } from './mesh-config';

/**
 * The Gateway object bound to a gateway deployment. Its servers render lazily, because hosts are
 * added after the Gateway exists; create it with the first host (a Gateway without servers is invalid).
 */
export function gatewayResource(scope: Construct, deployment: GatewayDeployment, servers: () => GatewaySpecServers[]): Gateway {
  return new Gateway(scope, 'Resource', {
    metadata: { name: deployment.gatewayName, namespace: deployment.namespace },
    spec: {
      selector: { istio: deployment.selector },
      servers: Lazy.any({ produce: servers }) as unknown as GatewaySpecServers[],
    },
  });
}
