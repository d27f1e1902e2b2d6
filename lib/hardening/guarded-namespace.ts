import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/** Pod Security Standards level (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** Kubernetes minor version the Pod Security Admission labels are pinned to. */
export const POD_SECURITY_VERSION = 'v1.28';

export interface GuardedNamespaceProps {
  /** Namespace name. */
  readonly name: string;
  /**
   * Pod Security Admission level enforced (and audited and warned) in the namespace.
   * @default 'restricted'
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Istio sidecar injection.
   * @default true
   */
  readonly meshInjection?: boolean;
  /** Extra labels (tenant, tier, cost allocation). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * A namespace with the platform's guardrail labels: Pod Security Admission pinned to a version,
 * mesh injection, and the caller's labels. Defaults are the strictest.
 */
export class GuardedNamespace extends Construct {
  public readonly name: string;
  public readonly podSecurity: PodSecurityLevel;

  constructor(scope: Chart, id: string, props: GuardedNamespaceProps) {
    super(scope, id);
    this.name = props.name;
    this.podSecurity = props.podSecurity ?? 'restricted';
    const labels: Record<string, string> = {
      'kubernetes.io/metadata.name': props.name,
      'pod-security.kubernetes.io/enforce': this.podSecurity,
      'pod-security.kubernetes.io/enforce-version': POD_SECURITY_VERSION,
      'pod-security.kubernetes.io/audit': this.podSecurity,
      'pod-security.kubernetes.io/audit-version': POD_SECURITY_VERSION,
      'pod-security.kubernetes.io/warn': this.podSecurity,
      'pod-security.kubernetes.io/warn-version': POD_SECURITY_VERSION,
      'istio-injection': props.meshInjection ?? true ? 'enabled' : 'disabled',
      ...props.labels,
    };
    new k8s.KubeNamespace(this, 'Resource', {
      metadata: { name: props.name, labels, annotations: props.annotations ? { ...props.annotations } : undefined },
    });
  }
}
