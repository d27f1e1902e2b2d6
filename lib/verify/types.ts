import { PlatformCatalog } from '../core/addon';
import { KubeManifest } from '../core/checks';
import { Flow } from '../core/flows';
import { ClusterConfig, EnvironmentConfig, PlatformConfig } from '../core/model';

/**
 * The contracts of `npm run verify`: what one cluster converges to (its desired state), the checks
 * run over it, and what they report. Checks never read files or run programs; the runner builds
 * the state (rendering Helm releases when helm and the charts are at hand) and hands it over.
 */

/** One problem, located, with what to change. */
export interface Finding {
  /** The check that found it (`argocd/source-permitted`). */
  readonly check: string;
  /** The environment (`prod`). */
  readonly environment: string;
  /** The cluster whose desired state breaks; undefined for environment-wide findings. */
  readonly cluster?: string;
  /** Where the offending object comes from: a dist/ path, or `helm:<chart>@<version>` for a rendered release. */
  readonly file?: string;
  /** `Kind namespace/name` of the offending object. */
  readonly object?: string;
  /** What is wrong. */
  readonly message: string;
  /** What to change, naming the code or input to edit when we know it. */
  readonly fix: string;
  /** A warning is reported but does not fail verify (a support window ending soon). @default 'error' */
  readonly severity?: 'error' | 'warning';
}

/** An object a cluster ends up with, and where it comes from. */
export interface StateObject {
  /** The object as the cluster receives it. */
  readonly manifest: KubeManifest;
  /** dist/ path (`prod/tenant-acme-001/quota.yaml`) or `helm:<chart>@<version>/<template>` for a rendered release. */
  readonly file: string;
  /** The Argo CD Application that applies it (`prod-tenant-acme-001`, `kyverno`); the root Application for the app of apps. */
  readonly application: string;
  /** For objects of a Helm release: the release name. */
  readonly release?: string;
  /** A Helm hook (`pre-install`, `post-install`, `test`…); Argo CD runs some, ignores others. */
  readonly hook?: string;
}

/** A Helm release an Argo CD Application installs, read from the Application as Argo CD reads it. */
export interface HelmRelease {
  /** The Application object (in the cluster's app of apps). */
  readonly application: KubeManifest;
  /** dist/ path of the Application. */
  readonly file: string;
  /** Helm repository URL (or OCI registry path) of the chart. */
  readonly repoURL: string;
  /** Chart name. */
  readonly chart: string;
  /** Chart version (the Application's `targetRevision`). */
  readonly version: string;
  /** Helm release name (the Application's name when it sets none). */
  readonly releaseName: string;
  /** Namespace the release is installed into (the Application's destination). */
  readonly namespace: string;
  /** The values the Application passes (`valuesObject`). */
  readonly values: Readonly<Record<string, unknown>>;
  /**
   * For an Application whose source is a directory of upstream manifests (lib/core/addon.ts
   * GitManifests), not a chart: the directory and the kustomize JSON patches Argo CD applies. Such a
   * release's `chart` is the repository's name and `version` its tag.
   */
  readonly manifests?: { readonly path: string; readonly patches: readonly { readonly target?: Record<string, string>; readonly patch: string }[] };
  /** The objects `helm template` produced, when the chart could be rendered. */
  readonly rendered?: readonly StateObject[];
  /**
   * Objects that two renders of the release give differently: the chart builds them from random
   * values, generated keys or the time. @default none
   */
  readonly unstable?: readonly ObjectRef[];
  /** Why it was not rendered (no helm, chart missing…), when it was not. */
  readonly skipped?: string;
  /** The chart is present but `helm template` refused our values or the cluster's version (what Argo CD would report). */
  readonly failed?: string;
}

/** An object by kind, namespace and name. */
export interface ObjectRef {
  /** Its kind. */
  readonly kind: string;
  /** Its namespace (absent for a cluster-scoped object). */
  readonly namespace?: string;
  /** Its name. */
  readonly name: string;
}

/** What one cluster converges to. */
export interface ClusterState {
  /** The platform description. */
  readonly platform: PlatformConfig;
  /** The environment the cluster belongs to. */
  readonly environment: EnvironmentConfig;
  /** The cluster (cloud, profile, Kubernetes version). */
  readonly cluster: ClusterConfig;
  /** The objects of the dist/ folders the cluster syncs (its app of apps included). */
  readonly objects: readonly StateObject[];
  /** The Helm releases its Argo CD installs. */
  readonly releases: readonly HelmRelease[];
  /** The flows the add-ons declare for this cluster. */
  readonly flows: readonly Flow[];
}

/** Everything checks may consult besides one cluster's state. */
export interface VerifyContext {
  /** The platform description. */
  readonly platform: PlatformConfig;
  /** Every add-on's charts and namespaces. */
  readonly catalog: PlatformCatalog;
  /** Every cluster's state, for cross-cluster checks. */
  readonly clusters: readonly ClusterState[];
  /** `terraform/<stack>/cdk.tf.json` → parsed Terraform JSON. */
  readonly terraform: ReadonlyMap<string, unknown>;
  /** The day support windows are judged on (YYYY-MM-DD); tests pin it. */
  readonly asOf: string;
}

/** One check of `npm run verify`. */
export interface VerifyCheck {
  /** `<area>/<what>` (`argocd/source-permitted`). */
  readonly name: string;
  /** One line: what it proves. */
  readonly description: string;
  /** Runs over one cluster's state. */
  run(state: ClusterState, ctx: VerifyContext): readonly Finding[];
}

/** `Kind namespace/name` of a manifest. */
export function describeManifest(m: KubeManifest): string {
  const ns = m.metadata.namespace ? `${m.metadata.namespace}/` : '';
  return `${m.kind} ${ns}${m.metadata.name ?? '(unnamed)'}`;
}

/** A finding of a check on one cluster, located at a state object (or at the cluster itself). */
export function findingAt(check: string, state: ClusterState, o: StateObject | undefined, message: string, fix: string, severity?: 'warning'): Finding {
  return {
    check,
    environment: state.environment.name,
    cluster: state.cluster.name,
    ...(o ? { file: o.file, object: describeManifest(o.manifest) } : {}),
    message,
    fix,
    ...(severity ? { severity } : {}),
  };
}
