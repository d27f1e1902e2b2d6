import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AuthorizationPolicy, AuthorizationPolicySpecAction, AuthorizationPolicySpecRules } from '../../imports/istio-security.istio.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { TRUST_DOMAIN } from './mesh-config';

/** `cluster.local/ns/<namespace>/sa/<serviceAccount>`: no wildcards, a real identity. */
const PRINCIPAL = new RegExp(`^${TRUST_DOMAIN.replace('.', '\\.')}/ns/[a-z0-9]([-a-z0-9]*[a-z0-9])?/sa/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`);

/** Who may call, and what. */
export interface AccessGrant {
  /** SPIFFE principals of the callers' service accounts (`cluster.local/ns/ceres/sa/web`). */
  readonly principals: readonly string[];
  /** Ports the callers may use. @default any port */
  readonly ports?: readonly number[];
  /** Paths (Istio syntax: exact, `prefix*`, `*suffix`). @default any path */
  readonly paths?: readonly string[];
  /** HTTP methods. @default any method */
  readonly methods?: readonly string[];
}

export interface ServiceAccessPolicyProps {
  /** metadata.name of the AuthorizationPolicy. */
  readonly name: string;
  /** Namespace of the policy and of the workloads it protects. */
  readonly namespace: string;
  /** Pod labels of the workloads the policy protects (`app: api`). */
  readonly selector: Readonly<Record<string, string>>;
}

/**
 * The ALLOW policy of one service: one rule per grant, naming callers by the SPIFFE principal of
 * their service account (never a namespace or `*`). Grants can be added until rendering.
 */
export class ServiceAccessPolicy extends Construct {
  private readonly grants: AccessGrant[] = [];

  constructor(scope: Construct, id: string, props: ServiceAccessPolicyProps) {
    super(scope, id);
    new AuthorizationPolicy(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, annotations: argoAnnotations({ wave: SyncWave.namespaces }) },
      spec: {
        action: AuthorizationPolicySpecAction.ALLOW,
        selector: { matchLabels: { ...props.selector } },
        rules: Lazy.any({ produce: () => this.grants.map(toRule) }) as unknown as AuthorizationPolicySpecRules[],
      },
    });
    this.node.addValidation({ validate: () => this.validateGrants(props.name) });
  }

  /** Allows the principals to call (optionally limited to ports, paths and methods). */
  public allow(grant: AccessGrant): this {
    this.grants.push(grant);
    return this;
  }

  private validateGrants(name: string): string[] {
    const problems: string[] = [];
    if (this.grants.length === 0) problems.push(`AuthorizationPolicy ${name} allows nobody; remove it or add a caller with allow()`);
    for (const g of this.grants) {
      if (g.principals.length === 0)
        problems.push(`AuthorizationPolicy ${name}: a grant without principals would allow every caller; name the callers' service accounts`);
      for (const p of g.principals) {
        if (!PRINCIPAL.test(p))
          problems.push(`AuthorizationPolicy ${name}: principal "${p}" is not of the form ${TRUST_DOMAIN}/ns/<namespace>/sa/<serviceAccount>`);
      }
    }
    return problems;
  }
}

function toRule(g: AccessGrant): AuthorizationPolicySpecRules {
  const operation = {
    ports: g.ports?.length ? g.ports.map(String) : undefined,
    paths: g.paths?.length ? [...g.paths] : undefined,
    methods: g.methods?.length ? [...g.methods] : undefined,
  };
  const hasOperation = operation.ports || operation.paths || operation.methods;
  return { from: [{ source: { principals: [...g.principals] } }], to: hasOperation ? [{ operation }] : undefined };
}
