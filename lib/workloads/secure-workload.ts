import * as k8s from '../core/k8s';
import { Construct } from 'constructs';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { ResourceSpec } from '../core/services';
import { imagePinProblem } from './image-reference';

/** Right-sized defaults (cdk8s-plus would request a whole CPU per container). */
export const DEFAULT_WORKLOAD_RESOURCES: ResourceSpec = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/** The unprivileged user every secure workload runs as (any non-zero id works; images must not need root). */
export const WORKLOAD_USER_ID = 10001;

export interface SecureWorkloadProps {
  /** Deployment name (also the PDB's and HPA's). */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Image with a pinned tag or digest; `latest` or no tag fails validation. */
  readonly image: string;
  /** The port the container listens on. */
  readonly port: number;
  /** Protocol of the port; sets the port name (`http`, `grpc`, `tcp`) and the probe kind. @default 'http' */
  readonly protocol?: 'http' | 'grpc' | 'tcp';
  /** Labels of the pod template (must include `selector`). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Labels the Deployment, PDB selects pods by. @default podLabels */
  readonly selector?: Readonly<Record<string, string>>;
  /** Service account the pods run as. */
  readonly serviceAccountName: string;
  /** Mount the service account token (only when a RoleBinding gives the account something to do). @default false */
  readonly automountServiceAccountToken?: boolean;
  /** Container resources. @default DEFAULT_WORKLOAD_RESOURCES (100m/128Mi requests, 500m/256Mi limits) */
  readonly resources?: ResourceSpec;
  /** Replica range of the HPA. @default { min: 2, max: 4 } */
  readonly replicas?: { readonly min: number; readonly max: number };
  /** HPA CPU utilization target, percent of requests. @default 70 */
  readonly targetCpuPercent?: number;
  /** HTTP path of readiness and liveness probes (http only). @default '/healthz' */
  readonly healthPath?: string;
  /** PriorityClass of the pods. @default none (the cluster default) */
  readonly priorityClassName?: string;
  /**
   * High availability: at least 2 replicas are required, and the PDB keeps all but one available.
   * Without it a single replica may be drained (maxUnavailable 1).
   * @default true
   */
  readonly ha?: boolean;
  /** Extra pod annotations. @default none */
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

/**
 * A Deployment that passes the `restricted` Pod Security profile by construction (non-root,
 * read-only root filesystem with an emptyDir `/tmp`, no privilege escalation, every capability
 * dropped, RuntimeDefault seccomp, no token automount), with probes, a pinned image, zone and node
 * spreading, surge-only rolling updates, a PodDisruptionBudget and a CPU HorizontalPodAutoscaler.
 *
 * `spec.replicas` is left out: the HPA owns it, and a value in git would make Argo CD reset the
 * HPA's choice on every sync (Kubernetes starts a new Deployment at 1, the HPA raises it to `min`).
 */
export class SecureWorkload extends Construct {
  public readonly name: string;
  public readonly selector: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: SecureWorkloadProps) {
    super(scope, id);
    this.name = props.name;
    const selector = (this.selector = props.selector ?? props.podLabels);
    const resources = props.resources ?? DEFAULT_WORKLOAD_RESOURCES;
    const replicas = props.replicas ?? { min: 2, max: 4 };
    const ha = props.ha ?? true;
    const protocol = props.protocol ?? 'http';
    const portName = protocol;

    this.node.addValidation({
      validate: () => {
        const problems: string[] = [];
        const pin = imagePinProblem(props.image);
        if (pin) problems.push(`${props.name}: ${pin}`);
        for (const [k, v] of Object.entries(selector)) {
          if (props.podLabels[k] !== v) problems.push(`${props.name}: selector ${k}=${v} is not a pod label; the Deployment would select nothing`);
        }
        if (replicas.min < 1 || replicas.max < replicas.min)
          problems.push(`${props.name}: replicas ${replicas.min}-${replicas.max} must satisfy 1 <= min <= max`);
        if (ha && replicas.min < 2) problems.push(`${props.name}: high availability needs at least 2 replicas (min is ${replicas.min})`);
        return problems;
      },
    });

    const probeAction =
      protocol === 'http'
        ? { httpGet: { path: props.healthPath ?? '/healthz', port: k8s.IntOrString.fromString(portName) } }
        : protocol === 'grpc'
          ? { grpc: { port: props.port } }
          : { tcpSocket: { port: k8s.IntOrString.fromString(portName) } };
    const quantities = (r: { cpu: string; memory: string }) => ({ cpu: k8s.Quantity.fromString(r.cpu), memory: k8s.Quantity.fromString(r.memory) });
    const annotations = argoAnnotations({ wave: SyncWave.workloads });

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: props.name, namespace: props.namespace, annotations },
      spec: {
        selector: { matchLabels: { ...selector } },
        revisionHistoryLimit: 5,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromString('25%') } },
        template: {
          metadata: { labels: { ...props.podLabels }, annotations: props.podAnnotations ? { ...props.podAnnotations } : undefined },
          spec: {
            serviceAccountName: props.serviceAccountName,
            automountServiceAccountToken: props.automountServiceAccountToken ?? false,
            priorityClassName: props.priorityClassName,
            enableServiceLinks: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: WORKLOAD_USER_ID,
              runAsGroup: WORKLOAD_USER_ID,
              fsGroup: WORKLOAD_USER_ID,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'app',
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: portName, containerPort: props.port, protocol: 'TCP' }],
                resources: { requests: quantities(resources.requests), limits: quantities(resources.limits) },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  privileged: false,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                readinessProbe: { ...probeAction, initialDelaySeconds: 2, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
                livenessProbe: { ...probeAction, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
            topologySpreadConstraints: [
              // ScheduleAnyway: edge sites have one zone, and a zone outage must not block rescheduling.
              { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...selector } } },
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...selector } } },
            ],
            terminationGracePeriodSeconds: 30,
          },
        },
      },
    });

    new k8s.KubePodDisruptionBudget(this, 'Budget', {
      metadata: { name: props.name, namespace: props.namespace, annotations },
      spec: {
        selector: { matchLabels: { ...selector } },
        // One pod at a time in every environment: with HA the rest (>= min - 1 >= 1) keeps serving;
        // without HA a single replica may still be drained, so node upgrades never hang.
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
      metadata: { name: props.name, namespace: props.namespace, annotations },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.name },
        minReplicas: replicas.min,
        maxReplicas: replicas.max,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: props.targetCpuPercent ?? 70 } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
      },
    });
  }
}
