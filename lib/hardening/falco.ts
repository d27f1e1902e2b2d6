import { PlatformNamespaces } from '../core/namespaces';
import { falcoCustomRules } from './falco-rules';
import { MonitoringEndpoints } from '../observability';
import { HelmChart } from '../core/addon';

/** The Falco chart values we set (https://github.com/falcosecurity/charts/tree/master/charts/falco). */
export interface FalcoValues {
  /** modern eBPF: no kernel module or headers needed (kernel ≥ 5.8, true of EKS, AKS, GKE and K3s hosts). */
  readonly driver: { readonly kind: 'modern_ebpf' };
  /** The platform's rules (lib/hardening/falco-rules.ts), loaded after Falco's default rules. */
  readonly customRules: Record<string, string>;
  readonly falcosidekick: { readonly enabled: boolean; readonly config: { readonly alertmanager: { readonly hostport: string } } };
}

export const falco: HelmChart<FalcoValues> = {
  name: 'falco',
  chart: { repoURL: 'https://falcosecurity.github.io/charts', chart: 'falco', version: '9.1.0' },
  namespace: PlatformNamespaces.falco,
  // A privileged node agent: not where the cloud refuses them (GKE Autopilot).
  placement: { traits: ['nodeAgents'] },
  crdGroups: [],
  description: 'Runtime threat detection (syscalls), alerts to Alertmanager via falcosidekick',
  values: () => ({
    driver: { kind: 'modern_ebpf' },
    customRules: { 'ceres-rules.yaml': falcoCustomRules() },
    falcosidekick: { enabled: true, config: { alertmanager: { hostport: MonitoringEndpoints.alertmanager } } },
  }),
};
