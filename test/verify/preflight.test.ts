import { existsSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { supportedMinors } from '../../lib/core/versions';
import { preflightNodeClass, preflightStack } from '../../lib/verify/preflight';
import { defaultFiles } from '../infra/helpers';

const ROOT = join(__dirname, '..', '..');
const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, 'fixtures', 'preflight', `${name}.tf.json`), 'utf8'));
/** The support table of lib/core/versions.ts, per cloud (what the Terraform preflight check of verify uses). */
const SUPPORTED = { aws: supportedMinors('aws'), azure: supportedMinors('azure'), gcp: supportedMinors('gcp') };

describe('preflight: the committed stacks', () => {
  const committed = readdirSync(join(ROOT, 'dist', 'terraform'));

  it('covers every stack', () => {
    expect(committed.sort()).toEqual([...defaultFiles().keys()].map((f) => f.split('/')[1]).sort());
  });

  it.each([...defaultFiles().keys()].map((f) => f.split('/')[1]))('%s as rendered from the code passes too', (name) => {
    const json = JSON.parse(defaultFiles().get(`terraform/${name}/cdk.tf.json`)!);
    expect(preflightStack(name, json, { supportedKubernetesVersions: SUPPORTED })).toEqual([]);
  });

  it.each(committed)('%s passes', (name) => {
    const json = JSON.parse(readFileSync(join(ROOT, 'dist', 'terraform', name, 'cdk.tf.json'), 'utf8'));
    expect(preflightStack(name, json, { supportedKubernetesVersions: SUPPORTED })).toEqual([]);
  });

  const capacityFiles = ['dev', 'staging', 'prod'].flatMap((env) =>
    readdirSync(join(ROOT, 'dist', env, 'clusters'))
      .filter((c) => existsSync(join(ROOT, 'dist', env, 'clusters', c, 'capacity', 'karpenter.yaml')))
      .map((c) => `${env}/clusters/${c}/capacity/karpenter.yaml`),
  );
  it('finds a Karpenter capacity folder for every environment', () => {
    for (const env of ['dev', 'staging', 'prod']) expect(capacityFiles.some((f) => f.startsWith(`${env}/`))).toBe(true);
  });

  it.each(capacityFiles)('%s: the Karpenter EC2NodeClass passes', (file) => {
    const env = file;
    const docs = parseAllDocuments(readFileSync(join(ROOT, 'dist', file), 'utf8')).map((d) => d.toJS());
    const nodeClasses = docs.filter((d) => d.kind === 'EC2NodeClass');
    expect(nodeClasses).toHaveLength(1);
    expect(preflightNodeClass(`${env}/EC2NodeClass/${nodeClasses[0].metadata.name}`, nodeClasses[0])).toEqual([]);
  });
});

describe('preflight: hand-broken stacks', () => {
  it('finds wildcard EC2/IAM grants without a scoping condition, PassRole without PassedToService, and unreadable policies', () => {
    expect(preflightStack('x-aws', fixture('iam-wildcard'))).toEqual([
      {
        address: 'aws_iam_role_policy.controller',
        message:
          'statement Provisioning allows ec2:RunInstances, ec2:TerminateInstances on a wildcard resource without a scoping condition: ' +
          'name the resource ARNs, or add aws:RequestTag/aws:ResourceTag conditions (see lib/infra/aws/karpenter.ts)',
      },
      {
        address: 'aws_iam_role_policy.controller',
        message:
          'statement PassNodeRole allows iam:PassRole without an iam:PassedToService condition: add Condition StringEquals iam:PassedToService = the service the role is for',
      },
      {
        address: 'aws_iam_policy.admin',
        message:
          'statement 0 allows iam:* on a wildcard resource without a scoping condition: ' +
          'name the resource ARNs, or add aws:RequestTag/aws:ResourceTag conditions (see lib/infra/aws/karpenter.ts)',
      },
      {
        address: 'aws_iam_policy.admin',
        message:
          'statement 0 allows iam:PassRole without an iam:PassedToService condition: add Condition StringEquals iam:PassedToService = the service the role is for',
      },
      { address: 'aws_iam_policy.broken', message: 'policy is not valid JSON: render it with policyDocument() (lib/infra/aws/policies.ts)' },
    ]);
  });

  it('finds buckets without SSE-KMS or guard policy, and a policy racing the public access block', () => {
    expect(preflightStack('x-aws', fixture('s3'))).toEqual([
      {
        address: 'aws_s3_bucket.plain',
        message:
          'bucket has no SSE-KMS default encryption: add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm = "aws:kms" and a customer-managed key',
      },
      {
        address: 'aws_s3_bucket_policy.plain',
        message: 'bucket policy does not deny insecure transport: add a Deny of s3:* when aws:SecureTransport is "false"',
      },
      {
        address: 'aws_s3_bucket_policy.plain',
        message:
          'bucket policy does not deny unencrypted or non-KMS uploads: add a Deny of s3:PutObject conditioned on s3:x-amz-server-side-encryption not being "aws:kms"',
      },
      {
        address: 'aws_s3_bucket_policy.plain',
        message:
          'bucket policy races the public access block (OperationAborted, terraform-provider-aws#7628): add depends_on = ["aws_s3_bucket_public_access_block.plain"]',
      },
      {
        address: 'aws_s3_bucket.no_policy',
        message: 'bucket has no policy: add an aws_s3_bucket_policy with the guard statements (bucketGuardStatements() in lib/infra/aws/backup-bucket.ts)',
      },
    ]);
  });

  it('finds log groups without retention or KMS', () => {
    expect(preflightStack('x-aws', fixture('logs'))).toEqual([
      { address: 'aws_cloudwatch_log_group.forever', message: 'log group keeps logs forever: set retention_in_days (90 in HA environments, 30 in dev)' },
      {
        address: 'aws_cloudwatch_log_group.forever',
        message: "log group is not encrypted with a customer-managed key: set kms_key_id to the stack's log key (AwsLogEncryptionKey)",
      },
      {
        address: 'aws_cloudwatch_log_group.plaintext',
        message: "log group is not encrypted with a customer-managed key: set kms_key_id to the stack's log key (AwsLogEncryptionKey)",
      },
    ]);
  });

  it('finds unsupported Kubernetes versions, per cloud or for all, and skips the check without a table', () => {
    expect(preflightStack('prod-mixed', fixture('versions'), { supportedKubernetesVersions: ['1.30', '1.31'] })).toEqual([
      {
        address: 'aws_eks_cluster.old',
        message:
          'Kubernetes 1.29 is not a supported aws version (supported: 1.30, 1.31): set kubernetesVersion of the cluster of prod-mixed in apps/platform/platform.ts',
      },
      {
        address: 'google_container_cluster.gke',
        message:
          'Kubernetes 1.28.15-gke.1000 is not a supported gcp version (supported: 1.30, 1.31): set kubernetesVersion of the cluster of prod-mixed in apps/platform/platform.ts',
      },
    ]);
    expect(preflightStack('prod-mixed', fixture('versions'), { supportedKubernetesVersions: { azure: ['1.32'] } })).toEqual([
      {
        address: 'azurerm_kubernetes_cluster.ok',
        message:
          'Kubernetes 1.31 is not a supported azure version (supported: 1.32): set kubernetesVersion of the cluster of prod-mixed in apps/platform/platform.ts',
      },
    ]);
    expect(preflightStack('prod-mixed', fixture('versions'))).toEqual([]);
  });

  it('finds node groups and pools without the CERES tuning', () => {
    expect(preflightStack('x', fixture('untuned'))).toEqual([
      {
        address: 'aws_eks_node_group.bare',
        message:
          'node group is not tuned (launch template user data lacks kind: NodeConfig, /etc/sysctl.d/90-ceres.conf): use AwsNodeGroup, whose launch template carries nodeUserData()',
      },
      {
        address: 'aws_eks_node_group.no_template',
        message:
          'node group is not tuned (launch template user data lacks kind: NodeConfig, /etc/sysctl.d/90-ceres.conf): use AwsNodeGroup, whose launch template carries nodeUserData()',
      },
      {
        address: 'azurerm_kubernetes_cluster.aks (default_node_pool)',
        message:
          'AKS pool is not tuned: set linux_os_config.sysctl_config (aksSysctlConfig()) and kubelet_config (KUBELET_TUNING) from lib/core/node-tuning.ts',
      },
      {
        address: 'azurerm_kubernetes_cluster_node_pool.apps',
        message:
          'AKS pool is not tuned: set linux_os_config.sysctl_config (aksSysctlConfig()) and kubelet_config (KUBELET_TUNING) from lib/core/node-tuning.ts',
      },
      {
        address: 'google_container_node_pool.pool',
        message: 'GKE node pool is not tuned: set node_config.linux_node_config.sysctls and node_config.kubelet_config from lib/core/node-tuning.ts',
      },
    ]);
  });

  it('finds an EC2NodeClass without the tuning user data', () => {
    const nodeClass = { apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass', metadata: { name: 'default' }, spec: { role: 'nodes' } };
    expect(preflightNodeClass('prod/EC2NodeClass/default', nodeClass)).toEqual([
      {
        address: 'prod/EC2NodeClass/default',
        message:
          'EC2NodeClass user data lacks the CERES node tuning (kind: NodeConfig, /etc/sysctl.d/90-ceres.conf): set spec.userData to nodeUserDataMime() (lib/core/node-user-data.ts)',
      },
    ]);
  });

  it('reports the stacks of before the review (the old prod-aws JSON)', () => {
    // The old Karpenter grant: RunInstances/TerminateInstances on * with a region condition only.
    const old = {
      resource: {
        aws_iam_role_policy: {
          karpenter: {
            policy: JSON.stringify({
              Statement: [
                {
                  Sid: 'Provisioning',
                  Effect: 'Allow',
                  Action: ['ec2:RunInstances'],
                  Resource: '*',
                  Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
                },
              ],
            }),
          },
        },
      },
    };
    expect(preflightStack('prod-aws', old).map((f) => f.address)).toEqual(['aws_iam_role_policy.karpenter']);
  });
});
