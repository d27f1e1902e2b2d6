import { nodeUserData, sysctlScript } from '../../lib/infra/aws/node-user-data';
import { subnetCidr } from '../../lib/infra/cidr';
import { aksSysctlConfig, KUBELET_TUNING, NODE_SYSCTLS, sysctlsUnsupportedOnAks } from '../../lib/infra/node-tuning';

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
        'vm.swappiness',
        'fs.file-max',
      ]),
    );
    expect(NODE_SYSCTLS.find((s) => s.key === 'vm.swappiness')!.value).toBe('1');
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
      vmSwappiness: 1,
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

describe('subnetCidr', () => {
  it('cuts subnets like Terraform cidrsubnet and rejects bad input', () => {
    expect(subnetCidr('10.30.0.0/16', 18, 2)).toBe('10.30.128.0/18');
    expect(subnetCidr('10.30.0.0/16', 21, 27)).toBe('10.30.216.0/21');
    expect(() => subnetCidr('10.30.0.1/16', 18, 0)).toThrow(/host bits/);
    expect(() => subnetCidr('10.30.0.0/16', 18, 4)).toThrow(/out of range/);
  });
});
