import { Testing } from 'cdk8s';
import { platform } from '../../apps/platform/platform';
import { KarpenterCapacity } from '../../lib/cost/karpenter-capacity';
import { nodeConfig, nodeUserData, nodeUserDataMime, sysctlScript } from '../../lib/core/node-user-data';
import { subnetCidr } from '../../lib/core/cidr';
import { aksSysctlConfig, ALLOWED_UNSAFE_SYSCTLS, KUBELET_TUNING, NODE_SYSCTLS, sysctlsUnsupportedOnAks } from '../../lib/core/node-tuning';
import { only, resources, stack } from '../infra/helpers';
import { testChart } from '../support/harness';

describe('node tuning table', () => {
  it('holds the design sysctls once', () => {
    const keys = NODE_SYSCTLS.map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(
      expect.arrayContaining([
        'net.core.rmem_max',
        'net.core.wmem_max',
        'net.ipv4.tcp_rmem',
        'net.ipv4.tcp_wmem',
        'net.core.somaxconn',
        'net.ipv4.tcp_congestion_control',
        'net.netfilter.nf_conntrack_max',
        'fs.file-max',
      ]),
    );
  });

  it('drops vm.swappiness: the nodes have no swap, so it would change nothing', () => {
    expect(NODE_SYSCTLS.map((s) => s.key)).not.toContain('vm.swappiness');
    expect(aksSysctlConfig()).not.toHaveProperty('vmSwappiness');
  });

  it('pins CPUs on critical pools only', () => {
    expect(KUBELET_TUNING.system.cpuManagerPolicy).toBe('static');
    expect(KUBELET_TUNING.memory.cpuManagerPolicy).toBe('static');
    expect(KUBELET_TUNING.general.cpuManagerPolicy).toBe('none');
  });

  it('maps to AKS only what the AKS allow-list has', () => {
    expect(aksSysctlConfig()).toEqual({
      netCoreRmemMax: 16777216,
      netCoreWmemMax: 16777216,
      netCoreSomaxconn: 32768,
      netNetfilterNfConntrackMax: 1048576,
      fsFileMax: 2097152,
    });
    expect(sysctlsUnsupportedOnAks()).toEqual(['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.core.default_qdisc', 'net.ipv4.tcp_congestion_control']);
  });

  it('writes every sysctl on EKS and produces stable user data', () => {
    const script = sysctlScript();
    for (const s of NODE_SYSCTLS) expect(script).toContain(`${s.key} = ${s.value}`);
    expect(nodeUserData('system')).toBe(nodeUserData('system'));
  });
});

describe('node tuning reaches its target', () => {
  it('lets pods set net.core.somaxconn (per network namespace) on EKS, Karpenter and AKS nodes', () => {
    expect(ALLOWED_UNSAFE_SYSCTLS).toEqual(['net.core.somaxconn']);
    for (const purpose of ['system', 'general', 'memory'] as const) {
      expect(nodeConfig(purpose)).toContain('      allowedUnsafeSysctls:\n        - net.core.somaxconn\n');
    }
    for (const lt of resources(stack('prod-aws'), 'aws_launch_template')) {
      expect(Buffer.from(lt.user_data, 'base64').toString('utf8')).toContain('- net.core.somaxconn');
    }
    const json = stack('prod-azure');
    const pools = [only(json, 'azurerm_kubernetes_cluster').default_node_pool, ...resources(json, 'azurerm_kubernetes_cluster_node_pool')];
    for (const pool of pools) expect(pool.kubelet_config.allowed_unsafe_sysctls).toEqual(['net.core.somaxconn']);
  });

  it('gives the nodes Karpenter launches the sysctls and kubelet settings (EC2NodeClass user data)', () => {
    const aws = platform.environments.find((e) => e.name === 'prod')!.clusters.find((c) => c.cloud === 'aws')!;
    const chart = testChart();
    new KarpenterCapacity(chart, 'karpenter', { cluster: aws });
    const nodeClass = Testing.synth(chart).find((o) => o.kind === 'EC2NodeClass');
    const userData: string = nodeClass.spec.userData;
    expect(userData).toBe(nodeUserDataMime('general'));
    expect(userData).toContain('Content-Type: application/node.eks.aws');
    expect(userData).toContain('cpuManagerPolicy: none');
    for (const s of NODE_SYSCTLS) expect(userData).toContain(`${s.key} = ${s.value}`);
  });
});

describe('subnetCidr', () => {
  it('cuts subnets like Terraform cidrsubnet and rejects bad input', () => {
    expect(subnetCidr('10.30.0.0/16', 18, 2)).toBe('10.30.128.0/18');
    expect(subnetCidr('10.30.0.0/16', 21, 27)).toBe('10.30.216.0/21');
    expect(() => subnetCidr('10.30.0.1/16', 18, 0)).toThrow(/host bits/);
    expect(() => subnetCidr('10.30.0.0/16', 18, 4)).toThrow(/out of range/);
  });
});
