import { Chart } from 'cdk8s';
import { Keycloak, KeycloakSpecResourcesLimits, KeycloakSpecResourcesRequests } from '../../imports/keycloak-k8s.keycloak.org';
import { Construct } from 'constructs';
import * as k8s from '../core/k8s';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { Resources } from '../core/pod-security';
import { KEYCLOAK } from '../core/realm';
import { KEYCLOAK_CONTAINER_SECURITY, KEYCLOAK_POD_SECURITY, KEYCLOAK_SERVER_PODS } from './keycloak-operator';

/** Keycloak's ports: HTTP behind the ingress gateway (8080), management (health, metrics: 9000), Infinispan clustering (7800, its failure detection 57800). */
export const KeycloakPorts = { http: 8080, management: 9000, jgroups: 7800, jgroupsFailureDetection: 57800 } as const;

/**
 * The Service the ingress route targets: ours (`<name>-http`, Keycloak's HTTP port only), not the
 * operator's `<name>-service`, so the route's host is an object of dist/ that checks can resolve and
 * the management port stays off the route.
 */
export function keycloakServiceName(instance: string): string {
  return `${instance}-http`;
}

/** The Secret CloudNativePG creates with the application user's credentials (`<cluster>-app`, keys `username`, `password`). */
export function cnpgAppSecret(cluster: string): string {
  return `${cluster}-app`;
}

/** The read-write Service of a CloudNativePG cluster (`<cluster>-rw`). */
export function cnpgReadWriteService(cluster: string): string {
  return `${cluster}-rw`;
}

export interface KeycloakServerProps {
  /** Instances (2 or more in HA environments: Infinispan replicates sessions between them). */
  readonly instances: number;
  /** The public host (`auth.<baseDomain>`): Keycloak's `hostname`, so tokens carry the issuer everything trusts. */
  readonly host: string;
  /** CPU and memory of each instance. */
  readonly resources: Resources;
}

/**
 * The `Keycloak` of the environment (k8s.keycloak.org/v2alpha1, Keycloak operator 26.0), on the site
 * where its database is primary: its data in the CloudNativePG cluster {@link KEYCLOAK}.database
 * (credentials from `<database>-app`: the cloud store's value through an ExternalSecret where the
 * platform reads one, else the Secret CloudNativePG generates; never in git), HTTP behind the ingress gateway (TLS ends at the gateway; `xforwarded`
 * proxy headers), the public hostname strict, no Ingress of its own, and the `restricted`
 * securityContext on its pods (`unsupported.podTemplate`, merged by the operator into the pods it
 * creates, realm import jobs included).
 */
export class KeycloakServer extends Construct {
  constructor(scope: Chart, id: string, props: KeycloakServerProps) {
    super(scope, id);
    const secret = cnpgAppSecret(KEYCLOAK.database);
    new Keycloak(this, 'Resource', {
      metadata: { name: KEYCLOAK.instance, namespace: KEYCLOAK.namespace, annotations: argoAnnotations({ wave: SyncWave.workloads }) },
      spec: {
        instances: props.instances,
        db: {
          vendor: 'postgres',
          host: `${cnpgReadWriteService(KEYCLOAK.database)}.${KEYCLOAK.namespace}.svc`,
          port: 5432,
          database: KEYCLOAK.databaseName,
          usernameSecret: { name: secret, key: 'username' },
          passwordSecret: { name: secret, key: 'password' },
        },
        http: { httpEnabled: true, httpPort: KeycloakPorts.http },
        httpManagement: { port: KeycloakPorts.management },
        hostname: { hostname: `https://${props.host}`, strict: true },
        proxy: { headers: 'xforwarded' },
        ingress: { enabled: false },
        additionalOptions: [
          { name: 'metrics-enabled', value: 'true' },
          { name: 'health-enabled', value: 'true' },
        ],
        resources: {
          requests: {
            cpu: KeycloakSpecResourcesRequests.fromString(props.resources.requests.cpu),
            memory: KeycloakSpecResourcesRequests.fromString(props.resources.requests.memory),
          },
          limits: {
            cpu: KeycloakSpecResourcesLimits.fromString(props.resources.limits.cpu),
            memory: KeycloakSpecResourcesLimits.fromString(props.resources.limits.memory),
          },
        },
        unsupported: {
          podTemplate: {
            metadata: { labels: { 'sidecar.istio.io/inject': 'false' } },
            spec: {
              securityContext: { ...KEYCLOAK_POD_SECURITY },
              containers: [{ securityContext: { ...KEYCLOAK_CONTAINER_SECURITY, capabilities: { drop: [...KEYCLOAK_CONTAINER_SECURITY.capabilities.drop] } } }],
            },
          },
        },
      },
    });
    // Node drains take one instance at a time: with 2 the other keeps serving sign-ins (sessions are replicated).
    if (props.instances > 1)
      new k8s.KubePodDisruptionBudget(this, 'Budget', {
        metadata: { name: KEYCLOAK.instance, namespace: KEYCLOAK.namespace, annotations: argoAnnotations({ wave: SyncWave.workloads }) },
        spec: {
          selector: { matchLabels: { ...KEYCLOAK_SERVER_PODS.podLabels } },
          maxUnavailable: k8s.IntOrString.fromNumber(1),
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
  }
}

/**
 * The Service the ingress route targets (Keycloak's HTTP port, selecting the pods the operator
 * creates), on every site of Keycloak: on a replica site it has no endpoints until Keycloak starts
 * there (docs/disaster-recovery.md, "Keycloak").
 */
export class KeycloakHttpService extends Construct {
  constructor(scope: Chart, id: string) {
    super(scope, id);
    new k8s.KubeService(this, 'Http', {
      metadata: { name: keycloakServiceName(KEYCLOAK.instance), namespace: KEYCLOAK.namespace, annotations: argoAnnotations({ wave: SyncWave.workloads }) },
      spec: {
        selector: { ...KEYCLOAK_SERVER_PODS.podLabels },
        ports: [{ name: 'http', port: KeycloakPorts.http, targetPort: k8s.IntOrString.fromNumber(KeycloakPorts.http), protocol: 'TCP' }],
      },
    });
  }
}
