import { VerifyCheck } from '../types';
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
export const helmRenders: VerifyCheck = {
  name: 'helm/renders',
  description: "every Helm release whose chart is at hand renders with our values and the cluster's Kubernetes version",
  run: (state) =>
    state.releases
      .filter((r) => r.failed)
      .map((r) => ({
        check: 'helm/renders',
        environment: state.environment.name,
        cluster: state.cluster.name,
        file: r.file,
        object: `Application argocd/${r.application.metadata.name}`,
        message: `helm template ${r.chart}@${r.version} fails: ${r.failed}`,
        fix: `change the values of the ${r.chart} chart (lib/) or pin a chart version that supports Kubernetes ${state.cluster.kubernetesVersion}`,
      })),
};

/** Every check of `npm run verify`, in the order they report. */
export function verifyChecks(): VerifyCheck[] {
  return [
    helmRenders,
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
