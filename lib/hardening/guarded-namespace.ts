import { Chart } from 'cdk8s';
import * as k8s from '../core/k8s';
import { Construct } from 'constructs';
import { PodSecurityLevel } from '../core/addon';
import { argoAnnotations, SyncWave } from '../core/argocd';

/** Kubernetes minor version the Pod Security Admission labels are pinned to. */
export const POD_SECURITY_VERSION = 'v1.28';

/**
 * Label on namespaces whose NetworkPolicies start from default deny (`NamespaceNetworkIsolation`);
 * the `namespace-default-deny` check holds every namespace carrying it to that promise.
 */
export const NETWORK_ISOLATION_LABEL = 'ceres.io/network-isolation';
export const NETWORK_ISOLATION_DEFAULT_DENY = 'default-deny';

export interface GuardedNamespaceProps {
  /** Namespace name. */
  readonly name: string;
  /**
   * Pod Security Admission level enforced (and audited and warned) in the namespace.
   * @default 'restricted'
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Istio sidecar injection: `true` labels `istio-injection=enabled`, `false` labels it `disabled`,
   * `'unset'` leaves the label off (gateway namespaces, whose pods choose their own injection template).
   * @default true
   */
  readonly meshInjection?: boolean | 'unset';
  /**
   * The namespace's NetworkPolicies start from default deny (sets {@link NETWORK_ISOLATION_LABEL};
   * render the policies with `NamespaceNetworkIsolation`).
   * @default false
   */
  readonly networkIsolated?: boolean;
  /**
   * Never pruned nor deleted by an Argo CD sync (a namespace holding data: deleting it deletes every
   * PVC in it).
   * @default true
   */
  readonly protect?: boolean;
  /** Extra labels (tenant, tier, cost allocation). @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra annotations. @default none */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * A namespace with the platform's guardrail labels: Pod Security Admission pinned to a version,
 * mesh injection, network isolation marker, Argo CD protection and the caller's labels. Defaults are
 * the strictest.
 */
export class GuardedNamespace extends Construct {
  public readonly name: string;
  public readonly podSecurity: PodSecurityLevel;

  constructor(scope: Chart, id: string, props: GuardedNamespaceProps) {
    super(scope, id);
    this.name = props.name;
    this.podSecurity = props.podSecurity ?? 'restricted';
    const injection = props.meshInjection ?? true;
    const labels: Record<string, string> = {
      'kubernetes.io/metadata.name': props.name,
      'pod-security.kubernetes.io/enforce': this.podSecurity,
      'pod-security.kubernetes.io/enforce-version': POD_SECURITY_VERSION,
      'pod-security.kubernetes.io/audit': this.podSecurity,
      'pod-security.kubernetes.io/audit-version': POD_SECURITY_VERSION,
      'pod-security.kubernetes.io/warn': this.podSecurity,
      'pod-security.kubernetes.io/warn-version': POD_SECURITY_VERSION,
      ...(injection === 'unset' ? {} : { 'istio-injection': injection ? 'enabled' : 'disabled' }),
      ...(props.networkIsolated ? { [NETWORK_ISOLATION_LABEL]: NETWORK_ISOLATION_DEFAULT_DENY } : {}),
      ...props.labels,
    };
    const annotations = {
      ...argoAnnotations({ wave: SyncWave.namespaces, protect: props.protect ?? true }),
      ...props.annotations,
    };
    new k8s.KubeNamespace(this, 'Resource', { metadata: { name: props.name, labels, annotations } });
  }
}
