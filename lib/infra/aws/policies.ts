/** Small IAM policy document helpers (plain JSON, rendered by `JSON.stringify`). */

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
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
