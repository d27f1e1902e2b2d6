import { stackName, TerraformCloud } from '../core/cloud';
import type { ClusterConfig, EnvironmentConfig, PlatformConfig } from '../core/model';

/** Where Terraform keeps the state of a stack, derived from names only (no account ids). */
export interface StateLocation {
  /** S3 / GCS bucket name. */
  readonly bucket: string;
  /** Object key (S3, Azure) of the state file: `<env>-<cloud>/terraform.tfstate`. */
  readonly key: string;
  /** GCS prefix: `<env>-<cloud>`. */
  readonly prefix: string;
  /** Azure: resource group of the state storage account. */
  readonly resourceGroupName: string;
  /** Azure: storage account name (3–24 lowercase alphanumerics). */
  readonly storageAccountName: string;
  /** Azure: blob container. */
  readonly containerName: string;
}

/** Deterministic state location of a stack: bucket `<platform>-terraform-state`, key `<env>-<cloud>/terraform.tfstate`. */
export function defaultStateLocation(platform: string, env: string, cloud: TerraformCloud): StateLocation {
  const stack = stackName(env, cloud);
  return {
    bucket: `${platform}-terraform-state`,
    key: `${stack}/terraform.tfstate`,
    prefix: stack,
    resourceGroupName: `${platform}-terraform-state`,
    storageAccountName: alphanumeric(`${platform}tfstate`, 24),
    containerName: 'tfstate',
  };
}

/** Lowercase alphanumerics only, cut to `max` characters (Azure storage account names). */
export function alphanumeric(value: string, max: number): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, max);
}

/** Tags / labels put on every resource that takes them. */
export function platformTags(platform: PlatformConfig, env: EnvironmentConfig, cluster: ClusterConfig): Record<string, string> {
  return {
    'ceres-platform': platform.name,
    'ceres-environment': env.name,
    'ceres-cluster': cluster.name,
    'ceres-role': cluster.role,
    'managed-by': 'terraform',
  };
}
