import { HelmChart } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, Resources, RESTRICTED_CONTAINER, RESTRICTED_POD } from '../core/pod-security';
import { traitsOf } from '../core/topology';
import { MonitoringEndpoints } from '../observability';
import { falcoCustomRules } from './falco-rules';

/** The Falco chart values we set (https://github.com/falcosecurity/charts/tree/master/charts/falco). */
export interface FalcoValues {
  /** modern eBPF: no kernel module or headers needed (kernel ≥ 5.8, true of EKS, AKS, GKE and K3s hosts). */
  readonly driver: { readonly kind: 'modern_ebpf' };
  /** The platform's rules (lib/hardening/falco-rules.ts), loaded after Falco's default rules. */
  readonly customRules: Record<string, string>;
  /** Requests and limits of the Falco DaemonSet container. */
  readonly resources: Resources;
  /** Requests and limits of falcoctl's init and sidecar containers (rule artifact install and follow). */
  readonly falcoctl: { readonly artifact: { readonly install: { readonly resources: Resources }; readonly follow: { readonly resources: Resources } } };
  /**
   * Alerts to Alertmanager where the cluster runs one (full profiles); edge sites keep Falco's
   * events in its logs.
   */
  readonly falcosidekick:
    | { readonly enabled: false }
    | {
        readonly enabled: true;
        readonly config: { readonly alertmanager: { readonly hostport: string } };
        readonly resources: Resources;
        readonly podSecurityContext: typeof RESTRICTED_POD;
        readonly securityContext: typeof RESTRICTED_CONTAINER;
      };
}

export const falco: HelmChart<FalcoValues> = {
  name: 'falco',
  chart: { repoURL: 'https://falcosecurity.github.io/charts', chart: 'falco', version: '9.1.0' },
  namespace: PlatformNamespaces.falco,
  // A privileged node agent: not where the cloud refuses them (GKE Autopilot).
  placement: { traits: ['nodeAgents'] },
  crdGroups: [],
  description: 'Runtime threat detection (syscalls), alerts to Alertmanager via falcosidekick',
  values: ({ cluster }) => ({
    driver: { kind: 'modern_ebpf' },
    customRules: { 'ceres-rules.yaml': falcoCustomRules() },
    resources: resources('100m', '512Mi', '1', '1Gi'),
    falcoctl: {
      artifact: { install: { resources: resources('10m', '32Mi', '100m', '64Mi') }, follow: { resources: resources('10m', '32Mi', '100m', '64Mi') } },
    },
    falcosidekick: traitsOf(cluster).light
      ? { enabled: false }
      : {
          enabled: true,
          config: { alertmanager: { hostport: MonitoringEndpoints.alertmanager } },
          resources: resources('10m', '32Mi', '200m', '128Mi'),
          podSecurityContext: RESTRICTED_POD,
          securityContext: RESTRICTED_CONTAINER,
        },
  }),
};
