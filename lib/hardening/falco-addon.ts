import { NamespaceDeclaration, PlatformAddOn } from '../core/addon';
import { Flow, FlowTarget, INTERNET, namespaceBaseFlows, PodSet } from '../core/flows';
import { PlatformNamespaces } from '../core/namespaces';
import { traitsOf } from '../core/topology';
import { ALERTMANAGER_PODS } from '../observability';
import { falco } from './falco';

/** Runtime threat detection: Falco with the platform's rules (lib/hardening/falco-rules.ts). */
export class FalcoAddOn implements PlatformAddOn {
  public readonly name = 'falco';

  /**
   * Falco's pods: falcoctl follows rule updates from their OCI registry; Falco posts events to
   * falcosidekick (2801), which forwards them to Alertmanager (not on light clusters, which run no sidekick).
   */
  public flows(t: FlowTarget): Flow[] {
    const ns = PlatformNamespaces.falco;
    const falcoPods: PodSet = { namespace: ns, podLabels: { 'app.kubernetes.io/name': 'falco' } };
    const sidekick: PodSet = { namespace: ns, podLabels: { 'app.kubernetes.io/name': 'falcosidekick' } };
    const flows: Flow[] = [
      ...namespaceBaseFlows('falco', ns, t.cluster),
      {
        name: 'falco/falcoctl-to-rules-registry',
        from: { pods: falcoPods },
        to: { external: INTERNET, ports: [{ port: 443 }] },
        plaintext: true,
        reason: 'falcoctl installs and follows the rules artifacts from their OCI registry',
      },
    ];
    if (!traitsOf(t.cluster).light) {
      flows.push(
        {
          name: 'falco/falco-to-sidekick',
          from: { pods: falcoPods },
          to: { pods: sidekick, ports: [{ port: 2801 }] },
          plaintext: true,
          reason: 'Falco posts its events to falcosidekick',
        },
        {
          name: 'falco/sidekick-to-alertmanager',
          from: { pods: sidekick },
          to: { pods: ALERTMANAGER_PODS, ports: [{ port: 9093 }] },
          plaintext: true,
          reason: 'falcosidekick turns events into alerts',
        },
      );
    }
    return flows;
  }
  public readonly charts = [falco];
  public readonly namespaces: readonly NamespaceDeclaration[] = [
    { name: PlatformNamespaces.falco, podSecurity: 'privileged', reason: 'Falco reads kernel events (privileged, hostPath)', thirdPartyImages: true },
  ];
}
