/**
 * Parts of `traffic/failover-records` that the broken variants of test/verify/platform.test.ts do not
 * reach without the charts: the readiness probe of the gateway pods, read from istiod's rendered
 * injection templates (the shape of istio/istio `manifests/charts/istio-control/istio-discovery/files/gateway-injection-template.yaml`
 * as the istiod 1.30 chart embeds it in ConfigMap istio-sidecar-injector).
 */
import { oidcIssuerVariable } from '../../lib/core/database-topology';
import { DNS01_SOLVER } from '../../lib/core/traffic-failover';
import { parseStack } from '../../lib/verify/checks/identity';
import { dns01Problems, gatewayReadiness } from '../../lib/verify/checks/traffic';
import { ClusterState, HelmRelease, StateObject } from '../../lib/verify/types';
import { FixtureClusters, fixturePlatform } from '../support/harness';

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

/**
 * The DNS-01 solver's token grant against the ServiceAccount cert-manager's controller really runs as,
 * read from the rendered chart (the shape of cert-manager 1.21's `templates/deployment.yaml`: the
 * controller Deployment carries `app.kubernetes.io/component: controller` on its pod template, and
 * runs as the release's ServiceAccount; the webhook and cainjector Deployments have their own). A
 * small fake cluster state: one SECONDARY cluster whose certificate is issued by a Route 53 DNS-01
 * solver, and the zone's AWS stack, complete so that the link under test is the only one that can fail.
 */
describe("traffic/failover-records: the DNS-01 token grant names the rendered controller's ServiceAccount", () => {
  const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure] });
  const environment = platform.environments[0];
  const cluster = environment.clusters.find((c) => c.name === FixtureClusters.azure.name)!;
  const ns = DNS01_SOLVER.namespace;
  const roleName = `${FixtureClusters.aws.name}-dns01-${cluster.name}`;
  const object = (manifest: Record<string, unknown>): StateObject => ({ manifest: manifest as never, file: 'fixture.yaml', application: 'fixture' });
  const objects: StateObject[] = [
    object({
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: 'letsencrypt-prod' },
      spec: {
        acme: {
          solvers: [
            {
              dns01: {
                route53: {
                  region: DNS01_SOLVER.region,
                  role: `arn:aws:iam::123456789012:role/${roleName}`,
                  auth: { kubernetes: { serviceAccountRef: { name: DNS01_SOLVER.serviceAccount } } },
                },
              },
            },
          ],
        },
      },
    }),
    object({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'auth-example-test-tls', namespace: 'istio-ingress' },
      spec: { dnsNames: ['auth.example.test'], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt-prod' } },
    }),
    object({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DNS01_SOLVER.serviceAccount, namespace: ns } }),
    object({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'dns01-token', namespace: ns },
      rules: [{ apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: [DNS01_SOLVER.serviceAccount], verbs: ['create'] }],
    }),
    object({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'dns01-token', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'dns01-token' },
      subjects: [{ kind: 'ServiceAccount', name: DNS01_SOLVER.controllerServiceAccount, namespace: ns }],
    }),
  ];
  const deployment = (component: string, serviceAccountName: string): StateObject => ({
    ...object({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: component === 'controller' ? 'cert-manager' : `cert-manager-${component}`, namespace: ns },
      spec: { template: { metadata: { labels: { 'app.kubernetes.io/component': component } }, spec: { serviceAccountName } } },
    }),
    file: `helm:cert-manager@1.21.1/templates/${component}-deployment.yaml`,
    release: 'cert-manager',
  });
  const release = (rendered?: StateObject[]): HelmRelease =>
    ({ chart: 'cert-manager', releaseName: 'cert-manager', namespace: ns, rendered }) as unknown as HelmRelease;
  const state = (releases: HelmRelease[]): ClusterState => ({ platform, environment, cluster, objects, releases, flows: [] });
  const aws = parseStack('terraform/staging-aws/cdk.tf.json', {
    resource: {
      aws_route53_zone: { zone: { name: 'example.test' } },
      aws_iam_openid_connect_provider: { azure: { url: `\${var.${oidcIssuerVariable(cluster)}}` } },
      aws_iam_role: {
        dns01: {
          name: roleName,
          assume_role_policy: JSON.stringify({
            Statement: [
              {
                Action: 'sts:AssumeRoleWithWebIdentity',
                Principal: { Federated: '${aws_iam_openid_connect_provider.azure.arn}' },
                Condition: {
                  StringEquals: { 'issuer:sub': `system:serviceaccount:${ns}:${DNS01_SOLVER.serviceAccount}`, 'issuer:aud': DNS01_SOLVER.audience },
                },
              },
            ],
          }),
        },
      },
      aws_iam_role_policy: {
        dns01: {
          role: '${aws_iam_role.dns01.name}',
          policy: JSON.stringify({ Statement: [{ Action: ['route53:ChangeResourceRecordSets'], Resource: '${aws_route53_zone.zone.arn}' }] }),
        },
      },
    },
  });
  const covered = (host: string) => host.endsWith('.example.test');

  it('finds nothing when the controller runs as the ServiceAccount the grant is bound to (and the webhook as another)', () => {
    const rendered = [deployment('webhook', 'cert-manager-webhook'), deployment('controller', DNS01_SOLVER.controllerServiceAccount)];
    expect(dns01Problems(state([release(rendered)]), aws, covered)).toEqual([]);
  });

  it('finds the one broken link when the rendered controller runs as another ServiceAccount', () => {
    const rendered = [deployment('webhook', DNS01_SOLVER.controllerServiceAccount), deployment('controller', 'cm-controller')];
    const problems = dns01Problems(state([release(rendered)]), aws, covered);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`runs as ServiceAccount ${ns}/cm-controller`);
    expect(problems[0]).toContain(`bound to ${DNS01_SOLVER.controllerServiceAccount}`);
  });

  it('takes the RoleBinding for what the controller runs as when the chart is not rendered', () => {
    expect(dns01Problems(state([release(undefined)]), aws, covered)).toEqual([]);
    expect(dns01Problems(state([]), aws, covered)).toEqual([]);
  });

  it('still needs the grant itself: a binding to another ServiceAccount is a finding, rendered chart or not', () => {
    const rebound = objects.map((o) =>
      o.manifest.kind === 'RoleBinding' ? object({ ...o.manifest, subjects: [{ kind: 'ServiceAccount', name: 'cm-controller', namespace: ns }] }) : o,
    );
    const rendered = [deployment('controller', 'cm-controller')];
    const problems = dns01Problems({ ...state([release(rendered)]), objects: rebound }, aws, covered);
    expect(problems.some((p) => p.includes('no Role bound to'))).toBe(true);
  });
});
