import { k8s } from 'cdk8s-plus-28';
import { PlatformAddOn, PlatformContext } from '../../../lib/core/addon';
import { tenantNames } from '../../../lib/core/names';
import { PlatformNamespaces } from '../../../lib/core/namespaces';
import { serviceAccountName, workloadName } from '../../../lib/core/services';

/**
 * A stand-in for the workloads add-on, rendering only what the mesh checks look at: per version a
 * Deployment with pod labels app/version, the ServiceAccount and the Service (none for Flagger
 * services: Flagger creates them). Lets the mesh tests run whether or not the real add-on exists.
 */
export class MinimalWorkloadsAddOn implements PlatformAddOn {
  public readonly name = 'minimal-workloads';

  public deploy(ctx: PlatformContext): void {
    const folders = new Map<string, string>([[PlatformNamespaces.core, 'core']]);
    for (const t of ctx.tenants) folders.set(tenantNames(t.tenantId).namespace, tenantNames(t.tenantId).folder);
    for (const svc of ctx.services.services) {
      const folder = folders.get(svc.namespace);
      if (!folder) continue;
      const chart = ctx.output.folder(folder).manifest('test-workloads', { namespace: svc.namespace });
      const sa = serviceAccountName(svc);
      if (!chart.node.tryFindChild(`sa-${sa}`)) new k8s.KubeServiceAccount(chart, `sa-${sa}`, { metadata: { name: sa, namespace: svc.namespace } });
      for (const v of svc.versions) {
        const name = workloadName(svc, v);
        const labels = { app: svc.name, version: v.name };
        new k8s.KubeDeployment(chart, `deploy-${name}`, {
          metadata: { name, namespace: svc.namespace },
          spec: {
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { serviceAccountName: sa, containers: [{ name: 'app', image: v.image }] } },
          },
        });
      }
      if (svc.rollout !== 'flagger') {
        new k8s.KubeService(chart, `svc-${svc.name}`, {
          metadata: { name: svc.name, namespace: svc.namespace },
          spec: { selector: { app: svc.name }, ports: [{ name: 'http', port: svc.port, targetPort: k8s.IntOrString.fromNumber(svc.port) }] },
        });
      }
    }
  }
}
