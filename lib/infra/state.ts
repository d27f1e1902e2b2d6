/**
 * Encryption of the Terraform state with one customer-managed key per environment, so the state of one
 * environment cannot be read with another environment's permissions even though the bucket is shared. The
 * keys are created with the state buckets, before any stack exists ("State bootstrap" in docs/terraform.md).
 */

/** The KMS alias encrypting the S3 state objects of an environment: `alias/<platform>-terraform-state-<env>`. */
export function awsStateKmsKeyAlias(platform: string, env: string): string {
  return `alias/${platform}-terraform-state-${env}`;
}
