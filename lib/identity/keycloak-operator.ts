import { GitManifests } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { PodSet } from '../core/flows';
import { KEYCLOAK, KEYCLOAK_SITES } from '../core/realm';

/**
 * The securityContext of Pod Security `restricted` for pods whose images write to their own
 * filesystem (Quarkus and Keycloak unpack and build into it): non-root, no privilege escalation, no
 * capabilities, the runtime's seccomp profile. `restricted` does not require a read-only root.
 */
export const KEYCLOAK_CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

/** The pod-level securityContext of the operator and of Keycloak's pods. */
export const KEYCLOAK_POD_SECURITY = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } as const;

/** The release of keycloak/keycloak-k8s-resources deployed: operator, CRDs and the Keycloak image it runs (`RELATED_IMAGE_KEYCLOAK`). */
export const KEYCLOAK_VERSION = '26.0.0';

/** The operator's Deployment and ServiceAccount, as keycloak-k8s-resources names them (`kubernetes/kubernetes.yml`). */
export const KEYCLOAK_OPERATOR_DEPLOYMENT = 'keycloak-operator';

/**
 * The Keycloak operator, as published (keycloak/keycloak-k8s-resources has no Helm chart): the
 * `kubernetes/` directory at the release tag, holding the CRDs (`Keycloak`, `KeycloakRealmImport`,
 * k8s.keycloak.org) and `kubernetes.yml` (ServiceAccount, RBAC, Service, Deployment). The operator
 * watches its own namespace, whose name the upstream ClusterRoleBinding fixes to `keycloak`
 * ({@link KEYCLOAK}.namespace). It runs on every site of Keycloak's database (lib/core/realm.ts
 * `KEYCLOAK_SITES`). Its Deployment sets no securityContext; the patch adds the
 * `restricted` one, so the namespace needs no exception.
 */
export const keycloakOperator: GitManifests = {
  name: 'keycloak-operator',
  source: { repoURL: 'https://github.com/keycloak/keycloak-k8s-resources', tag: KEYCLOAK_VERSION, path: 'kubernetes' },
  namespace: KEYCLOAK.namespace,
  // Every site of Keycloak's database: a promoted replica site starts Keycloak with the operator already there.
  placement: KEYCLOAK_SITES,
  crdGroups: ['k8s.keycloak.org'],
  description: 'Keycloak operator (Keycloak and KeycloakRealmImport), as published by keycloak/keycloak-k8s-resources',
  syncWave: SyncWave.operators,
  patches: [
    {
      target: { group: 'apps', kind: 'Deployment', name: KEYCLOAK_OPERATOR_DEPLOYMENT },
      operations: [
        { op: 'add', path: '/spec/template/spec/securityContext', value: KEYCLOAK_POD_SECURITY },
        { op: 'add', path: '/spec/template/spec/containers/0/securityContext', value: KEYCLOAK_CONTAINER_SECURITY },
      ],
    },
  ],
};

/** The operator's pods (labels of the upstream Deployment's template). */
export const KEYCLOAK_OPERATOR_PODS: PodSet = {
  namespace: KEYCLOAK.namespace,
  podLabels: { 'app.kubernetes.io/name': 'keycloak-operator' },
  serviceAccount: KEYCLOAK_OPERATOR_DEPLOYMENT,
};

/**
 * Keycloak's own pods: the operator creates them (a StatefulSet per `Keycloak`, no release renders
 * them) labelled `app: keycloak` and `app.kubernetes.io/instance: <Keycloak name>`.
 */
export const KEYCLOAK_SERVER_PODS: PodSet = {
  namespace: KEYCLOAK.namespace,
  podLabels: { app: 'keycloak', 'app.kubernetes.io/instance': KEYCLOAK.instance },
  clusterProvided: true,
};

/** The instances of Keycloak's PostgreSQL (CloudNativePG labels). */
export const KEYCLOAK_DATABASE_PODS: PodSet = {
  namespace: KEYCLOAK.namespace,
  podLabels: { 'cnpg.io/cluster': KEYCLOAK.database, 'cnpg.io/podRole': 'instance' },
};
