import { PlatformAddOn, PlatformContext } from '../core/addon';
import { ClusterIssuers, SyncWave } from '../core/argocd';
import { Labels } from '../core/names';
import { appOfAppsFolder } from '../core/output';
import { AcmeClusterIssuer, AcmeServers } from './acme-cluster-issuer';
import { addOnApplies, HelmAddOn } from './addons/helm-addon';
import { PLATFORM_HELM_ADDONS } from './addons/platform-addons';
import { clusterProfile, destinationName, hubCluster } from './cluster-targets';
import { HelmApplication } from './helm-application';

export interface HelmAddOnsProps {
  /** The add-ons to install. @default PLATFORM_HELM_ADDONS */
  readonly addOns?: readonly HelmAddOn[];
  /** Contact address given to Let's Encrypt. @default `certificates@<environment base domain>` */
  readonly acmeEmail?: string;
}

/** Folder of the operator configuration that needs the add-ons' CRDs (ClusterIssuers). */
export const OPERATOR_CONFIG_FOLDER = 'operator-config';

/**
 * The platform's Helm add-ons, one pinned Application per add-on and cluster, in the app-of-apps
 * folder (argocd/addons.yaml) and the operators wave; plus the ACME ClusterIssuers in their own folder.
 * Edge sites get only the add-ons whose profiles include `edge`; Karpenter only AWS clusters.
 */
export class HelmAddOnsAddOn implements PlatformAddOn {
  public readonly name = 'helm-addons';
  constructor(private readonly props: HelmAddOnsProps = {}) {}

  public deploy(ctx: PlatformContext): void {
    const chart = appOfAppsFolder(ctx.output).manifest('addons');
    const hub = hubCluster(ctx.environment);
    for (const cluster of ctx.environment.clusters) {
      const isHub = cluster === hub;
      const profile = clusterProfile(cluster);
      for (const addOn of this.props.addOns ?? PLATFORM_HELM_ADDONS) {
        if (!addOnApplies(addOn, cluster, profile, isHub)) continue;
        const name = `${cluster.name}-${addOn.name}`;
        new HelmApplication(chart, name, {
          name,
          chart: addOn.chart,
          namespace: addOn.namespace,
          releaseName: addOn.releaseName ?? addOn.name,
          values: addOn.values({ platform: ctx.platform, environment: ctx.environment, cluster, hub: isHub, backups: ctx.backups }) as Record<string, unknown>,
          syncWave: SyncWave.operators,
          destinationName: destinationName(ctx.environment, cluster),
          labels: { [Labels.costCenter]: 'platform', 'ceres.io/cluster': cluster.name, 'ceres.io/addon': addOn.name },
        });
      }
    }

    const config = ctx.output.folder(OPERATOR_CONFIG_FOLDER, {
      description: 'Configuration of the operators that needs their CRDs: ACME ClusterIssuers',
      syncWave: SyncWave.operatorConfig,
      labels: { [Labels.costCenter]: 'platform' },
    });
    const issuers = config.manifest('cluster-issuers');
    const email = this.props.acmeEmail ?? `certificates@${ctx.environment.baseDomain}`;
    new AcmeClusterIssuer(issuers, 'production', { name: ClusterIssuers.production, server: AcmeServers.production, email });
    new AcmeClusterIssuer(issuers, 'staging', { name: ClusterIssuers.staging, server: AcmeServers.staging, email });
  }
}
