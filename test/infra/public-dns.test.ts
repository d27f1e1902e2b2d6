/**
 * The traffic failover of the public hosts (lib/core/traffic-failover.ts) in both apps on fixture
 * environments: the AWS stack's zone, health checks and failover records, the Azure stack's static
 * address, and the ingress gateway's Service annotations, all read from one model.
 */
import { istioCharts } from '../../lib/mesh/istio-charts';
import { fixtureStacks } from '../support/fixture-stacks';
import { ChartTarget } from '../../lib/core/addon';
import { ClusterConfig, PlatformConfig } from '../../lib/core/model';
import {
  INGRESS_HEALTH_CHECK,
  INGRESS_SERVICE,
  ingressAddress,
  ingressAddressVariable,
  ingressServiceAnnotations,
  recordCovers,
  trafficFailover,
  dnsChallengeSolvers,
  DNS01_SOLVER,
} from '../../lib/core/traffic-failover';
import { FixtureClusters, fixturePlatform, FIXTURE_SERVICES } from '../support/harness';
import { addresses, Json } from './helpers';

const stacksOf = (platform: PlatformConfig) => {
  const files = fixtureStacks(platform, { tenants: [], databases: [] });
  const env = platform.environments[0].name;
  return (cloud: string): Json => JSON.parse(files.get(`terraform/${env}-${cloud}/cdk.tf.json`)!);
};
/** `${type.name...}` → `type.name` (the resource or data source an expression names first). */
const target = (expr: string) => /\$\{(?:[a-z]+\()*((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)/.exec(expr)?.[1];

describe('the failover model', () => {
  it('puts the primary in the primary cluster and the secondary in the secondary, whatever the order of the clusters', () => {
    const platform = fixturePlatform({ clusters: [FixtureClusters.gcp, FixtureClusters.azure, FixtureClusters.edge, FixtureClusters.aws] });
    const failover = trafficFailover(platform.environments[0])!;
    expect(failover.sites.map((s) => [s.cluster.name, s.failover])).toEqual([
      [FixtureClusters.aws.name, 'PRIMARY'],
      [FixtureClusters.azure.name, 'SECONDARY'],
    ]);
    expect(failover.zone).toBe(platform.environments[0].baseDomain);
    expect(failover.recordName).toBe(`*.${platform.environments[0].baseDomain}`);
  });

  it('has no failover without an AWS primary with workloads, and one simple site with an AWS cluster alone', () => {
    const azureOnly = fixturePlatform({ clusters: [{ ...FixtureClusters.azure, role: 'primary' }] });
    expect(trafficFailover(azureOnly.environments[0])).toBeUndefined();
    const awsOnly = fixturePlatform({ clusters: [FixtureClusters.aws] });
    expect(trafficFailover(awsOnly.environments[0])!.sites.map((s) => s.failover)).toEqual(['PRIMARY']);
  });

  it('a wildcard record covers the names under it, not the zone apex nor other zones', () => {
    expect(recordCovers('*.example.test', 'api.example.test')).toBe(true);
    expect(recordCovers('*.example.test', 'example.test')).toBe(false);
    expect(recordCovers('*.example.test', 'api.example.org')).toBe(false);
    expect(recordCovers('*.example.test', 'apiexample.test')).toBe(false);
    expect(recordCovers('api.example.test', 'api.example.test')).toBe(true);
  });
});

describe('the ingress gateway Service', () => {
  const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure, FixtureClusters.edge] });
  const environment = platform.environments[0];
  const gateway = istioCharts().find((c) => c.name === INGRESS_SERVICE.name)!;
  const serviceOn = (cluster: ClusterConfig) =>
    (gateway.values({ platform, environment, cluster, services: FIXTURE_SERVICES, tenants: [] } as unknown as ChartTarget) as Json).service;

  it('is the release the model names, in its namespace', () => {
    expect([gateway.namespace, gateway.name]).toEqual([INGRESS_SERVICE.namespace, INGRESS_SERVICE.name]);
  });

  it('exposes the health-check port on the load balancer', () => {
    expect(serviceOn(FixtureClusters.aws).ports).toContainEqual(
      expect.objectContaining({ port: INGRESS_HEALTH_CHECK.port, targetPort: INGRESS_HEALTH_CHECK.port }),
    );
  });

  it('asks AWS for a Network Load Balancer and Azure for the stack’s public IP; an edge site gets no cloud annotation', () => {
    expect(serviceOn(FixtureClusters.aws)).toMatchObject({ type: 'LoadBalancer', annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' } });
    const address = ingressAddress(FixtureClusters.azure);
    if (address.kind !== 'azure-public-ip') throw new Error('expected an Azure public IP');
    expect(serviceOn(FixtureClusters.azure).annotations).toEqual({
      'service.beta.kubernetes.io/azure-pip-name': address.name,
      'service.beta.kubernetes.io/azure-load-balancer-resource-group': address.resourceGroup,
    });
    expect(serviceOn(FixtureClusters.edge).annotations).toBeUndefined();
    expect(ingressServiceAnnotations(FixtureClusters.edge)).toEqual({});
  });
});

describe('the stacks of a two-cloud environment', () => {
  const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure] });
  const env = platform.environments[0];
  const stack = stacksOf(platform);
  const aws = stack('aws');
  const azure = stack('azure');
  const failover = trafficFailover(env)!;

  it('creates the public zone of the baseDomain, signed and query-logged', () => {
    const zones = addresses(aws, 'aws_route53_zone').filter(([, z]) => !z.vpc);
    expect(zones.map(([, z]) => z.name)).toEqual([env.baseDomain]);
    const zone = `${zones[0][0]}`;
    const [, ksk] = addresses(aws, 'aws_route53_key_signing_key')[0];
    expect(target(ksk.hosted_zone_id)).toBe(zone);
    const key = aws.resource.aws_kms_key[target(ksk.key_management_service_arn)!.split('.')[1]];
    expect(key).toMatchObject({ customer_master_key_spec: 'ECC_NIST_P256', key_usage: 'SIGN_VERIFY', provider: 'aws.dns_us_east_1' });
    expect(addresses(aws, 'aws_route53_hosted_zone_dnssec')).toHaveLength(1);
    const [, log] = addresses(aws, 'aws_route53_query_log')[0];
    expect(target(log.zone_id)).toBe(zone);
    const group = aws.resource.aws_cloudwatch_log_group[target(log.cloudwatch_log_group_arn)!.split('.')[1]];
    expect(group).toMatchObject({ name: `/aws/route53/${env.baseDomain}`, provider: 'aws.dns_us_east_1' });
    expect(group.kms_key_id).toMatch(/aws_kms_key\./);
    expect(aws.provider.aws.find((p: Json) => p.alias === 'dns_us_east_1').region).toBe('us-east-1');
  });

  it('answers *.<baseDomain> with PRIMARY on the NLB of the primary’s gateway Service and SECONDARY on the Azure address, each health-checked on the status port', () => {
    const records = addresses(aws, 'aws_route53_record').filter(([, r]) => r.name === failover.recordName);
    expect(records.map(([, r]) => [r.set_identifier, r.failover_routing_policy.type])).toEqual([
      [FixtureClusters.aws.name, 'PRIMARY'],
      [FixtureClusters.azure.name, 'SECONDARY'],
    ]);
    const [[, primary], [, secondary]] = records;
    // PRIMARY: an alias of the load balancer the cloud provider tags with the Service and the cluster.
    const lb = aws.data.aws_lb[target(primary.alias.name)!.split('.')[2]];
    const lbs = aws.data.aws_lbs[target(lb.arn)!.split('.')[2]];
    expect(lbs.tags).toEqual({
      'kubernetes.io/service-name': `${INGRESS_SERVICE.namespace}/${INGRESS_SERVICE.name}`,
      [`kubernetes.io/cluster/${FixtureClusters.aws.name}`]: 'owned',
    });
    // Created only once the load balancer exists (count 0 before the gateway syncs).
    for (const x of [primary, lb]) expect(x.count).toMatch(/^\$\{length\(data\.aws_lbs\./);
    // SECONDARY: the variable fed from the Azure stack's output.
    expect(secondary.records).toEqual([`\${var.${ingressAddressVariable(FixtureClusters.azure)}}`]);
    expect(secondary.ttl).toBe(60);
    // Created once the variable is set (the AWS stack can be applied before the Azure one).
    const variable = ingressAddressVariable(FixtureClusters.azure);
    expect(aws.variable[variable]).toMatchObject({ nullable: true, default: null });
    expect(secondary.count).toBe(`\${var.${variable} == null ? 0 : 1}`);
    expect(Object.keys(aws.variable)).toContain(ingressAddressVariable(FixtureClusters.azure));
    for (const record of [primary, secondary]) {
      const check = aws.resource.aws_route53_health_check[target(record.health_check_id)!.split('.')[1]];
      expect(check.count).toBe(record.count);
      expect(check).toMatchObject({
        type: INGRESS_HEALTH_CHECK.protocol,
        port: INGRESS_HEALTH_CHECK.port,
        resource_path: INGRESS_HEALTH_CHECK.path,
        request_interval: INGRESS_HEALTH_CHECK.intervalSeconds,
        failure_threshold: INGRESS_HEALTH_CHECK.failureThreshold,
      });
      // Each check probes its own record's address.
      if (record === primary) expect(target(check.fqdn)).toBe(target(primary.alias.name));
      else expect(check.ip_address).toBe(secondary.records[0]);
    }
  });

  it('the Azure stack creates the address the Service names, lets the cluster attach it, and outputs it for the AWS stack', () => {
    const address = ingressAddress(FixtureClusters.azure);
    if (address.kind !== 'azure-public-ip') throw new Error('expected an Azure public IP');
    const [[ipAddress, ip]] = addresses(azure, 'azurerm_public_ip');
    expect(ip).toMatchObject({ name: address.name, sku: 'Standard', allocation_method: 'Static', zones: ['1', '2', '3'] });
    const group = azure.resource.azurerm_resource_group[target(ip.resource_group_name)!.split('.')[1]];
    expect(group.name).toBe(address.resourceGroup);
    expect(ip.tags).toMatchObject({ 'ceres-cluster': FixtureClusters.azure.name });
    const grants = addresses(azure, 'azurerm_role_assignment').filter(([, g]) => target(g.scope) === ipAddress);
    expect(grants.map(([, g]) => g.role_definition_name)).toEqual(['Network Contributor']);
    expect(target(grants[0][1].principal_id)).toMatch(/^azurerm_user_assigned_identity\.aks_identity/);
    expect(target(azure.output.ingress_address.value)).toBe(ipAddress);
  });

  it("lets the secondary's cert-manager write only ACME TXT records of the zone, through a role trusting its cluster's issuer", () => {
    const [solver] = dnsChallengeSolvers(env);
    expect(solver.cluster.name).toBe(FixtureClusters.azure.name);
    const [[roleAddress, role]] = addresses(aws, 'aws_iam_role').filter(([, r]) => r.name === solver.roleName);
    expect(solver.roleArn).toBe(`arn:aws:iam::${env.cloudAccounts!.aws}:role/${solver.roleName}`);
    const trust = JSON.parse(role.assume_role_policy).Statement;
    expect(trust).toHaveLength(1);
    const provider = aws.resource.aws_iam_openid_connect_provider[target(trust[0].Principal.Federated)!.split('.')[1]];
    expect(provider.url).toBe(`\${var.${solver.issuerVariable}}`);
    // AWS refuses a second provider for one issuer: the archive readers' and the solver's are one.
    expect(addresses(aws, 'aws_iam_openid_connect_provider').filter(([, p]) => p.url === provider.url)).toHaveLength(1);
    expect(Object.entries(trust[0].Condition.StringEquals).map(([k, v]) => [k.replace(/^.*:/, ''), v])).toEqual([
      ['sub', `system:serviceaccount:${DNS01_SOLVER.namespace}:${DNS01_SOLVER.serviceAccount}`],
      ['aud', DNS01_SOLVER.audience],
    ]);
    const policies = addresses(aws, 'aws_iam_role_policy').filter(([, p]) => target(p.role) === roleAddress);
    expect(policies).toHaveLength(1);
    const statements = JSON.parse(policies[0][1].policy).Statement;
    const write = statements.find((x: Json) => x.Action === 'route53:ChangeResourceRecordSets');
    const [[publicZone]] = addresses(aws, 'aws_route53_zone').filter(([, z]) => z.name === failover.zone);
    expect(target(write.Resource)).toBe(publicZone);
    expect(write.Condition).toEqual({
      'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'] },
      'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['_acme-challenge.*'] },
    });
    // Nothing else may write records: the other statements read, or list zones by name.
    for (const x of statements.filter((x: Json) => x !== write)) expect(String(x.Action)).toMatch(/^route53:(Get|List)/);
  });
});

describe('an environment with one AWS cluster', () => {
  const platform = fixturePlatform({ clusters: [FixtureClusters.aws] });
  const aws = stacksOf(platform)('aws');
  it('answers its hosts with a simple alias record (no failover policy), still health-checked', () => {
    const records = addresses(aws, 'aws_route53_record').filter(([, r]) => r.name === `*.${platform.environments[0].baseDomain}`);
    expect(records).toHaveLength(1);
    expect(records[0][1].failover_routing_policy).toBeUndefined();
    expect(records[0][1].set_identifier).toBeUndefined();
    expect(records[0][1].health_check_id).toMatch(/aws_route53_health_check\./);
    expect(aws.variable ?? {}).not.toHaveProperty(ingressAddressVariable(FixtureClusters.azure));
  });
});
