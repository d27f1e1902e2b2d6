/**
 * Argo CD annotations every domain uses, and the one table of sync waves. Waves order both the
 * Applications of the app of apps and the objects inside one Application: a fresh cluster goes
 * from CRDs and operators to policies, namespaces and guardrails, data, workloads, then traffic
 * rules, with DestinationRules before the VirtualServices that use them (make-before-break).
 */
export const SyncWave = {
  /**
   * The platform namespaces, labelled with the Pod Security level each needs, before any chart
   * installs into them (charts never create their namespace, so no pod ever lands in an unlabelled one).
   */
  platformNamespaces: -40,
  /** CRDs and operators (Helm add-ons: Istio base and istiod, cert-manager, Kyverno, CNPG...). */
  operators: -30,
  /** Gateways and operator configuration that needs the CRDs (ClusterIssuers, mesh-wide settings). */
  operatorConfig: -20,
  /** Admission policies (Kyverno) and mesh-wide security. */
  policies: -10,
  /** Namespaces and tenant guardrails: quotas, limit ranges, network policies, RBAC. */
  namespaces: 0,
  /** Databases, persistent volumes, backup schedules. */
  data: 10,
  /** Deployments, Services, autoscalers, disruption budgets. */
  workloads: 20,
  /** DestinationRules (subsets must exist before routes use them). */
  destinationRules: 30,
  /** VirtualServices and Canaries. */
  routes: 40,
  /** Monitoring rules, dashboards. */
  observability: 50,
  /**
   * Tenants' secrets from the clouds' stores (stores, reader identities, ExternalSecrets): last, so a
   * secret a tenant has not yet put in its cloud store degrades only this folder and holds no wave up.
   */
  externalSecrets: 60,
} as const;

/** Finalizer that makes deleting an Application delete its resources (Argo CD's cascade). */
export const CASCADE_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/**
 * Whether an Application's source revision is an exact release (`1.2.3`, `v1.30.3`, `26.0.0`, with
 * an optional pre-release or build suffix), never a branch or a range: what the platform pins.
 */
export function isExactRelease(revision: string): boolean {
  return /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(revision);
}

export const ArgoAnnotations = {
  syncWave: 'argocd.argoproj.io/sync-wave',
  syncOptions: 'argocd.argoproj.io/sync-options',
  compareOptions: 'argocd.argoproj.io/compare-options',
} as const;

export interface ArgoObjectOptions {
  /** Sync wave of the object inside its Application. */
  readonly wave?: number;
  /** Never prune nor delete the object from a sync (stateful: namespaces of tenants, databases, PVCs). */
  readonly protect?: boolean;
  /** Apply server-side (large objects such as CRDs and dashboards exceed the client-side annotation limit). */
  readonly serverSideApply?: boolean;
}

/** The Argo CD annotations for an object. */
export function argoAnnotations(options: ArgoObjectOptions): Record<string, string> {
  const out: Record<string, string> = {};
  if (options.wave !== undefined) out[ArgoAnnotations.syncWave] = String(options.wave);
  const sync: string[] = [];
  if (options.protect) sync.push('Prune=false', 'Delete=false');
  if (options.serverSideApply) sync.push('ServerSideApply=true');
  if (sync.length) out[ArgoAnnotations.syncOptions] = sync.join(',');
  return out;
}

/** Names of the cert-manager ClusterIssuers the platform installs. */
export const ClusterIssuers = {
  production: 'letsencrypt-prod',
  staging: 'letsencrypt-staging',
} as const;
