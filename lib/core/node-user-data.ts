import type { NodePoolPurpose } from './model';
import { ALLOWED_UNSAFE_SYSCTLS, EVICTION_HARD_MEMORY_MI, KUBELET_TUNING, NODE_SYSCTLS } from './node-tuning';

/** The fixed MIME boundary keeps the user data byte-identical between runs. */
const BOUNDARY = '//CERES-NODE-TUNING//';

/**
 * The shell part: write the shared sysctl table to `/etc/sysctl.d`, load the modules the settings need
 * (BBR, conntrack) and apply.
 */
export function sysctlScript(): string {
  const conf = NODE_SYSCTLS.map((s) => `${s.key} = ${s.value}`).join('\n');
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    // The path is where the table lived when nodes were first tuned (now lib/core/node-tuning.ts): the
    // user data is part of every launch template, so changing this line would replace every node.
    '# CERES node tuning (lib/infra/node-tuning.ts).',
    'modprobe tcp_bbr',
    'modprobe nf_conntrack',
    'echo tcp_bbr > /etc/modules-load.d/ceres-bbr.conf',
    "cat > /etc/sysctl.d/90-ceres.conf <<'SYSCTL'",
    conf,
    'SYSCTL',
    'sysctl --system',
    '',
  ].join('\n');
}

/**
 * The AL2023 `nodeadm` part: kubelet settings for the pool's purpose. EKS merges it with the NodeConfig
 * it generates for managed node groups (cluster endpoint, CA).
 */
export function nodeConfig(purpose: NodePoolPurpose): string {
  const k = KUBELET_TUNING[purpose];
  const lines = [
    'apiVersion: node.eks.aws/v1alpha1',
    'kind: NodeConfig',
    'spec:',
    '  kubelet:',
    '    config:',
    `      cpuManagerPolicy: ${k.cpuManagerPolicy}`,
    `      topologyManagerPolicy: ${k.topologyManagerPolicy}`,
    `      memoryManagerPolicy: ${k.memoryManagerPolicy}`,
    '      allowedUnsafeSysctls:',
    ...ALLOWED_UNSAFE_SYSCTLS.map((s) => `        - ${s}`),
  ];
  if (k.memoryManagerPolicy === 'Static') {
    // The memory manager needs reservedMemory = kubeReserved + systemReserved + hard eviction threshold.
    const kube = k.kubeReservedMemoryMi ?? 1024;
    lines.push(
      // cpu is set too: the static CPU manager needs a CPU reservation, whatever nodeadm's defaults do.
      '      kubeReserved:',
      '        cpu: 250m',
      `        memory: ${kube}Mi`,
      '      reservedMemory:',
      '        - numaNode: 0',
      '          limits:',
      `            memory: ${kube + EVICTION_HARD_MEMORY_MI}Mi`,
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * MIME multi-part user data (NodeConfig + shell script) as plain text, as Karpenter's EC2NodeClass
 * `userData` takes it (Karpenter merges its own NodeConfig part in).
 */
export function nodeUserDataMime(purpose: NodePoolPurpose): string {
  return [
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
    '',
    `--${BOUNDARY}`,
    'Content-Type: application/node.eks.aws',
    '',
    nodeConfig(purpose),
    `--${BOUNDARY}`,
    'Content-Type: text/x-shellscript; charset="us-ascii"',
    '',
    sysctlScript(),
    `--${BOUNDARY}--`,
    '',
  ].join('\n');
}

/** The same user data in base64, as launch templates expect it. */
export function nodeUserData(purpose: NodePoolPurpose): string {
  return Buffer.from(nodeUserDataMime(purpose), 'utf8').toString('base64');
}

/** Markers the preflight looks for in (decoded) user data: the kubelet NodeConfig and the sysctl file. */
export const TUNING_MARKERS = ['kind: NodeConfig', '/etc/sysctl.d/90-ceres.conf'] as const;
