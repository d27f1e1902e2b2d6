import type { KubernetesClusterDefaultNodePoolLinuxOsConfigSysctlConfig } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import type { NodePoolPurpose } from './model';

/**
 * Node tuning of the CERES design ("Performance tuning", applied with Ansible in v2.9), as ONE table
 * shared by every cloud. Each cloud applies what it allows:
 *
 * - EKS: everything, through launch-template user data (a shell script writing `/etc/sysctl.d` and an
 *   AL2023 `NodeConfig` with the kubelet settings), see `aws/node-user-data.ts`; the same user data on the
 *   nodes Karpenter launches (EC2NodeClass `userData`, `lib/cost/karpenter-capacity.ts`).
 * - AKS: the sysctls on the AKS allow-list (`linux_os_config.sysctl_config`) and the kubelet CPU and
 *   topology managers (`kubelet_config`); no TCP autotuning buffers, no congestion control, no memory
 *   manager (see `aks` below, `null` = AKS cannot set it).
 * - GKE Autopilot: nothing; Autopilot does not allow node sysctls or kubelet configuration (Google
 *   manages the nodes). Only namespaced sysctls could be set per pod (`securityContext.sysctls`).
 */

type AksSysctlField = keyof KubernetesClusterDefaultNodePoolLinuxOsConfigSysctlConfig;

export interface NodeSysctl {
  /** The kernel parameter (`net.core.somaxconn`). */
  readonly key: string;
  /** Its value, as written to `/etc/sysctl.d`. */
  readonly value: string;
  /** Why we set it. */
  readonly reason: string;
  /** The field of the AKS `sysctl_config` block, or `null` when AKS does not allow the parameter. */
  readonly aks: AksSysctlField | null;
}

/** Kernel parameters for every node of every pool. */
export const NODE_SYSCTLS: readonly NodeSysctl[] = [
  {
    key: 'net.core.rmem_max',
    value: '16777216',
    aks: 'netCoreRmemMax',
    reason: 'Largest socket receive buffer (16 MiB) for high-bandwidth, high-latency paths.',
  },
  { key: 'net.core.wmem_max', value: '16777216', aks: 'netCoreWmemMax', reason: 'Largest socket send buffer (16 MiB).' },
  { key: 'net.ipv4.tcp_rmem', value: '4096 87380 16777216', aks: null, reason: 'TCP receive buffer autotuning range up to rmem_max.' },
  { key: 'net.ipv4.tcp_wmem', value: '4096 65536 16777216', aks: null, reason: 'TCP send buffer autotuning range up to wmem_max.' },
  {
    key: 'net.core.somaxconn',
    value: '32768',
    aks: 'netCoreSomaxconn',
    reason:
      'Listen backlog under connection bursts. Per network namespace: this node value covers the host namespace ' +
      '(kubelet, hostNetwork pods) only; a pod gets it by requesting it in securityContext.sysctls, which the ' +
      'kubelet allows (ALLOWED_UNSAFE_SYSCTLS).',
  },
  { key: 'net.core.default_qdisc', value: 'fq', aks: null, reason: 'Fair-queue pacing, which BBR is designed to run with.' },
  { key: 'net.ipv4.tcp_congestion_control', value: 'bbr', aks: null, reason: 'BBR congestion control: higher throughput and lower latency on lossy paths.' },
  {
    key: 'net.netfilter.nf_conntrack_max',
    value: '1048576',
    aks: 'netNetfilterNfConntrackMax',
    reason: 'Connection-tracking table size for kube-proxy / Cilium under many short connections.',
  },
  { key: 'fs.file-max', value: '2097152', aks: 'fsFileMax', reason: 'System-wide open file limit for proxies and databases.' },
];

/*
 * Not in the table: `vm.swappiness`. The nodes have no swap (EKS AL2023 and AKS Azure Linux images ship
 * without it, and the kubelet refuses to start on swap unless NodeSwap is configured), so the setting would
 * change nothing.
 */

/**
 * Namespaced sysctls the kubelet lets pods set although Kubernetes does not count them as "safe". A pod
 * still has to ask (`securityContext.sysctls`), and Pod Security `baseline` and `restricted` refuse any
 * sysctl outside the safe set, so only pods of `privileged` namespaces (such as ingress gateways, if their
 * namespace is labelled so) can use them.
 */
export const ALLOWED_UNSAFE_SYSCTLS: readonly string[] = ['net.core.somaxconn'];

export type CpuManagerPolicy = 'none' | 'static';
export type TopologyManagerPolicy = 'none' | 'best-effort' | 'restricted' | 'single-numa-node';
export type MemoryManagerPolicy = 'None' | 'Static';

export interface KubeletTuning {
  /** `static` gives Guaranteed pods with integer CPU requests exclusive cores (pinning). */
  readonly cpuManagerPolicy: CpuManagerPolicy;
  /** NUMA alignment of CPU, memory and devices. `best-effort` never rejects a pod. */
  readonly topologyManagerPolicy: TopologyManagerPolicy;
  /**
   * `Static` pins Guaranteed pods' memory to NUMA nodes; it needs `reservedMemory`, which only EKS lets us
   * set (AKS and GKE Autopilot cannot).
   */
  readonly memoryManagerPolicy: MemoryManagerPolicy;
  /** Memory reserved for Kubernetes daemons, used to size `reservedMemory` with the memory manager. */
  readonly kubeReservedMemoryMi?: number;
}

/**
 * Kubelet settings per pool purpose: critical pools (system add-ons, memory-optimised database nodes)
 * get CPU pinning; general pools stay flexible, since spot nodes come and go.
 */
export const KUBELET_TUNING: Readonly<Record<NodePoolPurpose, KubeletTuning>> = {
  system: { cpuManagerPolicy: 'static', topologyManagerPolicy: 'best-effort', memoryManagerPolicy: 'None' },
  general: { cpuManagerPolicy: 'none', topologyManagerPolicy: 'best-effort', memoryManagerPolicy: 'None' },
  memory: { cpuManagerPolicy: 'static', topologyManagerPolicy: 'best-effort', memoryManagerPolicy: 'Static', kubeReservedMemoryMi: 1024 },
};

/** Kubelet's default hard eviction threshold for `memory.available`, part of `reservedMemory`. */
export const EVICTION_HARD_MEMORY_MI = 100;

/** The AKS `sysctl_config` block derived from the table (only the parameters AKS allows). */
export function aksSysctlConfig(): KubernetesClusterDefaultNodePoolLinuxOsConfigSysctlConfig {
  const config: Record<string, number> = {};
  for (const s of NODE_SYSCTLS) {
    if (s.aks) config[s.aks] = Number(s.value);
  }
  return config as KubernetesClusterDefaultNodePoolLinuxOsConfigSysctlConfig;
}

/** The sysctls a cloud cannot apply, for documentation and tests. */
export function sysctlsUnsupportedOnAks(): readonly string[] {
  return NODE_SYSCTLS.filter((s) => s.aks === null).map((s) => s.key);
}
