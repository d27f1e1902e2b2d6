/**
 * Pod and container settings every chart we install gets explicitly, rather than trusting chart
 * defaults: the Pod Security "restricted" profile and requests and limits on every container (the
 * platform's admission policies enforce both; a chart whose defaults drift must not break a rollout).
 */

/** Container securityContext meeting Pod Security "restricted". */
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

/** Pod securityContext meeting Pod Security "restricted" (non-root, RuntimeDefault seccomp). */
export const RESTRICTED_POD = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } as const;

/** Requests and limits of a container, Kubernetes quantities. */
export interface Resources {
  /** What the scheduler reserves: CPU (`100m`) and memory (`128Mi`). */
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** The most the container may use: CPU (throttled above it) and memory (killed above it). */
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Requests and limits; memory limit equals its request unless given (no overcommit of memory). */
export function resources(cpu: string, memory: string, cpuLimit: string, memoryLimit: string = memory): Resources {
  return { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}
