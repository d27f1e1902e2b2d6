import { Construct } from 'constructs';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { Route53Zone } from '@cdktf/provider-aws/lib/route53-zone';
import type { DataEndpoint } from '../../core/cloud';

export interface AwsPrivateDnsProps {
  /** The private hosted zone (`privateZone()` of lib/core/cloud.ts: `<cluster>.internal`). */
  readonly zoneName: string;
  /** The VPC the zone answers in (only there). */
  readonly vpcId: string;
  /**
   * The data endpoints (`dataEndpoints()` of lib/core/cloud.ts), each with the host name of the service it
   * points to (the RDS address, the ElastiCache primary endpoint). Every endpoint must have a target.
   */
  readonly endpoints: readonly DataEndpoint[];
  /** The host name each endpoint's record points to (CNAME), by endpoint name. */
  readonly targets: Readonly<Partial<Record<DataEndpoint['name'], string>>>;
  /**
   * TTL of the records, in seconds: short, so a replaced instance is found quickly.
   * @default 60
   */
  readonly ttl?: number;
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * A Route 53 private hosted zone associated with the cluster's VPC, with a CNAME per data endpoint
 * (`postgres.<cluster>.internal` → the RDS instance, `redis.<cluster>.internal` → the ElastiCache
 * primary endpoint): the stable names the cluster's services, ServiceEntries and NetworkPolicies use,
 * whatever generated names AWS gives the instances.
 */
export class AwsPrivateDns extends Construct {
  public readonly zone: Route53Zone;
  /** Record per endpoint name. */
  public readonly records: Partial<Record<DataEndpoint['name'], Route53Record>> = {};

  constructor(scope: Construct, id: string, props: AwsPrivateDnsProps) {
    super(scope, id);
    this.zone = new Route53Zone(this, 'zone', {
      name: props.zoneName,
      comment: 'CERES data endpoints of the cluster (private, this VPC only)',
      vpc: [{ vpcId: props.vpcId }],
      forceDestroy: false,
      tags: props.tags ?? {},
    });
    for (const endpoint of props.endpoints) {
      if (endpoint.host !== props.zoneName && !endpoint.host.endsWith(`.${props.zoneName}`)) {
        throw new Error(`data endpoint ${endpoint.name} (${endpoint.host}) is not in the private zone ${props.zoneName}`);
      }
      const target = props.targets[endpoint.name];
      if (!target) throw new Error(`data endpoint ${endpoint.name} (${endpoint.host}) has no service to point to in the AWS stack`);
      this.records[endpoint.name] = new Route53Record(this, `${endpoint.name}-record`, {
        zoneId: this.zone.zoneId,
        name: endpoint.host,
        type: 'CNAME',
        ttl: props.ttl ?? 60,
        records: [target],
      });
    }
  }
}
