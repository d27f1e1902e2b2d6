import { Chart } from 'cdk8s';
import * as k8s from '../core/k8s';
import { Construct } from 'constructs';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { serviceAccountName, ServiceDeclaration, workloadName } from '../core/services';
import { SecureWorkload } from './secure-workload';

export interface CatalogServiceProps {
  /** The service as declared in the catalog. */
  readonly service: ServiceDeclaration;
  /** Replica range when the declaration has none (the environment's coreServices sizing). */
  readonly defaultReplicas: { readonly min: number; readonly max: number };
  /** High availability of the environment (see {@link SecureWorkload}). @default true */
  readonly ha?: boolean;
  /** PriorityClass of the pods. @default none */
  readonly priorityClassName?: string;
  /** Extra pod labels (a tenant's `ceres.io/tenant`, which its admission policy requires). @default none */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/**
 * One ServiceDeclaration of the catalog: its ServiceAccount (token automount off), one
 * SecureWorkload per version (pods labelled `app=<service>`, `version=<version>`), and a Service
 * `<service>` selecting `app=<service>` on the declared port — except when Flagger owns the rollout:
 * Flagger then creates `<service>`, `<service>-primary` and `<service>-canary` itself from the one
 * Deployment `<service>`, which must select on `app` alone.
 */
export class CatalogService extends Construct {
  public readonly workloads: readonly SecureWorkload[];

  constructor(scope: Chart, id: string, props: CatalogServiceProps) {
    super(scope, id);
    const s = props.service;
    const protocol = s.protocol ?? 'http';
    const flagger = s.rollout === 'flagger';
    const annotations = argoAnnotations({ wave: SyncWave.workloads });
    if (flagger && s.versions.length !== 1) {
      this.node.addValidation({
        validate: () => [`service ${s.name}: a Flagger rollout has exactly one version (Flagger makes the canary); found ${s.versions.length}`],
      });
    }

    new k8s.KubeServiceAccount(this, 'Account', {
      metadata: { name: serviceAccountName(s), namespace: s.namespace, annotations },
      automountServiceAccountToken: false,
    });

    this.workloads = s.versions.map(
      (v) =>
        new SecureWorkload(this, v.name, {
          name: workloadName(s, v),
          namespace: s.namespace,
          image: v.image,
          port: s.port,
          protocol,
          podLabels: { ...props.podLabels, app: s.name, version: v.name },
          selector: flagger ? { app: s.name } : { app: s.name, version: v.name },
          serviceAccountName: serviceAccountName(s),
          resources: s.resources,
          replicas: s.replicas ?? props.defaultReplicas,
          targetCpuPercent: s.targetCpuPercent,
          healthPath: s.healthPath,
          priorityClassName: props.priorityClassName,
          ha: props.ha,
        }),
    );

    if (!flagger) {
      new k8s.KubeService(this, 'Service', {
        metadata: { name: s.name, namespace: s.namespace, annotations },
        spec: {
          selector: { app: s.name },
          ports: [{ name: protocol, port: s.port, targetPort: k8s.IntOrString.fromString(protocol), protocol: 'TCP', appProtocol: protocol }],
        },
      });
    }
  }
}
