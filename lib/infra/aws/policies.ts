/** Small IAM policy document helpers (plain JSON, rendered by `JSON.stringify`). */

export interface PolicyStatement {
  /** Statement id, naming what the statement allows. */
  readonly Sid?: string;
  /** Whether the statement allows or denies. */
  readonly Effect: 'Allow' | 'Deny';
  /** Who the statement applies to (trust and resource policies only). */
  readonly Principal?: unknown;
  /** IAM actions (`s3:GetObject`, wildcards allowed). */
  readonly Action: string | string[];
  /** ARNs the actions apply to. */
  readonly Resource?: string | string[];
  /** IAM condition block (`StringEquals`, `ArnLike`, …) limiting when the statement applies. */
  readonly Condition?: unknown;
}

export function policyDocument(...statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** Trust policy letting an AWS service assume a role. */
export function serviceTrustPolicy(service: string, actions: string[] = ['sts:AssumeRole']): string {
  return policyDocument({ Effect: 'Allow', Principal: { Service: service }, Action: actions });
}

/** The AWS-managed policy ARN (partition `aws`). */
export function managedPolicy(name: string): string {
  return `arn:aws:iam::aws:policy/${name}`;
}
