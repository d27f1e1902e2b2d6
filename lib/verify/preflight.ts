/**
 * Terraform-level preflight: checks on a stack's rendered JSON (`dist/terraform/<stack>/cdk.tf.json`) that
 * need no provider, no credentials and no network. Pure functions: JSON in, findings out. Each finding names
 * the Terraform resource address and says how to fix it.
 *
 * What it checks:
 * - IAM: no Allow statement grants a mutating EC2 or IAM action on a wildcard resource without a condition
 *   scoping it to the cluster's own resources (request/resource tags, `iam:PassedToService`, …); every
 *   `iam:PassRole` names the service it passes to.
 * - S3: every bucket has SSE-KMS default encryption, a policy denying insecure transport and uploads with
 *   another encryption, and that policy waits for the bucket's public access block.
 * - CloudWatch Logs: every log group has a retention and a KMS key.
 * - Kubernetes versions: every cluster's minor version is in the supported list given by the caller.
 * - Node tuning: every EKS node group's launch template, every AKS pool, every GKE Standard pool and every
 *   Karpenter EC2NodeClass (`preflightNodeClass`) carries the CERES sysctl and kubelet tuning.
 */
import { TUNING_MARKERS } from '../core/node-user-data';

export interface PreflightFinding {
  /** Terraform resource address (`aws_s3_bucket.backups_primary_bucket_9AE69AC4`), or the object's name. */
  readonly address: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

export type PreflightCloud = 'aws' | 'azure' | 'gcp';

export interface PreflightOptions {
  /**
   * Supported Kubernetes minor versions (`'1.31'`), for every cloud or per cloud (the cloud of a stack is the
   * suffix of its name: `prod-aws`). Without it, versions are not checked.
   */
  readonly supportedKubernetesVersions?: readonly string[] | Partial<Record<PreflightCloud, readonly string[]>>;
}

type Json = Record<string, any>;

/** Checks one stack's Terraform JSON; an empty list means it passes. */
export function preflightStack(stackName: string, tfJson: object, options: PreflightOptions = {}): PreflightFinding[] {
  const json = tfJson as Json;
  const resources = (json.resource ?? {}) as Record<string, Record<string, Json>>;
  const all = (type: string): [string, Json][] => Object.entries(resources[type] ?? {}).map(([name, body]) => [`${type}.${name}`, body]);
  return [...checkIam(all), ...checkBuckets(all), ...checkLogGroups(all), ...checkVersions(stackName, all, options), ...checkNodeTuning(all)];
}

/** Checks a Karpenter EC2NodeClass manifest (a Kubernetes object, not Terraform). */
export function preflightNodeClass(address: string, nodeClass: object): PreflightFinding[] {
  const userData = (nodeClass as Json).spec?.userData;
  const missing = TUNING_MARKERS.filter((m) => typeof userData !== 'string' || !userData.includes(m));
  return missing.length === 0
    ? []
    : [
        {
          address,
          message: `EC2NodeClass user data lacks the CERES node tuning (${missing.join(', ')}): set spec.userData to nodeUserDataMime() (lib/core/node-user-data.ts)`,
        },
      ];
}

// ---------------------------------------------------------------------------------------------- helpers

type All = (type: string) => [string, Json][];

const list = (value: unknown): string[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [String(value)]);
const objects = (value: unknown): Json[] => (Array.isArray(value) ? value : value && typeof value === 'object' ? [value as Json] : []);

/** The address a `${type.name.attr}` reference points to, or undefined. */
function refAddress(expression: unknown): string | undefined {
  const m = typeof expression === 'string' ? /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z_]+\}$/.exec(expression) : null;
  return m?.[1];
}

// ---------------------------------------------------------------------------------------------- IAM

/** Resource types whose `policy` argument is an IAM identity policy. */
const IAM_POLICY_TYPES = ['aws_iam_role_policy', 'aws_iam_policy', 'aws_iam_user_policy', 'aws_iam_group_policy'];

/** Condition keys that narrow a grant to particular resources; a region or TLS condition does not. */
const SCOPING_CONDITION = /RequestTag\/|ResourceTag\/|aws:TagKeys|iam:PassedToService|ec2:CreateAction|aws:ResourceAccount|ec2:Vpc|ec2:Subnet/;

const isWildcardResource = (r: string) => r === '*' || /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/.test(r);
const isEc2OrIam = (a: string) => a === '*' || /^(ec2|iam):/i.test(a);
const isReadOnly = (a: string) => /^[a-z0-9-]+:(Describe|Get|List)[A-Za-z]*$/i.test(a);

function checkIam(all: All): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  for (const type of IAM_POLICY_TYPES) {
    for (const [address, body] of all(type)) {
      let statements: Json[];
      try {
        const doc = typeof body.policy === 'string' ? JSON.parse(body.policy) : body.policy;
        statements = objects(doc?.Statement);
      } catch {
        findings.push({ address, message: 'policy is not valid JSON: render it with policyDocument() (lib/infra/aws/policies.ts)' });
        continue;
      }
      statements.forEach((statement, i) => {
        if (statement.Effect !== 'Allow') return;
        const label = statement.Sid ? `statement ${statement.Sid}` : `statement ${i}`;
        const actions = list(statement.Action);
        const keys = Object.values((statement.Condition ?? {}) as Record<string, Json>).flatMap((c) => Object.keys(c ?? {}));
        const scoped = keys.some((k) => SCOPING_CONDITION.test(k));
        const mutating = actions.filter((a) => isEc2OrIam(a) && !isReadOnly(a));
        if (mutating.length > 0 && list(statement.Resource).some(isWildcardResource) && !scoped) {
          findings.push({
            address,
            message:
              `${label} allows ${mutating.join(', ')} on a wildcard resource without a scoping condition: ` +
              'name the resource ARNs, or add aws:RequestTag/aws:ResourceTag conditions (see lib/infra/aws/karpenter.ts)',
          });
        }
        if (actions.some((a) => /^iam:PassRole$/i.test(a) || a === 'iam:*' || a === '*') && !keys.includes('iam:PassedToService')) {
          findings.push({
            address,
            message: `${label} allows iam:PassRole without an iam:PassedToService condition: add Condition StringEquals iam:PassedToService = the service the role is for`,
          });
        }
      });
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------- S3

function checkBuckets(all: All): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  const byBucket = (type: string) => {
    const map = new Map<string, [string, Json]>();
    for (const [address, body] of all(type)) {
      const bucket = refAddress(body.bucket);
      if (bucket) map.set(bucket, [address, body]);
    }
    return map;
  };
  const encryption = byBucket('aws_s3_bucket_server_side_encryption_configuration');
  const policies = byBucket('aws_s3_bucket_policy');
  const publicAccess = byBucket('aws_s3_bucket_public_access_block');

  for (const [bucket] of all('aws_s3_bucket')) {
    const sse = encryption.get(bucket)?.[1];
    const rules = objects(sse?.rule);
    const kms = rules.some((r) => /^aws:kms(:dsse)?$/.test(r?.apply_server_side_encryption_by_default?.sse_algorithm ?? ''));
    if (!kms) {
      findings.push({
        address: bucket,
        message:
          'bucket has no SSE-KMS default encryption: add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm = "aws:kms" and a customer-managed key',
      });
    }
    const policy = policies.get(bucket);
    if (!policy) {
      findings.push({
        address: bucket,
        message: 'bucket has no policy: add an aws_s3_bucket_policy with the guard statements (bucketGuardStatements() in lib/infra/aws/backup-bucket.ts)',
      });
      continue;
    }
    const [policyAddress, policyBody] = policy;
    let statements: Json[] = [];
    try {
      statements = objects(JSON.parse(policyBody.policy).Statement);
    } catch {
      findings.push({ address: policyAddress, message: 'bucket policy is not valid JSON: render it with policyDocument() (lib/infra/aws/policies.ts)' });
      continue;
    }
    const denies = statements.filter((s) => s.Effect === 'Deny');
    const conditionOn = (s: Json, key: string) => Object.values((s.Condition ?? {}) as Record<string, Json>).some((c) => key in (c ?? {}));
    if (!denies.some((s) => s.Condition?.Bool?.['aws:SecureTransport'] === 'false' || s.Condition?.Bool?.['aws:SecureTransport'] === false)) {
      findings.push({
        address: policyAddress,
        message: 'bucket policy does not deny insecure transport: add a Deny of s3:* when aws:SecureTransport is "false"',
      });
    }
    if (!denies.some((s) => list(s.Action).some((a) => a === 's3:PutObject' || a === 's3:*') && conditionOn(s, 's3:x-amz-server-side-encryption'))) {
      findings.push({
        address: policyAddress,
        message:
          'bucket policy does not deny unencrypted or non-KMS uploads: add a Deny of s3:PutObject conditioned on s3:x-amz-server-side-encryption not being "aws:kms"',
      });
    }
    const block = publicAccess.get(bucket)?.[0];
    if (block && !list(policyBody.depends_on).includes(block)) {
      findings.push({
        address: policyAddress,
        message: `bucket policy races the public access block (OperationAborted, terraform-provider-aws#7628): add depends_on = ["${block}"]`,
      });
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------- logs

function checkLogGroups(all: All): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  for (const [address, group] of all('aws_cloudwatch_log_group')) {
    if (!(typeof group.retention_in_days === 'number' && group.retention_in_days > 0)) {
      findings.push({ address, message: 'log group keeps logs forever: set retention_in_days (90 in HA environments, 30 in dev)' });
    }
    if (!group.kms_key_id) {
      findings.push({
        address,
        message: "log group is not encrypted with a customer-managed key: set kms_key_id to the stack's log key (AwsLogEncryptionKey)",
      });
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------- versions

const CLUSTER_VERSION_FIELDS: readonly [type: string, field: string, cloud: PreflightCloud][] = [
  ['aws_eks_cluster', 'version', 'aws'],
  ['azurerm_kubernetes_cluster', 'kubernetes_version', 'azure'],
  ['google_container_cluster', 'min_master_version', 'gcp'],
];

function checkVersions(stackName: string, all: All, options: PreflightOptions): PreflightFinding[] {
  const table = options.supportedKubernetesVersions;
  if (!table) return [];
  const findings: PreflightFinding[] = [];
  for (const [type, field, cloud] of CLUSTER_VERSION_FIELDS) {
    const supported = Array.isArray(table) ? (table as readonly string[]) : (table as Partial<Record<PreflightCloud, readonly string[]>>)[cloud];
    if (!supported) continue;
    for (const [address, body] of all(type)) {
      const minor = /^(\d+\.\d+)/.exec(String(body[field] ?? ''))?.[1];
      if (!minor || !supported.includes(minor)) {
        findings.push({
          address,
          message:
            `Kubernetes ${body[field] ?? '(unset)'} is not a supported ${cloud} version (supported: ${supported.join(', ')}): ` +
            `set kubernetesVersion of the cluster of ${stackName} in apps/platform/platform.ts`,
        });
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------- node tuning

function checkNodeTuning(all: All): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  const templates = new Map(all('aws_launch_template'));
  for (const [address, group] of all('aws_eks_node_group')) {
    const template = refAddress(group.launch_template?.id);
    const userData = template ? templates.get(template)?.user_data : undefined;
    let text = '';
    if (typeof userData === 'string') text = Buffer.from(userData, 'base64').toString('utf8');
    const missing = TUNING_MARKERS.filter((m) => !text.includes(m));
    if (missing.length > 0) {
      findings.push({
        address,
        message: `node group is not tuned (launch template user data lacks ${missing.join(', ')}): use AwsNodeGroup, whose launch template carries nodeUserData()`,
      });
    }
  }
  const aksPools: [string, Json][] = [
    ...all('azurerm_kubernetes_cluster').map(([a, c]): [string, Json] => [`${a} (default_node_pool)`, c.default_node_pool ?? {}]),
    ...all('azurerm_kubernetes_cluster_node_pool'),
  ];
  for (const [address, pool] of aksPools) {
    if (!pool.linux_os_config?.sysctl_config || !pool.kubelet_config?.cpu_manager_policy) {
      findings.push({
        address,
        message:
          'AKS pool is not tuned: set linux_os_config.sysctl_config (aksSysctlConfig()) and kubelet_config (KUBELET_TUNING) from lib/core/node-tuning.ts',
      });
    }
  }
  for (const [address, pool] of all('google_container_node_pool')) {
    if (!pool.node_config?.linux_node_config?.sysctls || !pool.node_config?.kubelet_config) {
      findings.push({
        address,
        message: 'GKE node pool is not tuned: set node_config.linux_node_config.sysctls and node_config.kubelet_config from lib/core/node-tuning.ts',
      });
    }
  }
  return findings;
}
