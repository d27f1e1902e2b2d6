import { Construct } from 'constructs';
import { TerraformOutput, TerraformVariable } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogResourcePolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-resource-policy';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsLb } from '@cdktf/provider-aws/lib/data-aws-lb';
import { DataAwsLbs } from '@cdktf/provider-aws/lib/data-aws-lbs';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check';
import { Route53HostedZoneDnssec } from '@cdktf/provider-aws/lib/route53-hosted-zone-dnssec';
import { Route53KeySigningKey } from '@cdktf/provider-aws/lib/route53-key-signing-key';
import { Route53QueryLog } from '@cdktf/provider-aws/lib/route53-query-log';
import { Route53Record, Route53RecordConfig } from '@cdktf/provider-aws/lib/route53-record';
import { Route53Zone } from '@cdktf/provider-aws/lib/route53-zone';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { ClusterConfig } from '../../core/model';
import {
  consoleRecordName,
  DNS01_SOLVER,
  DnsChallengeSolver,
  FAILOVER_RECORD_TTL,
  FailoverOutputs,
  INGRESS_HEALTH_CHECK,
  ingressAddressVariable,
  IngressSite,
  TrafficFailover,
} from '../../core/traffic-failover';
import type { ForeignIssuer } from './archive-readers';
import { AwsLogEncryptionKey } from './log-encryption-key';
import { policyDocument } from './policies';

export interface AwsPublicDnsProps {
  /** The environment's traffic failover (`trafficFailover()` of lib/core/traffic-failover.ts). */
  readonly failover: TrafficFailover;
  /** Name prefix of the stack's resources (the cluster name). */
  readonly namePrefix: string;
  /** Retention of the query logs, days. */
  readonly logRetentionDays: number;
  /** Default tags of the us-east-1 provider (the stack's provider tags every resource of its region). */
  readonly tags: Record<string, string>;
  /** The clusters solving ACME DNS-01 on the zone (`dnsChallengeSolvers()`): a role each. @default none */
  readonly dnsChallengeSolvers?: readonly DnsChallengeSolver[];
  /** The stack's trust in another cluster's service-account issuer (`AwsArchiveReaders.issuer`), for those roles. */
  readonly issuer?: (cluster: ClusterConfig) => ForeignIssuer;
}

/** Terraform-safe id part of a cluster name. */
const slug = (name: string) => name.replace(/[^A-Za-z0-9]/g, '_');

/**
 * The environment's public zone and the health-checked failover of its public hosts
 * (docs/disaster-recovery.md, "Traffic failover"):
 * - the public hosted zone `<baseDomain>`, signed (DNSSEC, a KMS key in us-east-1 as Route 53 requires),
 *   its queries logged to CloudWatch Logs in us-east-1 (where Route 53 delivers them);
 * - per ingress site a Route 53 health check on the gateway's status port (HTTP 15021
 *   `/healthz/ready`, every 10 s, unhealthy after 3 failures), through its load balancer;
 * - the record `*.<baseDomain>`: PRIMARY an alias of the primary cluster's Network Load Balancer (found
 *   by the tags the cloud provider puts on the Service's load balancer), SECONDARY the secondary
 *   cluster's static public IP (variable `ingress_address_<cluster>`, output `ingress_address` of its
 *   stack), each answered only while its health check passes.
 * - per ingress site the record `*.<cluster>.<baseDomain>` of its consoles (Argo CD, Grafana, Kiali:
 *   `consoleRecordName`), a simple record at that site's own address: a console belongs to its cluster.
 * The secondary's record and check wait for its address (variable null until its stack is applied).
 * The load balancer exists only once Argo CD has synced the gateway: until then the lookup finds none,
 * the primary's health check and record are not created (count 0), and the next apply creates them.
 */
export class AwsPublicDns extends Construct {
  public readonly zone: Route53Zone;
  /** The zone's name as a literal (the environment's `baseDomain`). */
  private readonly zoneName: string;

  constructor(scope: Construct, id: string, props: AwsPublicDnsProps) {
    super(scope, id);
    const { failover, tags } = props;
    const account = new DataAwsCallerIdentity(this, 'account').accountId;
    // Route 53 delivers query logs only to us-east-1, and signs only with a key there.
    const global = new AwsProvider(this, 'us-east-1', { alias: 'dns_us_east_1', region: 'us-east-1', defaultTags: [{ tags }] });

    this.zoneName = failover.zone;
    this.zone = new Route53Zone(this, 'zone', {
      name: failover.zone,
      comment: `Public hosts of ${failover.zone}: failover between the ingress gateways (docs/disaster-recovery.md)`,
    });

    // Query logging, encrypted with a key of its own (the stack's log key is in the cluster's region).
    const logKey = new AwsLogEncryptionKey(this, 'query-log-key', { name: `${props.namePrefix}-dns`, region: 'us-east-1', provider: global });
    const logGroup = new CloudwatchLogGroup(this, 'query-log', {
      provider: global,
      name: `/aws/route53/${failover.zone}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: logKey.arn,
    });
    const logPolicy = new CloudwatchLogResourcePolicy(this, 'query-log-policy', {
      provider: global,
      policyName: `route53-query-logs-${failover.zone}`,
      policyDocument: policyDocument({
        Sid: 'Route53QueryLogs',
        Effect: 'Allow',
        Principal: { Service: 'route53.amazonaws.com' },
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `${logGroup.arn}:*`,
        Condition: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    });
    new Route53QueryLog(this, 'query-logging', {
      zoneId: this.zone.zoneId,
      cloudwatchLogGroupArn: logGroup.arn,
      dependsOn: [logPolicy],
    });

    // DNSSEC: a key-signing key backed by an asymmetric KMS key only Route 53 DNSSEC of this account may use.
    const signingKey = new KmsKey(this, 'dnssec-key', {
      provider: global,
      description: `${failover.zone} DNSSEC key-signing key`,
      customerMasterKeySpec: 'ECC_NIST_P256',
      keyUsage: 'SIGN_VERIFY',
      deletionWindowInDays: 30,
      policy: policyDocument(
        { Sid: 'AccountAdministration', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'Route53Dnssec',
          Effect: 'Allow',
          Principal: { Service: 'dnssec-route53.amazonaws.com' },
          Action: ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:Sign'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': account } },
        },
        {
          Sid: 'Route53DnssecGrant',
          Effect: 'Allow',
          Principal: { Service: 'dnssec-route53.amazonaws.com' },
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
        },
      ),
    });
    const ksk = new Route53KeySigningKey(this, 'ksk', {
      hostedZoneId: this.zone.id,
      keyManagementServiceArn: signingKey.arn,
      name: slug(failover.zone),
    });
    new Route53HostedZoneDnssec(this, 'dnssec', { hostedZoneId: ksk.hostedZoneId, dependsOn: [ksk] });

    const single = failover.sites.length === 1;
    const checks = Object.fromEntries(failover.sites.map((site) => [site.cluster.name, this.siteRecord(failover.recordName, site, single)]));

    const out = (name: string, value: unknown, description: string) => new TerraformOutput(this, name, { value, description }).overrideLogicalId(name);
    out(
      'dns_name_servers',
      this.zone.nameServers,
      `Name servers of ${failover.zone}: delegate it to them (NS records in the parent zone or at the registrar).`,
    );
    out(
      FailoverOutputs.healthChecks,
      checks,
      'Route 53 health check id per ingress cluster (invert one to move traffic off it: the runbook, dist/<env>/disaster-recovery/runbook.md).',
    );
    out(FailoverOutputs.dsRecord, ksk.dsRecord, `DS record of ${failover.zone}'s key-signing key: publish it in the parent zone to close the DNSSEC chain.`);

    // ACME DNS-01 of the clusters that take traffic only after a failover: TXT records under
    // `_acme-challenge.` of this zone, nothing else (lib/core/traffic-failover.ts DNS01_SOLVER).
    for (const solver of props.dnsChallengeSolvers ?? []) {
      if (!props.issuer) throw new Error(`AwsPublicDns: DNS-01 solver ${solver.cluster.name} needs the stack's issuer trust`);
      const { provider, host } = props.issuer(solver.cluster);
      const role = new IamRole(this, `dns01-${solver.cluster.name}-role`, {
        name: solver.roleName,
        description: `cert-manager of ${solver.cluster.name}: ACME DNS-01 challenges in ${failover.zone}`,
        assumeRolePolicy: policyDocument({
          Effect: 'Allow',
          Principal: { Federated: provider.arn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${host}:sub`]: `system:serviceaccount:${DNS01_SOLVER.namespace}:${DNS01_SOLVER.serviceAccount}`,
              [`${host}:aud`]: DNS01_SOLVER.audience,
            },
          },
        }),
      });
      new IamRolePolicy(this, `dns01-${solver.cluster.name}-policy`, {
        role: role.id,
        name: 'acme-dns01',
        policy: policyDocument(
          { Sid: 'ChangeStatus', Effect: 'Allow', Action: 'route53:GetChange', Resource: 'arn:aws:route53:::change/*' },
          {
            Sid: 'ChallengeRecords',
            Effect: 'Allow',
            Action: 'route53:ChangeResourceRecordSets',
            Resource: this.zone.arn,
            Condition: {
              'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'] },
              'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['_acme-challenge.*'] },
            },
          },
          { Sid: 'ReadRecords', Effect: 'Allow', Action: 'route53:ListResourceRecordSets', Resource: this.zone.arn },
          // The solver finds the zone by name (no hosted zone id in the ClusterIssuer: it exists only after apply).
          { Sid: 'FindZone', Effect: 'Allow', Action: 'route53:ListHostedZonesByName', Resource: '*' },
        ),
      });
    }
  }

  /** The site's health check, its record, and the check's id (an expression). */
  private siteRecord(name: string, site: IngressSite, single: boolean): string {
    const id = slug(site.cluster.name);
    const check = (extra: { fqdn?: string; ipAddress?: string; count?: number }) =>
      new Route53HealthCheck(this, `health-${id}`, {
        type: INGRESS_HEALTH_CHECK.protocol,
        port: INGRESS_HEALTH_CHECK.port,
        resourcePath: INGRESS_HEALTH_CHECK.path,
        requestInterval: INGRESS_HEALTH_CHECK.intervalSeconds,
        failureThreshold: INGRESS_HEALTH_CHECK.failureThreshold,
        ...extra,
        tags: { Name: `${site.cluster.name}-ingress` },
      });
    const routing = single ? {} : { setIdentifier: site.setIdentifier, failoverRoutingPolicy: { type: site.failover } };
    // Where the site's records point, how many exist (0 until the address exists), and its health check.
    let count: string;
    let health: Route53HealthCheck;
    let target: (failover: boolean) => Pick<Route53RecordConfig, 'alias' | 'ttl' | 'records'>;
    const address = site.address;
    if (address.kind === 'aws-nlb') {
      const lbs = new DataAwsLbs(this, `ingress-lbs-${id}`, { tags: { 'kubernetes.io/service-name': address.serviceTag, [address.clusterTag]: 'owned' } });
      count = `\${length(${lbs.fqn}.arns)}`;
      const lb = new DataAwsLb(this, `ingress-lb-${id}`, { arn: `\${tolist(${lbs.fqn}.arns)[0]}` });
      lb.addOverride('count', count);
      const dnsName = `\${${lb.fqn}[0].dns_name}`;
      health = check({ fqdn: dnsName });
      target = (failover) => ({ alias: { name: dnsName, zoneId: `\${${lb.fqn}[0].zone_id}`, evaluateTargetHealth: failover } });
    } else {
      const variableName = ingressAddressVariable(site.cluster);
      const variable = new TerraformVariable(this, variableName, {
        type: 'string',
        // Null until that stack has been applied (its address does not exist before): the secondary's check and record wait for it.
        nullable: true,
        description: `Public IPv4 address of ${site.cluster.name}'s ingress load balancer: output ingress_address of its stack. Its failover record is created once it is set.`,
        validation: [
          { condition: `\${var.${variableName} == null || can(cidrnetmask("\${var.${variableName}}/32"))}`, errorMessage: 'must be an IPv4 address' },
        ],
      });
      // Named as the runbook and verify name it, not after the construct path.
      variable.overrideLogicalId(variableName);
      // (cdktf cannot render a null `default` from the config: set it as an override.)
      variable.addOverride('default', null);
      count = `\${var.${variableName} == null ? 0 : 1}`;
      health = check({ ipAddress: variable.stringValue });
      target = () => ({ ttl: FAILOVER_RECORD_TTL, records: [variable.stringValue] });
    }
    health.addOverride('count', count);
    const record = new Route53Record(this, `record-${id}`, {
      zoneId: this.zone.zoneId,
      name,
      type: 'A',
      ...target(true),
      healthCheckId: `\${${health.fqn}[0].id}`,
      ...routing,
    });
    record.addOverride('count', count);
    // The cluster's own consoles (`*.<cluster>.<baseDomain>`): always this site's address, no failover.
    const consoles = new Route53Record(this, `consoles-${id}`, {
      zoneId: this.zone.zoneId,
      name: consoleRecordName(site.cluster, { baseDomain: this.zoneName }),
      type: 'A',
      ...target(false),
    });
    consoles.addOverride('count', count);
    // null until the address exists.
    return `\${one(${health.fqn}[*].id)}`;
  }
}
