import { Chart } from 'cdk8s';
import * as k8s from '../core/k8s';
import { Construct } from 'constructs';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { realmGroup, TENANT_ROLES, TenantRole } from '../core/realm';

export { TENANT_ROLES, type TenantRole } from '../core/realm';

/**
 * The OIDC group a tenant role is bound to: the realm's group as the platform realm brokers it
 * (`<realm>:<role>`, lib/core/realm.ts). The API servers and Argo CD trust the platform realm, which
 * brokers each tenant realm with that prefix, so a realm can only ever produce groups of its own tenant.
 */
export function tenantGroup(keycloakRealm: string, role: TenantRole): string {
  return realmGroup(keycloakRealm, role);
}

interface RuleSpec {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete'];

/**
 * What each role may do, as data (reviewed like a table; the `no-rbac-wildcards` check refuses `*`).
 * Nobody may write the guardrails (ResourceQuota, LimitRange, NetworkPolicy, Roles, RoleBindings):
 * they are rendered by the platform. Viewers cannot read Secrets; developers manage SealedSecrets
 * but cannot read the Secrets they unseal into.
 */
const VIEWER: readonly RuleSpec[] = [
  {
    apiGroups: [''],
    resources: [
      'pods',
      'pods/log',
      'services',
      'endpoints',
      'configmaps',
      'persistentvolumeclaims',
      'events',
      'serviceaccounts',
      'resourcequotas',
      'limitranges',
    ],
    verbs: READ,
  },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets'], verbs: READ },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: READ },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: READ },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: READ },
  { apiGroups: ['postgresql.cnpg.io'], resources: ['clusters', 'backups', 'scheduledbackups'], verbs: READ },
  { apiGroups: ['bitnami.com'], resources: ['sealedsecrets'], verbs: READ },
];

const DEVELOPER: readonly RuleSpec[] = [
  ...VIEWER,
  { apiGroups: [''], resources: ['services', 'configmaps', 'persistentvolumeclaims'], verbs: WRITE },
  { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: WRITE },
  { apiGroups: ['apps'], resources: ['deployments/scale', 'statefulsets/scale'], verbs: ['update', 'patch'] },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: WRITE },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: WRITE },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: WRITE },
  { apiGroups: ['bitnami.com'], resources: ['sealedsecrets'], verbs: WRITE },
  { apiGroups: ['postgresql.cnpg.io'], resources: ['backups'], verbs: ['create'] },
];

const ADMIN: readonly RuleSpec[] = [
  ...DEVELOPER,
  { apiGroups: [''], resources: ['secrets'], verbs: READ },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: WRITE },
  { apiGroups: [''], resources: ['pods/exec', 'pods/portforward'], verbs: ['create'] },
];

/** The rules of each role. */
export const TENANT_ROLE_RULES: Readonly<Record<TenantRole, readonly RuleSpec[]>> = {
  'tenant-admin': ADMIN,
  'tenant-developer': DEVELOPER,
  'tenant-viewer': VIEWER,
};

export interface TenantAccessProps {
  /** The tenant's namespace. */
  readonly namespace: string;
  /** The tenant's Keycloak realm; groups are derived from it (see {@link tenantGroup}). */
  readonly keycloakRealm: string;
}

/**
 * Least-privilege human access to a tenant namespace: Roles tenant-admin, tenant-developer and
 * tenant-viewer bound to the realm's OIDC groups, and the namespace's `default` ServiceAccount with
 * token automount off (pods that need the API get their own account and binding).
 */
export class TenantAccess extends Construct {
  constructor(scope: Chart, id: string, props: TenantAccessProps) {
    super(scope, id);
    const annotations = argoAnnotations({ wave: SyncWave.namespaces });
    for (const role of TENANT_ROLES) {
      new k8s.KubeRole(this, `${role}-role`, {
        metadata: { name: role, namespace: props.namespace, annotations },
        rules: TENANT_ROLE_RULES[role].map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
      });
      new k8s.KubeRoleBinding(this, `${role}-binding`, {
        metadata: { name: role, namespace: props.namespace, annotations },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: tenantGroup(props.keycloakRealm, role) }],
      });
    }
    new k8s.KubeServiceAccount(this, 'default-account', {
      metadata: { name: 'default', namespace: props.namespace, annotations },
      automountServiceAccountToken: false,
    });
  }
}
