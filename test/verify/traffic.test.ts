/**
 * Parts of `traffic/failover-records` that the broken variants of test/verify/platform.test.ts do not
 * reach without the charts: the readiness probe of the gateway pods, read from istiod's rendered
 * injection templates (the shape of istio/istio `manifests/charts/istio-control/istio-discovery/files/gateway-injection-template.yaml`
 * as the istiod 1.30 chart embeds it in ConfigMap istio-sidecar-injector).
 */
import { gatewayReadiness } from '../../lib/verify/checks/traffic';
import { HelmRelease } from '../../lib/verify/types';

const injector = (templates: string): HelmRelease =>
  ({
    chart: 'istiod',
    rendered: [
      {
        file: 'helm:istiod@1.30.3/templates/istiod-injector-configmap.yaml',
        application: 'istiod',
        manifest: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'istio-sidecar-injector', namespace: 'istio-system' },
          data: { config: `defaultTemplates: [sidecar]\npolicy: enabled\ntemplates:\n${templates}` },
        },
      },
    ],
  }) as unknown as HelmRelease;

const probe = (path: string, port: number) =>
  `    containers:\n    - name: istio-proxy\n      readinessProbe:\n        httpGet:\n          path: ${path}\n          port: ${port}\n        periodSeconds: 15\n`;

describe("the gateway pods' readiness, from istiod's injection templates", () => {
  it('reads the gateway template, not the sidecar template before it', () => {
    const config = `  sidecar: |\n${probe('/sidecar/ready', 15020)}  gateway: |\n${probe('/healthz/ready', 15021)}  grpc-simple: |\n${probe('/grpc', 1)}`;
    expect(gatewayReadiness(injector(config))).toEqual({ path: '/healthz/ready', port: 15021 });
  });

  it('knows nothing without a gateway template, a rendered istiod or a readiness probe', () => {
    expect(gatewayReadiness(injector(`  sidecar: |\n${probe('/healthz/ready', 15021)}`))).toBeUndefined();
    expect(gatewayReadiness(undefined)).toBeUndefined();
    expect(gatewayReadiness(injector('  gateway: |\n    containers:\n    - name: istio-proxy\n'))).toBeUndefined();
  });
});
