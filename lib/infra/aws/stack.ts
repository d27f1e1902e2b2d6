import { AWS_BACKUP_REPLICA_REGIONS } from '../../core/cloud';
import { Construct } from 'constructs';
import { S3Backend, TerraformOutput, TerraformVariable } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DbInstanceAutomatedBackupsReplication } from '@cdktf/provider-aws/lib/db-instance-automated-backups-replication';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { awsZones, karpenterNames, privateZone } from '../../core/cloud';
import { PlatformStack, PlatformStackProps } from '../platform-stack';
import { EksIdentityProviderConfig } from '@cdktf/provider-aws/lib/eks-identity-provider-config';
import { kubernetesOidc } from '../../core/cloud';
import { awsStateKmsKeyAlias } from '../state';
import { AwsArchiveReaders, isArchiveReaderIdentity } from './archive-readers';
import { AwsDatabaseAlarms } from './database-alarms';
import { AwsBackupBucket, AwsBackupReplicaProps } from './backup-bucket';
import { KarpenterAwsResources } from './karpenter';
import { AwsKubernetesCluster } from './kubernetes-cluster';
import { AwsLogEncryptionKey } from './log-encryption-key';
import { AwsNetwork } from './network';
import { AwsNodeGroup } from './node-group';
import { AwsNodeRole } from './node-role';
import { AwsPostgres } from './postgres';
import { AwsPrivateDns } from './private-dns';
import { AwsPublicDns } from './public-dns';
import { dnsChallengeSolvers, trafficFailover } from '../../core/traffic-failover';
import { AwsRedis } from './redis';
import { AwsWorkloadRoles, isBackupStoreIdentity } from './workload-roles';
import { AwsSecretReaders } from './secret-readers';

export type AwsPlatformStackProps = PlatformStackProps;

/** The region backups are replicated to (another region of the same geography); the table is in the platform model, which validates regions against it. */
export const BACKUP_REPLICA_REGIONS = AWS_BACKUP_REPLICA_REGIONS;

/** The replica region of a region's backups; fails for a region without a declared pair. */
export function backupReplicaRegion(region: string): string {
  const replica = BACKUP_REPLICA_REGIONS[region];
  if (!replica) {
    throw new Error(`no backup replica region for ${region}; add it to AWS_BACKUP_REPLICA_REGIONS in lib/core/cloud.ts`);
  }
  return replica;
}

/**
 * One NAT gateway per AZ only in prod. The AWS environments share one account and region, and each NAT
 * gateway holds an Elastic IP: per-AZ NAT everywhere would need 3 + 3 + 1 = 7 EIPs, above the default quota
 * of 5 per region. Staging keeps HA for everything but NAT egress (a NAT AZ outage pauses image pulls and
 * outbound calls of the other two AZs; nothing stateful depends on it).
 */
export function natGatewayPerAz(environment: { readonly name: string; readonly sizing: { readonly ha: boolean } }): boolean {
  return environment.sizing.ha && environment.name === 'prod';
}

/**
 * An environment's AWS infrastructure (the design's primary): VPC, EKS with managed node groups per model
 * pool and Karpenter's AWS resources, RDS PostgreSQL and ElastiCache Redis behind private DNS names, the
 * backup bucket and a Pod Identity role per workload identity. Every name and CIDR the Kubernetes side
 * uses too comes from the platform model (`this.facts`, lib/core/cloud.ts).
 */
export class AwsPlatformStack extends PlatformStack {
  public readonly network: AwsNetwork;
  public readonly kubernetes: AwsKubernetesCluster;
  public readonly postgres: AwsPostgres;
  public readonly redis: AwsRedis;
  public readonly backups: AwsBackupBucket;
  public readonly privateDns: AwsPrivateDns;

  constructor(scope: Construct, props: AwsPlatformStackProps) {
    super(scope, 'aws', props);
    const { cluster, environment } = props;
    const { plan, store, identities, endpoints, secretReaders } = this.facts;
    const region = cluster.region;
    const tags = this.tags;
    const ha = environment.sizing.ha;
    if (store.region !== region) throw new Error(`the backup store of '${cluster.name}' is in ${store.region}, not in the cluster's region ${region}`);

    new S3Backend(this, {
      bucket: this.state.bucket,
      key: this.state.key,
      region,
      encrypt: true,
      // SSE-KMS with the environment's own key (bootstrapped with the state bucket, docs/terraform.md): a
      // principal of one environment cannot read another's state even with bucket access.
      kmsKeyId: awsStateKmsKeyAlias(props.platform.name, environment.name),
    });
    // S3-native state locking (Terraform >= 1.10); cdktf 0.21's S3BackendConfig predates the field.
    this.addOverride('terraform.backend.s3.use_lockfile', true);
    // The account the manifests' role ARNs name (platform model `cloudAccounts.aws`): Terraform refuses any other.
    const accountId = environment.cloudAccounts?.aws;
    new AwsProvider(this, 'aws', { region, defaultTags: [{ tags }], ...(accountId ? { allowedAccountIds: [accountId] } : {}) });

    const adminRole = new TerraformVariable(this, 'platform_admin_role_arn', {
      type: 'string',
      nullable: false,
      description: 'ARN of the IAM role of the platform administrators: the only EKS cluster-admin (access entry).',
    });

    const logKey = new AwsLogEncryptionKey(this, 'log-key', { name: cluster.name, region });
    this.network = new AwsNetwork(this, 'network', {
      logKmsKeyArn: logKey.arn,
      name: cluster.name,
      clusterName: cluster.name,
      region,
      plan,
      availabilityZones: awsZones(region),
      natGatewayPerAz: natGatewayPerAz(environment),
      flowLogRetentionDays: ha ? 90 : 30,
    });
    // Data services accept the node subnets only: not the public subnets, not the data subnets themselves.
    const clientCidrs = [...this.network.nodeSubnetCidrs];
    const nodeSubnetIds = this.network.nodeSubnets.map((s) => s.id);
    const dataSubnetIds = this.network.dataSubnets.map((s) => s.id);

    this.kubernetes = new AwsKubernetesCluster(this, 'eks', {
      name: cluster.name,
      kubernetesVersion: cluster.kubernetesVersion,
      subnetIds: nodeSubnetIds,
      apiAllowedCidrs: cluster.apiAllowedCidrs,
      logKmsKeyArn: logKey.arn,
      adminPrincipalArns: [adminRole.stringValue],
    });

    // People sign in to the API server with the platform's Keycloak realm (tenant RoleBindings bind its groups).
    const oidc = kubernetesOidc(props.environment);
    new EksIdentityProviderConfig(this, 'oidc-keycloak', {
      clusterName: this.kubernetes.cluster.name,
      oidc: {
        identityProviderConfigName: 'keycloak',
        issuerUrl: oidc.issuerUrl,
        clientId: oidc.clientId,
        usernameClaim: oidc.usernameClaim,
        groupsClaim: oidc.groupsClaim,
      },
    });

    const nodeRole = new AwsNodeRole(this, 'node-role', { name: `${cluster.name}-node` });
    for (const pool of cluster.nodePools) {
      new AwsNodeGroup(this, `pool-${pool.name}`, {
        namePrefix: cluster.name,
        clusterName: this.kubernetes.cluster.name,
        pool,
        nodeRoleArn: nodeRole.arn,
        subnetIds: nodeSubnetIds,
        dependsOn: nodeRole.attachments,
      });
    }

    const karpenter = identities.find((i) => i.access.kind === 'karpenter');
    if (karpenter) {
      new KarpenterAwsResources(this, 'karpenter', {
        namePrefix: cluster.name,
        clusterName: this.kubernetes.cluster.name,
        clusterArn: this.kubernetes.cluster.arn,
        region,
        names: karpenterNames(cluster),
        controller: karpenter,
      });
    }

    this.postgres = new AwsPostgres(this, 'postgres', {
      name: `${cluster.name}-postgres`,
      vpcId: this.network.vpc.id,
      subnetIds: dataSubnetIds,
      allowedCidrs: clientCidrs,
      instanceClass: ha ? 'db.r6g.large' : 'db.t4g.medium',
      multiAz: ha,
      logKmsKeyArn: logKey.arn,
      logRetentionDays: ha ? 90 : 30,
    });
    new AwsDatabaseAlarms(this, 'postgres-alarms', {
      environment,
      instanceId: this.postgres.name,
      logGroupName: this.postgres.logGroups[0].name,
    });
    this.redis = new AwsRedis(this, 'redis', {
      name: `${cluster.name}-redis`,
      vpcId: this.network.vpc.id,
      subnetIds: dataSubnetIds,
      allowedCidrs: clientCidrs,
      nodeType: ha ? 'cache.r7g.large' : 'cache.t4g.medium',
      // HA: a primary and two replicas over three AZs; dev: one node, no failover.
      nodes: ha ? 3 : 1,
      logKmsKeyArn: logKey.arn,
    });
    // Cross-region copies where the environment is HA; dev backups stay in one region.
    let replica: AwsBackupReplicaProps | undefined;
    if (ha) {
      const replicaRegion = backupReplicaRegion(region);
      replica = {
        region: replicaRegion,
        bucketName: `${cluster.name}-backups-${replicaRegion}`,
        provider: new AwsProvider(this, 'aws-backup-replica', { alias: 'backup_replica', region: replicaRegion, defaultTags: [{ tags }] }),
      };
    }
    this.backups = new AwsBackupBucket(this, 'backups', { bucketName: store.bucket, replica });
    if (replica) {
      // The platform database's automated backups and transaction logs, copied to the replica region:
      // point-in-time restore there if eu-west-1 is lost (docs/disaster-recovery.md).
      const rdsReplicaKey = new KmsKey(this, 'postgres-backup-replica-key', {
        provider: replica.provider,
        description: `${cluster.name} RDS automated backups, replicated to ${replica.region}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
      });
      new DbInstanceAutomatedBackupsReplication(this, 'postgres-backup-replication', {
        provider: replica.provider,
        sourceDbInstanceArn: this.postgres.instance.arn,
        kmsKeyId: rdsReplicaKey.arn,
        retentionPeriod: 7,
      });
    }

    new AwsWorkloadRoles(this, 'workload-roles', {
      namePrefix: cluster.name,
      clusterName: this.kubernetes.cluster.name,
      region,
      backupBucketArn: this.backups.bucket.arn,
      backupKeyArn: this.backups.key.arn,
      identities: identities.filter(isBackupStoreIdentity),
    });

    // Tenants' secrets in Secrets Manager: a role per tenant, readable by its reader ServiceAccount only.
    if (secretReaders.length) {
      if (!accountId)
        throw new Error(
          `environment '${environment.name}' needs cloudAccounts.aws in apps/platform/platform.ts: the role ARNs of the secret readers (tenants' secrets, databases' credentials) name it`,
        );
      new AwsSecretReaders(this, 'secret-readers', {
        cluster,
        region,
        accountId,
        oidcProviderArn: this.kubernetes.oidcProvider.arn,
        oidcIssuerUrl: this.kubernetes.cluster.identity.get(0).oidc.get(0).issuer,
        readers: secretReaders,
      });
    }
    const archiveReaders = new AwsArchiveReaders(this, 'archive-readers', {
      namePrefix: cluster.name,
      region,
      backupBucketArn: this.backups.bucket.arn,
      backupKeyArn: this.backups.key.arn,
      identities: identities.filter(isArchiveReaderIdentity),
      tags,
    });

    // The stable private names of the data services (the Kubernetes side's ServiceEntries and egress
    // policies name them), in a zone only this VPC resolves.
    this.privateDns = new AwsPrivateDns(this, 'private-dns', {
      zoneName: privateZone(cluster),
      vpcId: this.network.vpc.id,
      endpoints,
      targets: { postgres: this.postgres.address, redis: this.redis.endpoint },
    });

    // The public hosts' zone and their health-checked failover between the clouds' ingress gateways.
    const failover = trafficFailover(environment);
    if (failover && failover.sites[0].cluster === cluster) {
      new AwsPublicDns(this, 'public-dns', {
        failover,
        namePrefix: cluster.name,
        logRetentionDays: ha ? 90 : 30,
        tags,
        dnsChallengeSolvers: dnsChallengeSolvers(environment),
        issuer: (c) => archiveReaders.issuer(c),
      });
    }

    new TerraformOutput(this, 'egress_ips', {
      value: this.network.natPublicIps,
      description: 'Public IPs the cluster reaches the internet from (the NAT gateways): other clouds admit them to the stores its database sites read.',
    });
    this.addPlatformOutputs(
      {
        clusterName: this.kubernetes.cluster.name,
        clusterEndpoint: this.kubernetes.endpoint,
        clusterCaCertificate: this.kubernetes.certificateAuthority,
        region,
        databaseEndpoint: this.postgres.endpoint,
        backupBucket: this.backups.bucketName,
      },
      {
        redis_endpoint: [this.redis.endpoint, 'ElastiCache Redis primary endpoint (TLS, IAM authentication).'],
        redis_user: [this.redis.appUser.userName, 'ElastiCache user clients authenticate as with an IAM token (elasticache:Connect).'],
        oidc_provider_arn: [this.kubernetes.oidcProvider.arn, 'IAM OIDC provider of the cluster (IRSA).'],
        oidc_issuer_url: [
          this.kubernetes.oidcProvider.url,
          'OIDC issuer of the cluster: the other clouds trust it for its database sites (variable oidc_issuer_<cluster> of their stacks).',
        ],
      },
    );
  }
}
