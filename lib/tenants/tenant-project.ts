import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AppProject } from '../../imports/argocd-appproject-argoproj.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { PlatformNamespaces } from '../core/namespaces';
import { TenantRole, tenantGroup } from './tenant-access';

/**
 * Kinds a tenant's Applications may never create or change: the guardrails the platform renders
 * (quota, limit range, network policies, RBAC, admission and mesh security policies).
 */
export const TENANT_GUARDRAIL_KINDS: readonly { readonly group: string; readonly kind: string }[] = [
  { group: '', kind: 'ResourceQuota' },
  { group: '', kind: 'LimitRange' },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
  { group: 'rbac.authorization.k8s.io', kind: 'Role' },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
  { group: 'kyverno.io', kind: 'Policy' },
  { group: 'kyverno.io', kind: 'PolicyException' },
  { group: 'security.istio.io', kind: 'AuthorizationPolicy' },
  { group: 'security.istio.io', kind: 'PeerAuthentication' },
  { group: 'security.istio.io', kind: 'RequestAuthentication' },
  { group: 'networking.istio.io', kind: 'Sidecar' },
  // Mesh edge and egress: a tenant Gateway or VirtualService can attach hosts to the shared ingress
  // pods; a ServiceEntry, WorkloadEntry or EnvoyFilter can open egress or rewrite any proxy.
  { group: 'networking.istio.io', kind: 'Gateway' },
  { group: 'networking.istio.io', kind: 'VirtualService' },
  { group: 'networking.istio.io', kind: 'ServiceEntry' },
  { group: 'networking.istio.io', kind: 'WorkloadEntry' },
  { group: 'networking.istio.io', kind: 'WorkloadGroup' },
  { group: 'networking.istio.io', kind: 'EnvoyFilter' },
  { group: 'security.istio.io', kind: '*' },
  { group: 'postgresql.cnpg.io', kind: 'Cluster' },
  // Secrets reach git only sealed (SealedSecret); bare Pods escape controllers, budgets and rollouts.
  { group: '', kind: 'Secret' },
  { group: '', kind: 'Pod' },
  // Gateway API routes attach to shared gateways as well.
  { group: 'gateway.networking.k8s.io', kind: '*' },
];

export interface TenantProjectProps {
  /** AppProject name (`tenantNames(id).project`). */
  readonly name: string;
  /** Namespaces the tenant's Applications may deploy to. */
  readonly namespaces: readonly string[];
  /** Git repositories the tenant's Applications may use. */
  readonly sourceRepos: readonly string[];
  /** The tenant's Keycloak realm: its admin/developer/viewer groups get Argo CD project roles. */
  readonly keycloakRealm: string;
  /** Shown in the Argo CD UI. @default none */
  readonly description?: string;
}

const APP_ACTIONS: Readonly<Record<TenantRole, readonly string[]>> = {
  'tenant-admin': ['get', 'create', 'update', 'delete', 'sync', 'override'],
  'tenant-developer': ['get', 'sync'],
  'tenant-viewer': ['get'],
};

/**
 * The Argo CD AppProject of a tenant's own Applications: destinations limited to the tenant's
 * namespaces (on any cluster of the environment), no cluster-scoped resources at all, and none of
 * the guardrail kinds. The platform-rendered tenant folder itself is synced by the `platform` project.
 */
export class TenantProject extends Construct {
  constructor(scope: Chart, id: string, props: TenantProjectProps) {
    super(scope, id);
    new AppProject(this, 'Resource', {
      metadata: { name: props.name, namespace: PlatformNamespaces.argocd, annotations: argoAnnotations({ wave: SyncWave.namespaces }) },
      spec: {
        description: props.description,
        sourceRepos: [...props.sourceRepos],
        destinations: props.namespaces.map((namespace) => ({ name: '*', server: '*', namespace })),
        clusterResourceWhitelist: [],
        namespaceResourceBlacklist: TENANT_GUARDRAIL_KINDS.map((k) => ({ group: k.group, kind: k.kind })),
        roles: (Object.keys(APP_ACTIONS) as TenantRole[]).map((role) => ({
          name: role,
          description: `${role} of ${props.name}`,
          groups: [tenantGroup(props.keycloakRealm, role)],
          policies: APP_ACTIONS[role].map((action) => `p, proj:${props.name}:${role}, applications, ${action}, ${props.name}/*, allow`),
        })),
        orphanedResources: { warn: true },
      },
    });
  }
}
