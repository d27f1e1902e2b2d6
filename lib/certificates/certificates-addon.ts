import { Flow, FlowTarget, INTERNET, namespaceBaseFlows, PodSet } from '../core/flows';
import { NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { ClusterIssuers, SyncWave } from '../core/argocd';
import { Labels } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { AcmeClusterIssuer, AcmeServers } from './acme-cluster-issuer';
import { certManager } from './cert-manager';
import { gatewayPods, INGRESS_GATEWAY } from '../mesh';
import { DNS01_SOLVER, dnsChallengeSolver } from '../core/traffic-failover';
import { placementApplies } from '../core/topology';
import { Dns01SolverAccount } from './dns01-solver-account';

/** Folder of the operator configuration that needs the operators' CRDs (ClusterIssuers). */
export const OPERATOR_CONFIG_FOLDER = 'operator-config';

export interface CertificatesProps {
  /** Contact address given to Let's Encrypt. @default `certificates@<environment base domain>` */
  readonly acmeEmail?: string;
}

/** cert-manager and the ACME ClusterIssuers (Let's Encrypt production and staging) the gateways' certificates use. */
export class CertificatesAddOn implements PlatformAddOn {
  /** The API server calls cert-manager's webhook (chart `cert-manager`, pod port 10250). */
  public flows(t: FlowTarget): Flow[] {
    const controller: PodSet = { namespace: PlatformNamespaces.certManager, podLabels: { 'app.kubernetes.io/component': 'controller' } };
    return [
      ...namespaceBaseFlows('certificates', PlatformNamespaces.certManager, t.cluster, { apiServer: true }),
      {
        name: 'certificates/ingress-gateway-to-http01-solver',
        from: { pods: gatewayPods(INGRESS_GATEWAY) },
        // cert-manager creates the solver pod, Service and Ingress next to the Certificate (the gateways' namespace) while a challenge is open.
        to: {
          pods: { namespace: INGRESS_GATEWAY.namespace, podLabels: { 'acme.cert-manager.io/http01-solver': 'true' }, clusterProvided: true },
          ports: [{ port: 8089 }],
        },
        plaintext: true,
        reason: 'the ingress gateway routes /.well-known/acme-challenge/ to the HTTP-01 solver (Ingress class istio)',
      },
      {
        name: 'certificates/controller-to-acme',
        from: { pods: controller },
        to: { external: INTERNET, ports: [{ port: 443 }, { port: 80 }] },
        plaintext: true,
        reason:
          'the controller talks to the ACME server (443) and checks its HTTP-01 challenges through the public address of the ingress gateway (80) before presenting them',
      },
      ...(dnsChallengeSolver(t.environment, t.cluster)
        ? [
            {
              name: 'certificates/controller-to-authoritative-dns',
              from: { pods: controller },
              to: {
                external: INTERNET,
                ports: [
                  { port: 53, protocol: 'UDP' as const },
                  { port: 53, protocol: 'TCP' as const },
                ],
              },
              plaintext: true,
              reason:
                "DNS-01 on this cluster: before presenting a challenge the controller checks the zone's authoritative name servers for the TXT record (Route 53 and STS themselves are HTTPS, above)",
            },
          ]
        : []),
      {
        name: 'certificates/api-server-to-webhook',
        from: { apiServer: true },
        to: { pods: { namespace: PlatformNamespaces.certManager, podLabels: { 'app.kubernetes.io/component': 'webhook' } }, ports: [{ port: 10250 }] },
        plaintext: true,
        reason: 'cert-manager validation and mutation webhooks',
      },
    ];
  }

  public readonly name = 'certificates';
  public readonly charts = [certManager];
  public readonly namespaces: readonly NamespaceDeclaration[] = [{ name: PlatformNamespaces.certManager, podSecurity: 'restricted', thirdPartyImages: true }];

  constructor(private readonly props: CertificatesProps = {}) {}

  public deploy(ctx: PlatformContext): void {
    const email = this.props.acmeEmail ?? `certificates@${ctx.environment.baseDomain}`;
    // Per cluster: the issuers of a cluster that takes traffic only after a failover solve DNS-01
    // (lib/core/traffic-failover.ts dnsChallengeSolvers); the others HTTP-01 through their gateway.
    for (const cluster of ctx.environment.clusters.filter((c) => placementApplies(certManager.placement, c))) {
      const config = ctx.output.clusterFolder(cluster, OPERATOR_CONFIG_FOLDER, {
        description: 'Configuration of the operators that needs their CRDs: ACME ClusterIssuers',
        syncWave: SyncWave.operatorConfig,
        labels: { [Labels.costCenter]: 'platform' },
      });
      const solver = dnsChallengeSolver(ctx.environment, cluster);
      const route53 = solver && { role: solver.roleArn, serviceAccount: DNS01_SOLVER.serviceAccount, region: DNS01_SOLVER.region };
      const issuers = config.manifest('cluster-issuers');
      new AcmeClusterIssuer(issuers, 'production', { name: ClusterIssuers.production, server: AcmeServers.production, email, route53 });
      new AcmeClusterIssuer(issuers, 'staging', { name: ClusterIssuers.staging, server: AcmeServers.staging, email, route53 });
      if (solver) new Dns01SolverAccount(config.manifest('dns01-solver'), 'Dns01', { roleArn: solver.roleArn });
    }
  }
}
