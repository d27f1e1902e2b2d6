import { ClusterState, Finding, HelmRelease, ObjectRef, VerifyCheck } from '../types';
import { kubernetesVersions, terraformPreflight } from './versions';
import { tenantCapacity } from './capacity';
import { certificatesIssuable } from './certificates';
import { flowChecks } from './flows';
import { argocdChecks } from './argocd';
import { admissionChecks } from './admission';
import { identityChecks } from './identity';
import { realmCheck } from './realms';
import { keycloakCheck } from './keycloak';
import { monitorsSelected } from './monitoring';
import { meshChartRoutes, meshSharedTrust } from './mesh';
import { replicaSourcesCheck } from './replicas';
import { failoverRecordsCheck } from './traffic';

/** A release whose chart is present but does not render with our values is what Argo CD would show as a failed sync. */
/** A finding on a release, reported at its Application. */
function releaseFinding(check: string, state: ClusterState, r: HelmRelease, message: string, fix: string): Finding {
  return {
    check,
    environment: state.environment.name,
    cluster: state.cluster.name,
    file: r.file,
    object: `Application argocd/${r.application.metadata.name}`,
    message,
    fix,
  };
}

export const helmRenders: VerifyCheck = {
  name: 'helm/renders',
  description: "every Helm release whose chart is at hand renders with our values and the cluster's Kubernetes version",
  run: (state) =>
    state.releases
      .filter((r) => r.failed)
      .map((r) =>
        releaseFinding(
          'helm/renders',
          state,
          r,
          `helm template ${r.chart}@${r.version} fails: ${r.failed}`,
          `change the values of the ${r.chart} chart (lib/) or pin a chart version that supports Kubernetes ${state.cluster.kubernetesVersion}`,
        ),
      ),
};

/**
 * A release whose rendered objects differ from one `helm template` to the next never stays in sync:
 * Argo CD renders the chart again on every refresh, sees the object changed, and each sync replaces
 * it (a generated password or key changes under whoever uses it). Unless the Application ignores
 * those differences (an `ignoreDifferences` entry naming the object's kind, and its name and
 * namespace where it gives them).
 */
export const helmStable: VerifyCheck = {
  name: 'helm/stable-render',
  description:
    'every Helm release renders the same objects each time (no random values, generated keys or timestamps Argo CD would see change on every refresh)',
  run: (state) =>
    state.releases.flatMap((r) => {
      const ignored: Partial<ObjectRef>[] = r.application.spec?.ignoreDifferences ?? [];
      return (r.unstable ?? [])
        .filter((o) => !ignored.some((i) => i.kind === o.kind && (i.name ?? o.name) === o.name && (i.namespace ?? o.namespace) === o.namespace))
        .map((o) =>
          releaseFinding(
            'helm/stable-render',
            state,
            r,
            `${r.chart}@${r.version} renders ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} differently each time (random or generated values made at render time): Argo CD would show it out of sync on every refresh and replace it on every sync`,
            'give the chart the value it generates (an existing Secret, a fixed key) in its values (lib/), or ignore the field in the Application (HelmChart.ignoreDifferences) where a controller owns it',
          ),
        );
    }),
};

/** Every check of `npm run verify`, in the order they report. */
export function verifyChecks(): VerifyCheck[] {
  return [
    helmRenders,
    helmStable,
    ...argocdChecks,
    ...admissionChecks,
    ...flowChecks,
    ...identityChecks,
    realmCheck,
    keycloakCheck,
    replicaSourcesCheck,
    failoverRecordsCheck,
    monitorsSelected,
    meshSharedTrust,
    meshChartRoutes,
    tenantCapacity,
    certificatesIssuable,
    kubernetesVersions,
    terraformPreflight,
  ];
}
