/**
 * The namespaces the platform itself creates or relies on, in one place: tenant input may reference
 * them (backups' `includeNamespaces`), policies exclude them, network isolation names them.
 */
export const PlatformNamespaces = {
  /** Operators and core services (`api-server`), databases, queues. */
  core: 'ceres',
  /** Istio control plane. */
  istio: 'istio-system',
  /** Istio ingress gateways. */
  ingress: 'istio-ingress',
  /** Istio egress gateway. */
  egress: 'istio-egress',
  /** Prometheus, Grafana, Alertmanager, Loki, tracing backend. */
  monitoring: 'monitoring',
  argocd: 'argocd',
  certManager: 'cert-manager',
  sealedSecrets: 'sealed-secrets',
  /** The External Secrets Operator (tenant secrets from the clouds' secret stores). */
  externalSecrets: 'external-secrets',
  kyverno: 'kyverno',
  velero: 'velero',
  cnpg: 'cnpg-system',
  falco: 'falco',
  flagger: 'flagger-system',
  vpa: 'vpa-system',
  /** Kiali (mesh topology view). */
  kiali: 'kiali',
  kubeSystem: 'kube-system',
} as const;

export type PlatformNamespace = (typeof PlatformNamespaces)[keyof typeof PlatformNamespaces];

/** Every platform namespace, sorted. */
export const PLATFORM_NAMESPACE_NAMES: readonly string[] = Object.values(PlatformNamespaces).slice().sort();
