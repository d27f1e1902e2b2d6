import { KubeManifest } from '../../core/checks';
import { dataEndpoints, isProvisioned, networkPlan, privateZone, ProvisionedCloud, stackName, workloadIdentities } from '../../core/cloud';
import { AZURE_CLIENT_ID_FROM_ANNOTATION } from '../../core/secret-store';
import { PlatformNamespaces } from '../../core/namespaces';
import { EXTERNAL_SECRETS_CONTROLLER_SERVICE_ACCOUNT } from '../../secrets';
import { allObjects } from '../state';
import { ClusterState, describeManifest, Finding, HelmRelease, StateObject, VerifyCheck, VerifyContext } from '../types';
import { AddressRange, cidrRange, hostSubsetOf, ipBlockRanges, rangeCovered, rangesOverlap } from './flows';

/**
 * `npm run verify`: what crosses the boundary between the Terraform stacks and the Kubernetes state
 * of a cluster, checked from both sides.
 *
 * - `identity/service-accounts`: every workload identity a stack grants (EKS Pod Identity
 *   associations, IRSA trust policies, GKE Workload Identity members, Azure federated credentials)
 *   names a ServiceAccount the cluster has, bound the way the mechanism needs; every ServiceAccount
 *   annotated for a cloud identity names one the cluster's stack creates and that trusts it.
 * - `identity/object-stores`: the buckets and containers Velero and CloudNativePG write to exist in
 *   the stack of their cloud, and the identity writing is granted access there.
 * - `identity/endpoints`: the data host names and data subnets workloads are given are those the
 *   stack creates (and those lib/core/cloud.ts promises).
 *
 * Terraform JSON leaves references unresolved (`${aws_iam_role.velero_role_1A2B.arn}`); they are
 * compared by resource address, literals by name. The stack of a cluster is
 * `terraform/<environment>-<cloud>/cdk.tf.json` (lib/infra/names.ts stackName); edge sites have none.
 */

type Dict = Readonly<Record<string, string>>;
type Emit = Omit<Finding, 'check' | 'environment' | 'cluster'>;

// =============================================================================================
// Terraform JSON

export interface TfResource {
  /** `aws_iam_role`, or `data.aws_iam_policy_document` for a data source. */
  readonly type: string;
  /** Resource name in the stack (cdktf's unique id, `velero-role_B6CC86EE`). */
  readonly name: string;
  /** `aws_iam_role.workload-roles_velero-role_B6CC86EE`. */
  readonly address: string;
  /** The resource's attributes as written in the Terraform JSON (references unresolved). */
  readonly body: any;
}

export interface TfStack {
  /** `terraform/prod-aws/cdk.tf.json` (the key of VerifyContext.terraform, and the dist/ path). */
  readonly file: string;
  /** Every resource and data source of the stack. */
  readonly resources: readonly TfResource[];
  /** The same, by address. */
  readonly byAddress: ReadonlyMap<string, TfResource>;
  /** Region of the default provider, when literal. */
  readonly region?: string;
  /** Region per provider alias (`aws.backup_replica`). */
  readonly providerRegions: ReadonlyMap<string, string>;
  /** The stack's outputs, by name. */
  readonly outputs?: Readonly<Record<string, any>>;
}

export function parseStack(file: string, json: any): TfStack {
  const resources: TfResource[] = [];
  for (const [type, byName] of Object.entries<any>(json?.resource ?? {})) {
    for (const [name, body] of Object.entries<any>(byName ?? {})) resources.push({ type, name, address: `${type}.${name}`, body });
  }
  for (const [type, byName] of Object.entries<any>(json?.data ?? {})) {
    for (const [name, body] of Object.entries<any>(byName ?? {})) resources.push({ type: `data.${type}`, name, address: `data.${type}.${name}`, body });
  }
  const providerRegions = new Map<string, string>();
  let region: string | undefined;
  for (const [type, configs] of Object.entries<any>(json?.provider ?? {})) {
    for (const c of Array.isArray(configs) ? configs : [configs]) {
      const r = c?.region ?? c?.location;
      if (typeof r !== 'string' || r.includes('${')) continue;
      if (c.alias) providerRegions.set(`${type}.${c.alias}`, r);
      else {
        providerRegions.set(type, r);
        region ??= r;
      }
    }
  }
  return { file, resources, byAddress: new Map(resources.map((r) => [r.address, r])), region, providerRegions, outputs: json?.output ?? {} };
}

/** The stack of a cluster's cloud in its environment, when the context has it. */
export function stackFor(ctx: VerifyContext, environment: string, cloud: ProvisionedCloud): TfStack | undefined {
  const file = `terraform/${stackName(environment, cloud)}/cdk.tf.json`;
  const json = ctx.terraform.get(file);
  return json === undefined ? undefined : parseStack(file, json);
}

/** Resource addresses a Terraform expression refers to (`${aws_iam_role.x.arn}` → `aws_iam_role.x`). */
export function references(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  const out: string[] = [];
  for (const m of value.matchAll(/\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)/g)) out.push(`${m[1] ?? ''}${m[2]}.${m[3]}`);
  return out;
}

function referenced(stack: TfStack, value: unknown, type: string): TfResource | undefined {
  for (const a of references(value)) {
    const r = stack.byAddress.get(a);
    if (r && r.type === type) return r;
  }
  return undefined;
}

const literal = (v: unknown): string | undefined => (typeof v === 'string' && !v.includes('${') ? v : undefined);
const ofType = (stack: TfStack, type: string) => stack.resources.filter((r) => r.type === type);
const asArray = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined || v === null ? [] : Array.isArray(v) ? [...v] : [v as T]);

function parseJson(v: unknown): any {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** Glob match as IAM does on actions and resources (`*` any run, `?` one character; actions case-insensitive). */
function iamGlob(pattern: string, value: string, ignoreCase = false): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    ignoreCase ? 'i' : '',
  );
  return re.test(value);
}

function providerRegion(stack: TfStack, r: TfResource): string | undefined {
  const p = literal(r.body?.provider);
  return p ? stack.providerRegions.get(p) : stack.region;
}

// =============================================================================================
// Grants: the workload identities a stack binds to Kubernetes ServiceAccounts

export type GrantMechanism = 'eks-pod-identity' | 'irsa' | 'gke-workload-identity' | 'gke-principal' | 'azure-federated';

export interface Grant {
  /** How the ServiceAccount gets the identity (EKS Pod Identity, IRSA, GKE Workload Identity or a direct principal grant, an Azure federated credential). */
  readonly mechanism: GrantMechanism;
  /** Namespace of the ServiceAccount the grant names. */
  readonly namespace: string;
  /** May be `*` (an IRSA StringLike condition). */
  readonly serviceAccount: string;
  /** The cloud identity: an aws_iam_role, google_service_account, azurerm_user_assigned_identity (absent for a direct GKE principal grant). */
  readonly identity?: TfResource;
  /** The resource that grants it. */
  readonly via: TfResource;
  /**
   * The stack variable holding the OIDC issuer the grant trusts when it is not the stack's own
   * cluster's: a ServiceAccount of another cluster (a database site reading this cluster's archive,
   * variable `oidc_issuer_<cluster>` of lib/core/database-topology.ts). Undefined for the own cluster.
   */
  readonly issuerVariable?: string;
}

/** `${var.NAME}` → NAME. */
function variableOf(value: unknown): string | undefined {
  return /^\$\{var\.([A-Za-z0-9_-]+)\}$/.exec(typeof value === 'string' ? value : '')?.[1];
}

/** The issuer variable of the OIDC provider an IRSA trust policy federates with, when the provider's URL is a variable. */
function foreignIssuerOfRole(stack: TfStack, role: TfResource): string | undefined {
  for (const s of policyStatements(stack, role.body?.assume_role_policy)) {
    for (const f of s.principals.Federated ?? []) {
      const provider = referenced(stack, f, 'aws_iam_openid_connect_provider');
      const v = provider && variableOf(provider.body.url);
      if (v) return v;
    }
  }
  return undefined;
}

const SA_SUBJECT = /^system:serviceaccount:([^:]+):(.+)$/;
const GKE_MEMBER = /^serviceAccount:(.+)\.svc\.id\.goog\[([^/\]]+)\/([^\]]+)\]$/;
const GKE_PRINCIPAL =
  /^principal(?:Set)?:\/\/iam\.googleapis\.com\/projects\/[^/]+\/locations\/global\/workloadIdentityPools\/[^/]+\/subject\/ns\/([^/]+)\/sa\/([^/]+)$/;

/** The statements of an IAM policy document: JSON (string or object) or a `data.aws_iam_policy_document` it refers to. */
function policyStatements(
  stack: TfStack,
  policy: unknown,
): { effect: string; actions: string[]; resources: string[]; principals: Record<string, string[]>; conditionValues: string[] }[] {
  const doc = referenced(stack, policy, 'data.aws_iam_policy_document');
  if (doc) {
    return asArray<any>(doc.body.statement).map((s) => ({
      effect: s.effect ?? 'Allow',
      actions: asArray<string>(s.actions),
      resources: asArray<string>(s.resources),
      principals: Object.fromEntries(asArray<any>(s.principals).map((p) => [p.type, asArray<string>(p.identifiers)])),
      conditionValues: asArray<any>(s.condition).flatMap((c) => asArray<string>(c.values)),
    }));
  }
  const parsed = parseJson(policy);
  return asArray<any>(parsed?.Statement).map((s) => ({
    effect: s.Effect ?? 'Allow',
    actions: asArray<string>(s.Action),
    resources: asArray<string>(s.Resource),
    principals:
      typeof s.Principal === 'object' && s.Principal ? Object.fromEntries(Object.entries<any>(s.Principal).map(([k, v]) => [k, asArray<string>(v)])) : {},
    conditionValues: Object.values<any>(s.Condition ?? {}).flatMap((byKey) => Object.values<any>(byKey ?? {}).flatMap((v) => asArray<string>(v))),
  }));
}

/** Whether an IAM role's trust policy lets EKS Pod Identity assume it (principal pods.eks.amazonaws.com, sts:AssumeRole and sts:TagSession). */
export function trustsPodIdentity(stack: TfStack, role: TfResource): boolean {
  return policyStatements(stack, role.body?.assume_role_policy).some(
    (s) =>
      s.effect === 'Allow' &&
      (s.principals.Service ?? []).includes('pods.eks.amazonaws.com') &&
      ['sts:AssumeRole', 'sts:TagSession'].every((a) => s.actions.some((x) => iamGlob(x, a, true))),
  );
}

/** The ServiceAccounts an IAM role's trust policy admits through IRSA (sts:AssumeRoleWithWebIdentity, `<oidc>:sub` = system:serviceaccount:<ns>:<sa>). */
export function irsaSubjects(stack: TfStack, role: TfResource): { namespace: string; serviceAccount: string }[] {
  const out: { namespace: string; serviceAccount: string }[] = [];
  for (const s of policyStatements(stack, role.body?.assume_role_policy)) {
    if (s.effect !== 'Allow' || !s.actions.some((a) => iamGlob(a, 'sts:AssumeRoleWithWebIdentity', true)) || !(s.principals.Federated ?? []).length) continue;
    for (const v of s.conditionValues) {
      const m = SA_SUBJECT.exec(v);
      if (m) out.push({ namespace: m[1], serviceAccount: m[2] });
    }
  }
  return out;
}

export function grantsOf(stack: TfStack): Grant[] {
  const out: Grant[] = [];
  for (const r of ofType(stack, 'aws_eks_pod_identity_association')) {
    const ns = literal(r.body.namespace);
    const sa = literal(r.body.service_account);
    if (!ns || !sa) continue;
    const role = referenced(stack, r.body.role_arn, 'aws_iam_role') ?? roleByArn(stack, literal(r.body.role_arn));
    out.push({ mechanism: 'eks-pod-identity', namespace: ns, serviceAccount: sa, identity: role, via: r });
  }
  for (const role of ofType(stack, 'aws_iam_role')) {
    const issuerVariable = foreignIssuerOfRole(stack, role);
    for (const s of irsaSubjects(stack, role))
      out.push({ mechanism: 'irsa', namespace: s.namespace, serviceAccount: s.serviceAccount, identity: role, via: role, issuerVariable });
  }
  for (const r of [...ofType(stack, 'google_service_account_iam_member'), ...ofType(stack, 'google_service_account_iam_binding')]) {
    if (literal(r.body.role) !== 'roles/iam.workloadIdentityUser') continue;
    const gsa =
      referenced(stack, r.body.service_account_id, 'google_service_account') ?? gsaByEmail(stack, literal(r.body.service_account_id)?.split('/').pop());
    for (const member of [...asArray<string>(r.body.member), ...asArray<string>(r.body.members)]) {
      const m = GKE_MEMBER.exec(member);
      if (m) out.push({ mechanism: 'gke-workload-identity', namespace: m[2], serviceAccount: m[3], identity: gsa, via: r });
    }
  }
  for (const r of stack.resources.filter((x) => /^google_.*_iam_(member|binding)$/.test(x.type))) {
    for (const member of [...asArray<string>(r.body.member), ...asArray<string>(r.body.members)]) {
      const m = GKE_PRINCIPAL.exec(member);
      if (m) out.push({ mechanism: 'gke-principal', namespace: m[1], serviceAccount: m[2], via: r });
    }
  }
  for (const r of ofType(stack, 'azurerm_federated_identity_credential')) {
    const m = SA_SUBJECT.exec(literal(r.body.subject) ?? '');
    if (!m) continue;
    out.push({
      mechanism: 'azure-federated',
      namespace: m[1],
      serviceAccount: m[2],
      identity: referenced(stack, r.body.parent_id, 'azurerm_user_assigned_identity'),
      via: r,
      issuerVariable: variableOf(r.body.issuer),
    });
  }
  return out;
}

function roleByArn(stack: TfStack, arn: string | undefined): TfResource | undefined {
  const name = arn ? roleNameOfArn(arn) : undefined;
  return name ? ofType(stack, 'aws_iam_role').find((r) => literal(r.body.name) === name) : undefined;
}

/** `arn:aws:iam::123456789012:role/path/name` → `name`. */
export function roleNameOfArn(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:iam::[^:]*:role\/(?:.*\/)?([^/]+)$/.exec(arn.trim());
  return m?.[1];
}

function gsaByEmail(stack: TfStack, email: string | undefined): TfResource | undefined {
  const local = email?.split('@')[0];
  return local ? ofType(stack, 'google_service_account').find((r) => literal(r.body.account_id) === local) : undefined;
}

function identityName(r: TfResource | undefined): string {
  if (!r) return '(unresolved identity)';
  const n = literal(r.body?.name) ?? literal(r.body?.account_id);
  return n ? `${r.address} (${n})` : r.address;
}

const MECHANISM_TEXT: Record<GrantMechanism, string> = {
  'eks-pod-identity': 'EKS Pod Identity association',
  irsa: 'IRSA trust policy',
  'gke-workload-identity': 'GKE Workload Identity (roles/iam.workloadIdentityUser)',
  'gke-principal': 'GKE Workload Identity Federation principal grant',
  'azure-federated': 'Azure federated identity credential',
};

// =============================================================================================
// ServiceAccounts of a cluster state

export interface ServiceAccountRef {
  /** Namespace of the ServiceAccount. */
  readonly namespace: string;
  /** ServiceAccount name. */
  readonly name: string;
  /** Its annotations (IRSA's role ARN, GKE's service account e-mail). */
  readonly annotations: Dict;
  /** dist/ path of the object, or of the Application of a release not rendered; '' for a namespace's `default` ServiceAccount. */
  readonly file: string;
  /** `ServiceAccount namespace/name`, for messages. */
  readonly object: string;
  /** How we know it exists (shown in findings). */
  readonly how: string;
}

/**
 * Where charts not rendered here create their ServiceAccounts, read from each chart's
 * `_helpers.tpl` (`<chart>.serviceAccountName`: `default (include "<chart>.fullname" .) .Values.serviceAccount.name`
 * when `create`; velero's `velero.serverServiceAccount`: `<fullname>-server` from `serviceAccount.server`).
 */
const CHART_SERVICE_ACCOUNTS: Readonly<Record<string, { readonly path: readonly string[]; readonly defaultName: (fullname: string) => string }>> = {
  velero: { path: ['serviceAccount', 'server'], defaultName: (f) => `${f}-server` },
  'cert-manager': { path: ['serviceAccount'], defaultName: (f) => f },
  karpenter: { path: ['serviceAccount'], defaultName: (f) => f },
  'external-dns': { path: ['serviceAccount'], defaultName: (f) => f },
  'cloudnative-pg': { path: ['serviceAccount'], defaultName: (f) => f },
};

/** Helm's `<chart>.fullname` convention (`helm create`): fullnameOverride, else the release name when it contains the chart name, else `<release>-<chart>`. */
export function helmFullname(release: Pick<HelmRelease, 'chart' | 'releaseName' | 'values'>): string {
  const v: any = release.values ?? {};
  if (v.fullnameOverride) return String(v.fullnameOverride).slice(0, 63).replace(/-$/, '');
  const name = v.nameOverride ?? release.chart;
  return (release.releaseName.includes(name) ? release.releaseName : `${release.releaseName}-${name}`).slice(0, 63).replace(/-$/, '');
}

function at(values: any, path: readonly string[]): any {
  return path.reduce((v, k) => (v && typeof v === 'object' ? v[k] : undefined), values);
}

/** The ServiceAccount a release not rendered creates, read from its values (and the chart's default name when we know the chart). */
export function releaseServiceAccount(release: HelmRelease): ServiceAccountRef | undefined {
  const known = CHART_SERVICE_ACCOUNTS[release.chart];
  const path = known?.path ?? ['serviceAccount'];
  const sa = at(release.values, path) ?? {};
  const where = `values ${path.join('.')} of the ${release.chart} release ${release.releaseName}`;
  const base = { namespace: release.namespace, file: release.file, annotations: (sa.annotations ?? {}) as Dict };
  if (known) {
    if (sa.create === false) return undefined;
    const name = sa.name ?? known.defaultName(helmFullname(release));
    return {
      ...base,
      name,
      object: `ServiceAccount ${release.namespace}/${name}`,
      how: sa.name ? where : `the ${release.chart} chart's default name (${where} set no name)`,
    };
  }
  if (sa.create === true && sa.name) return { ...base, name: sa.name, object: `ServiceAccount ${release.namespace}/${sa.name}`, how: where };
  return undefined;
}

/** Namespaces every cluster has without anyone rendering them. */
const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * Every ServiceAccount a cluster ends up with: ServiceAccount objects (dist/ and rendered releases),
 * those releases not rendered create (from their values), those CloudNativePG creates for each
 * Cluster (named after it, annotated from `spec.serviceAccountTemplate`), and `default` in every
 * namespace.
 */
export function serviceAccountsOf(state: ClusterState): ServiceAccountRef[] {
  const objects = allObjects(state);
  const out: ServiceAccountRef[] = [];
  const seen = new Set<string>();
  const add = (sa: ServiceAccountRef) => {
    const key = `${sa.namespace}/${sa.name}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(sa);
  };
  for (const o of objects) {
    const m = o.manifest;
    if (m.kind === 'ServiceAccount' && m.apiVersion === 'v1') {
      add({
        namespace: m.metadata.namespace ?? 'default',
        name: m.metadata.name!,
        annotations: m.metadata.annotations ?? {},
        file: o.file,
        object: describeManifest(m),
        how: `${describeManifest(m)} (${o.file})`,
      });
    }
  }
  for (const o of objects) {
    const m = o.manifest;
    if (m.kind === 'Cluster' && m.apiVersion.startsWith('postgresql.cnpg.io/')) {
      add({
        namespace: m.metadata.namespace ?? 'default',
        name: m.metadata.name!,
        annotations: m.spec?.serviceAccountTemplate?.metadata?.annotations ?? {},
        file: o.file,
        object: describeManifest(m),
        how: `the CloudNativePG operator, for ${describeManifest(m)} (annotations from spec.serviceAccountTemplate)`,
      });
    }
  }
  for (const r of state.releases) {
    if (r.rendered) continue;
    const sa = releaseServiceAccount(r);
    if (sa) add(sa);
  }
  const namespaces = new Set<string>(BUILTIN_NAMESPACES);
  for (const o of objects) if (o.manifest.kind === 'Namespace' && o.manifest.apiVersion === 'v1') namespaces.add(o.manifest.metadata.name!);
  for (const r of state.releases) namespaces.add(r.namespace);
  for (const ns of namespaces)
    add({ namespace: ns, name: 'default', annotations: {}, file: '', object: `ServiceAccount ${ns}/default`, how: 'Kubernetes (every namespace has one)' });
  return out;
}

// =============================================================================================
// identity/service-accounts

const ANNOTATIONS = {
  aws: 'eks.amazonaws.com/role-arn',
  gcp: 'iam.gke.io/gcp-service-account',
  azure: 'azure.workload.identity/client-id',
} as const;

/**
 * The Azure workload identity webhook needs the `azure.workload.identity/use: "true"` pod label; the
 * client id may come from the ServiceAccount annotation or from the pods' own AZURE_CLIENT_ID
 * (docs/book/src/topics/service-account-labels-and-annotations.md: every annotation is optional).
 * True when the pods running as the ServiceAccount (rendered templates, or the values of a release
 * into its namespace) carry both the label and the variable.
 */
function azureClientIdFromEnv(state: ClusterState, namespace: string, serviceAccount: string): boolean {
  const hasBoth = (text: string) => text.includes('"AZURE_CLIENT_ID"') && /"azure\.workload\.identity\/use":"true"/.test(text);
  const templates = allObjects(state)
    .filter((o) => o.manifest.metadata.namespace === namespace && ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'Pod'].includes(o.manifest.kind))
    .map((o) => (o.manifest.kind === 'Pod' ? o.manifest : o.manifest.spec?.template))
    .filter((t) => (t?.spec?.serviceAccountName ?? 'default') === serviceAccount);
  if (templates.some((t) => hasBoth(JSON.stringify(t)))) return true;
  // CloudNativePG instances: the Cluster's spec.env and spec.inheritedMetadata reach every instance pod.
  const cnpg = allObjects(state).find(
    (o) =>
      o.manifest.kind === 'Cluster' &&
      o.manifest.apiVersion.startsWith('postgresql.cnpg.io/') &&
      o.manifest.metadata.namespace === namespace &&
      o.manifest.metadata.name === serviceAccount,
  );
  if (cnpg && hasBoth(JSON.stringify({ env: cnpg.manifest.spec?.env, labels: cnpg.manifest.spec?.inheritedMetadata?.labels }))) return true;
  return state.releases.some((r) => r.namespace === namespace && !r.rendered && hasBoth(JSON.stringify(r.values)));
}

/**
 * The client id is set at bootstrap from a Terraform output (it exists only after apply): the
 * ServiceAccount names `<output>.<key>` in `ceres.io/azure-client-id-from`, and the stack has that output
 * with that key.
 */
function azureClientIdAtBootstrap(stack: TfStack, sa: ServiceAccountRef): boolean {
  const from = sa.annotations[AZURE_CLIENT_ID_FROM_ANNOTATION];
  if (!from) return false;
  const [output, ...rest] = from.split('.');
  const value = stack.outputs?.[output]?.value;
  return !!value && typeof value === 'object' && rest.join('.') in value;
}

function modelIdentitiesText(state: ClusterState): string {
  const postgres = allObjects(state)
    .filter((o) => o.manifest.kind === 'Cluster' && o.manifest.apiVersion.startsWith('postgresql.cnpg.io/'))
    .map((o) => ({ namespace: o.manifest.metadata.namespace ?? 'default', name: o.manifest.metadata.name! }));
  const karpenter = state.releases.some((r) => r.chart === 'karpenter');
  const ids = workloadIdentities(state.platform, state.environment, state.cluster, {
    postgres,
    karpenter,
    velero: state.releases.some((r) => r.chart === 'velero'),
  });
  return ids.length ? ` (lib/core/cloud.ts workloadIdentities binds: ${ids.map((i) => `${i.namespace}/${i.serviceAccount}`).join(', ')})` : '';
}

function matchSa(sas: readonly ServiceAccountRef[], namespace: string, name: string): ServiceAccountRef[] {
  return sas.filter((s) => s.namespace === namespace && (name === '*' || s.name === name || (name.includes('*') && iamGlob(name, s.name))));
}

/** Whether an `eks.amazonaws.com/role-arn` value names the role (by literal name, or by a reference to its address). */
function arnNamesRole(value: string, role: TfResource): boolean {
  if (references(value).includes(role.address)) return true;
  const name = roleNameOfArn(value);
  return !!name && name === literal(role.body?.name);
}

function gsaMatches(value: string, gsa: TfResource): boolean {
  if (references(value).includes(gsa.address)) return true;
  const local = value.split('@')[0];
  const id = literal(gsa.body?.account_id);
  return !!id && id === local;
}

export function serviceAccountFindings(state: ClusterState, ctx: VerifyContext): Emit[] {
  const cluster = state.cluster;
  if (!isProvisioned(cluster)) return [];
  const stack = stackFor(ctx, state.environment.name, cluster.cloud);
  const sas = serviceAccountsOf(state);
  const annotated = sas.filter((s) => Object.values(ANNOTATIONS).some((a) => s.annotations[a] !== undefined));
  if (!stack) {
    return annotated.map((s) => ({
      file: s.file,
      object: s.object,
      message: `${s.object} is annotated for a cloud identity, but the verify context has no Terraform stack terraform/${stackName(state.environment.name, cluster.cloud)}/cdk.tf.json for ${cluster.name}`,
      fix: 'synthesize the Terraform stacks with the manifests (npm run synth) before verifying',
    }));
  }
  const out: Emit[] = [];
  // Grants to another cluster's ServiceAccounts (archive readers) are checked by data/replica-sources.
  const grants = grantsOf(stack).filter((g) => !g.issuerVariable);

  // Terraform → Kubernetes: every grant names a ServiceAccount that exists and is bound.
  for (const g of grants) {
    const found = matchSa(sas, g.namespace, g.serviceAccount);
    const subject = `system:serviceaccount:${g.namespace}:${g.serviceAccount}`;
    if (!found.length) {
      const inNs = sas.filter((s) => s.namespace === g.namespace && s.name !== 'default').map((s) => s.name);
      out.push({
        file: stack.file,
        object: g.via.address,
        message:
          `${MECHANISM_TEXT[g.mechanism]} ${g.via.address} grants ${identityName(g.identity)} to ${subject}, but ${cluster.name} has no ServiceAccount ${g.namespace}/${g.serviceAccount}` +
          (inNs.length ? ` (ServiceAccounts of ${g.namespace}: ${inNs.join(', ')})` : ` (nothing in the state creates a ServiceAccount in ${g.namespace})`),
        fix: `bind the identity to the ServiceAccount the workload runs as: name it in lib/infra (from lib/core/cloud.ts workloadIdentities, not a second list)${modelIdentitiesText(state)}, or drop the grant if nothing needs it`,
      });
      continue;
    }
    for (const sa of found) {
      if (g.mechanism === 'irsa' && g.identity) {
        const value = sa.annotations[ANNOTATIONS.aws];
        if (!value || !arnNamesRole(value, g.identity)) {
          out.push({
            file: sa.file || stack.file,
            object: sa.object,
            message:
              `${identityName(g.identity)} trusts ${subject} through IRSA, but ${sa.object} (${sa.how}) ` +
              (value
                ? `names another role in ${ANNOTATIONS.aws}: ${value}`
                : `has no ${ANNOTATIONS.aws} annotation, so the EKS webhook gives its pods no web identity token for the role`),
            fix: `annotate the ServiceAccount with ${ANNOTATIONS.aws}: arn:aws:iam::<account>:role/${literal(g.identity.body?.name) ?? '<role name>'}`,
          });
        }
      }
      if (g.mechanism === 'gke-workload-identity' && g.identity) {
        const value = sa.annotations[ANNOTATIONS.gcp];
        if (!value || !gsaMatches(value, g.identity)) {
          out.push({
            file: sa.file || stack.file,
            object: sa.object,
            message:
              `${identityName(g.identity)} lets ${g.namespace}/${g.serviceAccount} impersonate it (roles/iam.workloadIdentityUser), but ${sa.object} (${sa.how}) ` +
              (value
                ? `names another Google service account in ${ANNOTATIONS.gcp}: ${value}`
                : `has no ${ANNOTATIONS.gcp} annotation, so GKE gives its pods the Kubernetes identity only`),
            fix: `annotate the ServiceAccount with ${ANNOTATIONS.gcp}: ${literal(g.identity.body?.account_id) ?? '<account id>'}@<project>.iam.gserviceaccount.com`,
          });
        }
      }
      if (
        g.mechanism === 'azure-federated' &&
        sa.annotations[ANNOTATIONS.azure] === undefined &&
        !azureClientIdFromEnv(state, sa.namespace, sa.name) &&
        !azureClientIdAtBootstrap(stack, sa)
      ) {
        out.push({
          file: sa.file || stack.file,
          object: sa.object,
          message: `${g.via.address} federates ${identityName(g.identity)} with ${subject}, but ${sa.object} (${sa.how}) has no ${ANNOTATIONS.azure} annotation, so the Azure workload identity webhook does not know which identity to exchange its token for`,
          fix: `annotate the ServiceAccount with ${ANNOTATIONS.azure} set to the identity's client id (Terraform output workload_identity_client_ids), and label its pods azure.workload.identity/use: "true"`,
        });
      }
      if (g.mechanism === 'eks-pod-identity' && g.identity && !trustsPodIdentity(stack, g.identity)) {
        out.push({
          file: stack.file,
          object: g.identity.address,
          message: `${g.via.address} associates ${identityName(g.identity)} with ${subject}, but the role's trust policy does not let pods.eks.amazonaws.com assume it (sts:AssumeRole and sts:TagSession)`,
          fix: 'trust the service principal pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession in the role',
        });
      }
    }
  }

  // Kubernetes → Terraform: every annotation names an identity the stack creates and that trusts the ServiceAccount.
  for (const sa of annotated) {
    for (const [cloud, key] of Object.entries(ANNOTATIONS) as [ProvisionedCloud, string][]) {
      const value = sa.annotations[key];
      if (value === undefined) continue;
      const subject = `system:serviceaccount:${sa.namespace}:${sa.name}`;
      if (cloud !== cluster.cloud) {
        out.push({
          file: sa.file,
          object: sa.object,
          message: `${sa.object} (${sa.how}) carries ${key} (${value}), a ${cloud} identity, on ${cluster.cloud} cluster ${cluster.name}: nothing on this cluster exchanges it`,
          fix: `use the ${cluster.cloud} binding (${ANNOTATIONS[cluster.cloud]}) for this cluster, or drop the annotation`,
        });
        continue;
      }
      if (cloud === 'aws') {
        const name = roleNameOfArn(value);
        const role = ofType(stack, 'aws_iam_role').find((r) => arnNamesRole(value, r));
        if (!role) {
          out.push({
            file: sa.file,
            object: sa.object,
            message: `${sa.object} (${sa.how}) names role ${name ?? value} in ${key}, which ${stack.file} does not create (its roles: ${ofType(
              stack,
              'aws_iam_role',
            )
              .map((r) => literal(r.body.name) ?? r.address)
              .join(', ')})`,
            fix: `name a role the stack creates for ${sa.namespace}/${sa.name}, or create it in lib/infra from lib/core/cloud.ts workloadIdentities`,
          });
        } else if (
          !irsaSubjects(stack, role).some((s) => s.namespace === sa.namespace && (s.serviceAccount === sa.name || iamGlob(s.serviceAccount, sa.name)))
        ) {
          const podIdentity = grants.some(
            (g) => g.mechanism === 'eks-pod-identity' && g.identity?.address === role.address && g.namespace === sa.namespace && g.serviceAccount === sa.name,
          );
          out.push({
            file: sa.file,
            object: sa.object,
            message:
              `${sa.object} (${sa.how}) names ${identityName(role)} in ${key}, but the role's trust policy admits no web identity for ${subject}` +
              (podIdentity
                ? ' (it is bound through an EKS Pod Identity association, which needs no annotation; the annotation makes the SDKs try AssumeRoleWithWebIdentity first, which STS refuses)'
                : ''),
            fix: podIdentity
              ? `drop the ${key} annotation (EKS Pod Identity binds the role)`
              : `add an IRSA statement for ${subject} to the role's trust policy, or drop the annotation`,
          });
        }
      }
      if (cloud === 'gcp') {
        const gsa = ofType(stack, 'google_service_account').find((r) => gsaMatches(value, r));
        if (!gsa) {
          out.push({
            file: sa.file,
            object: sa.object,
            message: `${sa.object} (${sa.how}) names Google service account ${value} in ${key}, which ${stack.file} does not create (its accounts: ${ofType(
              stack,
              'google_service_account',
            )
              .map((r) => literal(r.body.account_id) ?? r.address)
              .join(', ')})`,
            fix: `name a Google service account the stack creates for ${sa.namespace}/${sa.name}`,
          });
        } else if (
          !grants.some(
            (g) =>
              g.mechanism === 'gke-workload-identity' && g.identity?.address === gsa.address && g.namespace === sa.namespace && g.serviceAccount === sa.name,
          )
        ) {
          out.push({
            file: sa.file,
            object: sa.object,
            message: `${sa.object} (${sa.how}) names ${identityName(gsa)} in ${key}, but ${stack.file} grants roles/iam.workloadIdentityUser on it to no member ...svc.id.goog[${sa.namespace}/${sa.name}]`,
            fix: `grant roles/iam.workloadIdentityUser on ${gsa.address} to serviceAccount:<project>.svc.id.goog[${sa.namespace}/${sa.name}]`,
          });
        }
      }
      if (cloud === 'azure' && !grants.some((g) => g.mechanism === 'azure-federated' && g.namespace === sa.namespace && g.serviceAccount === sa.name)) {
        out.push({
          file: sa.file,
          object: sa.object,
          message: `${sa.object} (${sa.how}) asks for Azure workload identity (${key}: ${value}), but ${stack.file} federates no identity with ${subject}`,
          fix: `add an azurerm_federated_identity_credential with subject ${subject} to the identity it should use`,
        });
      }
    }
  }
  return out;
}

// =============================================================================================
// identity/object-stores

export interface ObjectStoreTarget {
  /** The cloud whose object store it is. */
  readonly cloud: ProvisionedCloud;
  /** S3 / GCS bucket; Azure container. */
  readonly bucket: string;
  /** Azure storage account. */
  readonly account?: string;
  /** Key prefix inside the bucket or container, without a trailing slash ('' for the root). */
  readonly prefix: string;
}

/** Where a Barman `destinationPath` points: `s3://bucket/path`, `gs://bucket/path`, `https://<account>.blob.core.windows.net/<container>/path`. */
export function parseDestinationPath(path: string): ObjectStoreTarget | undefined {
  let m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(path);
  if (m) return { cloud: 'aws', bucket: m[1], prefix: m[2].replace(/\/$/, '') };
  m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(path);
  if (m) return { cloud: 'gcp', bucket: m[1], prefix: m[2].replace(/\/$/, '') };
  m = /^https:\/\/([a-z0-9]+)\.blob\.core\.windows\.net\/([^/]+)\/?(.*)$/.exec(path);
  if (m) return { cloud: 'azure', account: m[1], bucket: m[2], prefix: m[3].replace(/\/$/, '') };
  return undefined;
}

function providerCloud(provider: unknown): ProvisionedCloud | undefined {
  const p = String(provider ?? '').replace(/^velero\.io\//, '');
  return p === 'aws' || p === 'gcp' || p === 'azure' ? p : undefined;
}

export interface BackupLocation {
  /** BackupStorageLocation name. */
  readonly name: string;
  /** Velero provider plugin (`aws`, `gcp`, `azure`). */
  readonly provider: string;
  /** The object store it writes to; undefined when the provider or bucket cannot be read. */
  readonly target?: ObjectStoreTarget;
  /** Namespace of the location (Velero's). */
  readonly namespace: string;
  /** Where it comes from: a dist/ path, or the Velero Application when its release is not rendered. */
  readonly file: string;
  /** The location, described for messages. */
  readonly object: string;
  /** The Velero release whose values configure it, when it is not rendered. */
  readonly release?: HelmRelease;
}

/** Velero BackupStorageLocations: objects of the state, and those the Velero releases not rendered configure (values `configuration.backupStorageLocation`). */
export function backupLocationsOf(state: ClusterState): BackupLocation[] {
  const out: BackupLocation[] = [];
  const toTarget = (provider: unknown, bucket: unknown, prefix: unknown, config: any): ObjectStoreTarget | undefined => {
    const cloud = providerCloud(provider);
    if (!cloud || typeof bucket !== 'string') return undefined;
    return { cloud, bucket, prefix: String(prefix ?? ''), account: cloud === 'azure' ? config?.storageAccount : undefined };
  };
  for (const o of allObjects(state)) {
    const m = o.manifest;
    if (m.kind !== 'BackupStorageLocation' || !m.apiVersion.startsWith('velero.io/')) continue;
    out.push({
      name: m.metadata.name!,
      provider: m.spec?.provider,
      target: toTarget(m.spec?.provider, m.spec?.objectStorage?.bucket, m.spec?.objectStorage?.prefix, m.spec?.config),
      namespace: m.metadata.namespace ?? 'velero',
      file: o.file,
      object: describeManifest(m),
    });
  }
  for (const r of state.releases) {
    if (r.chart !== 'velero' || r.rendered) continue;
    const configured = (r.values as any)?.configuration?.backupStorageLocation;
    for (const b of asArray<any>(configured)) {
      const name = b.name ?? 'default';
      out.push({
        name,
        provider: b.provider,
        target: toTarget(b.provider, b.bucket, b.prefix, b.config),
        namespace: r.namespace,
        file: r.file,
        object: `BackupStorageLocation ${r.namespace}/${name} (values configuration.backupStorageLocation of the velero release in ${describeManifest(r.application)})`,
        release: r,
      });
    }
  }
  return out;
}

export function bucketResource(stack: TfStack, target: ObjectStoreTarget): { bucket?: TfResource; account?: TfResource; problem?: string } {
  switch (target.cloud) {
    case 'aws': {
      const b = ofType(stack, 'aws_s3_bucket').find((r) => literal(r.body.bucket) === target.bucket);
      return b
        ? { bucket: b }
        : {
            problem: `creates no S3 bucket ${target.bucket} (its buckets: ${
              ofType(stack, 'aws_s3_bucket')
                .map((r) => literal(r.body.bucket) ?? r.address)
                .join(', ') || 'none'
            })`,
          };
    }
    case 'gcp': {
      const b = ofType(stack, 'google_storage_bucket').find((r) => literal(r.body.name) === target.bucket);
      return b
        ? { bucket: b }
        : {
            problem: `creates no GCS bucket ${target.bucket} (its buckets: ${
              ofType(stack, 'google_storage_bucket')
                .map((r) => literal(r.body.name) ?? r.address)
                .join(', ') || 'none'
            })`,
          };
    }
    case 'azure': {
      const accountOf = (c: TfResource) =>
        referenced(stack, c.body.storage_account_id, 'azurerm_storage_account') ??
        ofType(stack, 'azurerm_storage_account').find((a) => literal(a.body.name) === literal(c.body.storage_account_name));
      const containers = ofType(stack, 'azurerm_storage_container').map((c) => ({ c, a: accountOf(c) }));
      const found = containers.find(({ c, a }) => literal(c.body.name) === target.bucket && (!target.account || literal(a?.body.name) === target.account));
      if (found) return { bucket: found.c, account: found.a };
      return {
        problem: `creates no blob container ${target.bucket}${target.account ? ` in storage account ${target.account}` : ''} (it creates: ${containers.map(({ c, a }) => `${literal(a?.body.name) ?? '?'}/${literal(c.body.name) ?? c.address}`).join(', ') || 'none'})`,
      };
    }
  }
}

/** The IAM policy statements attached to a role (aws_iam_role_policy, attachments of aws_iam_policy, inline_policy). */
function rolePolicies(stack: TfStack, role: TfResource): ReturnType<typeof policyStatements> {
  const roleName = literal(role.body.name);
  const mine = (v: unknown) => references(v).includes(role.address) || (!!roleName && literal(v) === roleName);
  const out: ReturnType<typeof policyStatements> = [];
  for (const p of ofType(stack, 'aws_iam_role_policy')) if (mine(p.body.role)) out.push(...policyStatements(stack, p.body.policy));
  for (const a of ofType(stack, 'aws_iam_role_policy_attachment')) {
    if (!mine(a.body.role)) continue;
    const pol = referenced(stack, a.body.policy_arn, 'aws_iam_policy');
    if (pol) out.push(...policyStatements(stack, pol.body.policy));
  }
  for (const inline of asArray<any>(role.body.inline_policy)) out.push(...policyStatements(stack, inline.policy));
  return out;
}

/** Replaces `${aws_s3_bucket.X.arn}` with the bucket's ARN when its name is literal. */
function resolveArn(stack: TfStack, resource: string): string {
  return resource.replace(/\$\{aws_s3_bucket\.([A-Za-z0-9_-]+)\.arn\}/g, (whole, name) => {
    const b = stack.byAddress.get(`aws_s3_bucket.${name}`);
    const bucket = b && literal(b.body.bucket);
    return bucket ? `arn:aws:s3:::${bucket}` : whole;
  });
}

/** Whether an identity may read and write objects under `target` in the stack; a reason when not. */
export function storeAccess(
  stack: TfStack,
  identity: Grant,
  target: ObjectStoreTarget,
  store: { bucket?: TfResource; account?: TfResource },
): string | undefined {
  const object = `${target.bucket}/${target.prefix ? `${target.prefix}/` : ''}backup`;
  switch (target.cloud) {
    case 'aws':
      return awsS3Access(stack, identity, [
        ['s3:PutObject', `arn:aws:s3:::${object}`],
        ['s3:GetObject', `arn:aws:s3:::${object}`],
        ['s3:ListBucket', `arn:aws:s3:::${target.bucket}`],
      ]);
    case 'gcp': {
      const writer = ['roles/storage.objectAdmin', 'roles/storage.admin', 'roles/storage.objectUser'];
      const member = (m: string) =>
        (identity.identity && references(m).includes(identity.identity.address)) ||
        (identity.identity && literal(identity.identity.body.account_id) && m.startsWith(`serviceAccount:${literal(identity.identity.body.account_id)}@`)) ||
        (identity.mechanism === 'gke-principal' && GKE_PRINCIPAL.exec(m)?.slice(1).join('/') === `${identity.namespace}/${identity.serviceAccount}`);
      const onBucket = (v: unknown) => (store.bucket && references(v).includes(store.bucket.address)) || literal(v) === target.bucket;
      const ok = stack.resources.some(
        (r) =>
          ((/^google_storage_bucket_iam_(member|binding)$/.test(r.type) && onBucket(r.body.bucket)) || /^google_project_iam_(member|binding)$/.test(r.type)) &&
          writer.includes(literal(r.body.role) ?? '') &&
          [...asArray<string>(r.body.member), ...asArray<string>(r.body.members)].some(member),
      );
      return ok ? undefined : `nothing in the stack grants ${writer.join(' / ')} on bucket ${target.bucket} to ${identityName(identity.identity)}`;
    }
    case 'azure': {
      if (!identity.identity) return 'the credential names no user-assigned identity of the stack';
      const roles = ['Storage Blob Data Contributor', 'Storage Blob Data Owner'];
      const scopes = [store.bucket?.address, store.account?.address].filter((x): x is string => !!x);
      const ok = ofType(stack, 'azurerm_role_assignment').some(
        (r) =>
          references(r.body.principal_id).includes(identity.identity!.address) &&
          roles.includes(literal(r.body.role_definition_name) ?? '') &&
          (references(r.body.scope).some((a) => scopes.includes(a) || a.startsWith('azurerm_resource_group.')) ||
            /^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+)?$/.test(literal(r.body.scope) ?? '')),
      );
      return ok ? undefined : `no role assignment gives ${identityName(identity.identity)} ${roles.join(' or ')} on the container or its storage account`;
    }
  }
}

/** Whether the IAM role of `identity` is allowed each (action, ARN) pair by its policies; a reason naming the missing ones when not. */
function awsS3Access(stack: TfStack, identity: Grant, needed: readonly (readonly [action: string, arn: string])[]): string | undefined {
  if (!identity.identity) return 'the grant names no IAM role of the stack';
  const statements = rolePolicies(stack, identity.identity).filter((s) => s.effect === 'Allow');
  const allows = (action: string, arn: string) =>
    statements.some((s) => s.actions.some((a) => iamGlob(a, action, true)) && s.resources.some((r) => iamGlob(resolveArn(stack, r), arn)));
  const missing = needed.filter(([a, arn]) => !allows(a, arn));
  return missing.length ? `${identityName(identity.identity)}'s policies do not allow ${missing.map(([a, arn]) => `${a} on ${arn}`).join(', ')}` : undefined;
}

/**
 * Whether an identity may read objects under `target` (`<prefix>/<object>`): `s3:GetObject` and
 * `s3:ListBucket` on AWS, a blob data role (Reader, Contributor or Owner) on the container or its
 * account on Azure. A reason when not.
 */
export function archiveReadAccess(
  stack: TfStack,
  identity: Grant,
  target: ObjectStoreTarget,
  store: { bucket?: TfResource; account?: TfResource },
): string | undefined {
  const object = `${target.bucket}/${target.prefix ? `${target.prefix}/` : ''}wals/0000000100000000/000000010000000000000001.gz`;
  switch (target.cloud) {
    case 'aws':
      return awsS3Access(stack, identity, [
        ['s3:GetObject', `arn:aws:s3:::${object}`],
        ['s3:ListBucket', `arn:aws:s3:::${target.bucket}`],
      ]);
    case 'azure': {
      if (!identity.identity) return 'the credential names no user-assigned identity of the stack';
      const roles = ['Storage Blob Data Reader', 'Storage Blob Data Contributor', 'Storage Blob Data Owner'];
      const scopes = [store.bucket?.address, store.account?.address].filter((x): x is string => !!x);
      const ok = ofType(stack, 'azurerm_role_assignment').some(
        (r) =>
          references(r.body.principal_id).includes(identity.identity!.address) &&
          roles.includes(literal(r.body.role_definition_name) ?? '') &&
          references(r.body.scope).some((a) => scopes.includes(a)),
      );
      return ok ? undefined : `no role assignment gives ${identityName(identity.identity)} ${roles.join(', ')} on the container or its storage account`;
    }
    case 'gcp':
      return 'no other cloud reads a GCS archive (database sites: lib/core/topology.ts DATABASE_SITES)';
  }
}

export function objectStoreFindings(state: ClusterState, ctx: VerifyContext): Emit[] {
  const cluster = state.cluster;
  const out: Emit[] = [];
  const objects = allObjects(state);
  const env = state.environment.name;
  const sas = serviceAccountsOf(state);

  /** Checks one store and who writes to it. */
  const checkStore = (
    what: string,
    target: ObjectStoreTarget | undefined,
    raw: string,
    writer: { namespace: string; serviceAccount: string; identityBased: boolean; how: string } | undefined,
    where: { file: string; object: string },
  ) => {
    if (!target) {
      out.push({
        ...where,
        message: `${what} points at ${raw}, on no cloud Terraform provisions`,
        fix: 'point it at the backup store of lib/core/cloud.ts backupStore() for this cluster',
      });
      return;
    }
    const crossCloud = !!writer?.identityBased && (!isProvisioned(cluster) || target.cloud !== cluster.cloud);
    if (crossCloud) {
      out.push({
        ...where,
        message: `${what} writes to ${target.cloud === 'aws' ? 'an' : 'a'} ${target.cloud} store from ${cluster.cloud} cluster ${cluster.name} with workload identity: no ${cluster.cloud} identity can be granted access to ${target.cloud} storage, and no static credentials are configured`,
        fix: `write to ${cluster.name}'s own store (lib/core/cloud.ts backupStore), or give the writer credentials for ${target.cloud}`,
      });
    }
    const stack = stackFor(ctx, env, target.cloud);
    if (!stack) {
      out.push({
        ...where,
        message: `${what} writes to ${target.cloud} ${target.account ? `${target.account}/` : ''}${target.bucket}, but environment ${env} has no ${target.cloud} Terraform stack (terraform/${stackName(env, target.cloud)})`,
        fix: `use the backup store of ${cluster.name} (lib/core/cloud.ts backupStore)`,
      });
      return;
    }
    const store = bucketResource(stack, target);
    if (store.problem) {
      out.push({
        ...where,
        message: `${what} writes to ${target.cloud} ${target.account ? `${target.account}/` : ''}${target.bucket}, but ${stack.file} ${store.problem}`,
        fix: `use the store lib/core/cloud.ts backupStore() names for ${cluster.name}, which the stack creates`,
      });
    }
    if (!writer || !writer.identityBased || crossCloud) return;
    const grants = grantsOf(stack).filter(
      (g) =>
        !g.issuerVariable &&
        g.namespace === writer.namespace &&
        (g.serviceAccount === writer.serviceAccount || iamGlob(g.serviceAccount, writer.serviceAccount)),
    );
    if (!grants.length) {
      out.push({
        ...where,
        message: `${what} writes as ServiceAccount ${writer.namespace}/${writer.serviceAccount} (${writer.how}), which ${stack.file} binds to no cloud identity (it binds: ${
          grantsOf(stack)
            .map((g) => `${g.namespace}/${g.serviceAccount}`)
            .join(', ') || 'none'
        })`,
        fix: `bind ${writer.namespace}/${writer.serviceAccount} to an identity with access to ${target.bucket} in lib/infra (lib/core/cloud.ts workloadIdentities)`,
      });
      return;
    }
    if (store.problem) return;
    const reasons = grants.map((g) => storeAccess(stack, g, target, store));
    if (reasons.every((r) => r !== undefined)) {
      out.push({
        ...where,
        message: `${what} writes to ${target.bucket}${target.prefix ? `/${target.prefix}` : ''} as ${writer.namespace}/${writer.serviceAccount}, but in ${stack.file} ${reasons.join('; ')}`,
        fix: `grant ${grants.map((g) => identityName(g.identity)).join(', ')} read/write on ${target.bucket}${target.prefix ? ` (prefix ${target.prefix})` : ''} in lib/infra`,
      });
    }
  };

  // Velero
  const locations = backupLocationsOf(state);
  for (const bsl of locations) {
    const release = bsl.release ?? state.releases.find((r) => r.chart === 'velero' && r.namespace === bsl.namespace);
    const sa = release ? releaseServiceAccount(release) : sas.find((s) => s.namespace === bsl.namespace && s.name.startsWith('velero'));
    const useSecret = release ? (release.values as any)?.credentials?.useSecret !== false || !!(release.values as any)?.credentials?.existingSecret : false;
    checkStore(
      `Velero BackupStorageLocation ${bsl.name}`,
      bsl.target,
      `${bsl.provider}:${bsl.target?.bucket ?? '?'}`,
      sa ? { namespace: sa.namespace, serviceAccount: sa.name, identityBased: !useSecret, how: sa.how } : undefined,
      { file: bsl.file, object: bsl.object },
    );
  }
  const locationNames = new Set(locations.map((l) => l.name));
  for (const o of objects) {
    const m = o.manifest;
    if (!m.apiVersion.startsWith('velero.io/') || (m.kind !== 'Schedule' && m.kind !== 'Backup')) continue;
    const spec = m.kind === 'Schedule' ? m.spec?.template : m.spec;
    const loc = spec?.storageLocation;
    if (loc && !locationNames.has(loc)) {
      out.push({
        file: o.file,
        object: describeManifest(m),
        message: `${describeManifest(m)} stores to BackupStorageLocation ${loc}, which ${cluster.name} does not have (it has: ${[...locationNames].join(', ') || 'none'})`,
        fix: 'name a location the Velero release configures, or add it to the release values configuration.backupStorageLocation',
      });
    }
  }

  // CloudNativePG
  const clusters = objects.filter((o) => o.manifest.kind === 'Cluster' && o.manifest.apiVersion.startsWith('postgresql.cnpg.io/'));
  for (const c of clusters) {
    const store = c.manifest.spec?.backup?.barmanObjectStore;
    if (!store?.destinationPath) continue;
    const ns = c.manifest.metadata.namespace ?? 'default';
    const target = parseDestinationPath(store.destinationPath);
    const s3 = store.s3Credentials;
    const identityBased =
      target?.cloud === 'aws'
        ? !!s3?.inheritFromIAMRole && !store.endpointURL
        : target?.cloud === 'gcp'
          ? !!store.googleCredentials?.gkeEnvironment
          : target?.cloud === 'azure'
            ? !!store.azureCredentials?.inheritFromAzureAD
            : false;
    if (target?.cloud === 'aws' && store.endpointURL) continue; // an S3-compatible store outside AWS
    checkStore(
      `CloudNativePG ${describeManifest(c.manifest)} (barmanObjectStore)`,
      target,
      store.destinationPath,
      { namespace: ns, serviceAccount: c.manifest.metadata.name!, identityBased, how: 'the ServiceAccount CloudNativePG creates for the Cluster' },
      { file: c.file, object: describeManifest(c.manifest) },
    );
  }
  for (const o of objects) {
    const m = o.manifest;
    if (m.kind !== 'ScheduledBackup' || !m.apiVersion.startsWith('postgresql.cnpg.io/')) continue;
    const ns = m.metadata.namespace ?? 'default';
    const name = m.spec?.cluster?.name;
    const target = clusters.find((c) => c.manifest.metadata.name === name && (c.manifest.metadata.namespace ?? 'default') === ns);
    const method = m.spec?.method ?? 'barmanObjectStore';
    if (!target) {
      out.push({
        file: o.file,
        object: describeManifest(m),
        message: `${describeManifest(m)} backs up Cluster ${ns}/${name}, which ${cluster.name} does not have`,
        fix: 'name a CloudNativePG Cluster of the same namespace',
      });
      continue;
    }
    const backup = target.manifest.spec?.backup ?? {};
    const configured =
      method === 'barmanObjectStore'
        ? !!backup.barmanObjectStore
        : method === 'volumeSnapshot'
          ? !!backup.volumeSnapshot
          : method === 'plugin'
            ? !!(target.manifest.spec?.plugins ?? []).length
            : false;
    if (!configured) {
      out.push({
        file: o.file,
        object: describeManifest(m),
        message: `${describeManifest(m)} uses method ${method}, but ${describeManifest(target.manifest)} configures no ${method === 'plugin' ? 'plugin' : `spec.backup.${method}`}`,
        fix: `configure spec.backup.${method} on the Cluster or change the ScheduledBackup's method`,
      });
    }
  }
  return out;
}

// =============================================================================================
// identity/endpoints

/** Host suffixes of the managed data services whose names workloads are given. */
const DATA_DOMAINS = ['.rds.amazonaws.com', '.cache.amazonaws.com', '.postgres.database.azure.com', '.redis.cache.windows.net'];
const HOST_TOKEN = /\*?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+/gi;

/** AWS's short region in ElastiCache endpoints (`eu-west-1` → `euw1`, `ap-southeast-2` → `apse2`). */
export function elasticacheRegion(region: string): string {
  const dirs: Record<string, string> = {
    north: 'n',
    south: 's',
    east: 'e',
    west: 'w',
    central: 'c',
    northeast: 'ne',
    northwest: 'nw',
    southeast: 'se',
    southwest: 'sw',
  };
  const [geo, dir, num] = region.split('-');
  return `${geo}${dirs[dir] ?? dir}${num}`;
}

export interface TerraformDataEndpoints {
  /** Exact DNS names the stack creates (private records, server FQDNs). */
  readonly hosts: readonly { readonly host: string; readonly address: string }[];
  /** A representative name of endpoints the cloud generates (`<id>.<random>.<region>.rds.amazonaws.com`), with the prefix and suffix that identify it. */
  readonly generated: readonly { readonly example: string; readonly prefix: string; readonly suffix: string; readonly address: string }[];
  /** CIDRs of the subnets the data services are placed in. */
  readonly subnets: readonly { readonly cidr: string; readonly address: string }[];
}

export function terraformDataEndpoints(stack: TfStack): TerraformDataEndpoints {
  const hosts: { host: string; address: string }[] = [];
  const generated: { example: string; prefix: string; suffix: string; address: string }[] = [];
  const subnets: { cidr: string; address: string }[] = [];
  const trim = (h: string) => h.replace(/\.$/, '').toLowerCase();
  // DNS records (Route 53, Azure private DNS, Cloud DNS).
  for (const rec of ofType(stack, 'aws_route53_record')) {
    const zone = referenced(stack, rec.body.zone_id, 'aws_route53_zone');
    const zoneName = zone && literal(zone.body.name);
    const name = literal(rec.body.name);
    if (!name) continue;
    hosts.push({ host: trim(zoneName && !trim(name).endsWith(trim(zoneName)) ? `${name}.${zoneName}` : name), address: rec.address });
  }
  for (const rec of stack.resources.filter((r) => /^azurerm_private_dns_(a|cname)_record$/.test(r.type))) {
    const zone = referenced(stack, rec.body.zone_name, 'azurerm_private_dns_zone');
    const zoneName = (zone && literal(zone.body.name)) ?? literal(rec.body.zone_name);
    const name = literal(rec.body.name);
    if (name && zoneName) hosts.push({ host: trim(`${name}.${zoneName}`), address: rec.address });
  }
  for (const rec of ofType(stack, 'google_dns_record_set')) {
    const name = literal(rec.body.name);
    if (name) hosts.push({ host: trim(name), address: rec.address });
  }
  // Endpoints the provider names.
  for (const s of ofType(stack, 'azurerm_postgresql_flexible_server')) {
    const name = literal(s.body.name);
    if (name) hosts.push({ host: `${name}.postgres.database.azure.com`, address: s.address });
  }
  for (const s of ofType(stack, 'azurerm_redis_cache')) {
    const name = literal(s.body.name);
    if (name) hosts.push({ host: `${name}.redis.cache.windows.net`, address: s.address });
  }
  for (const db of [...ofType(stack, 'aws_db_instance'), ...ofType(stack, 'aws_rds_cluster')]) {
    const region = providerRegion(stack, db);
    const id = literal(db.body.identifier) ?? literal(db.body.cluster_identifier) ?? '';
    if (region)
      generated.push({
        example: `${id || 'db'}.c0abcdef1234.${region}.rds.amazonaws.com`,
        prefix: id ? `${id}.` : '',
        suffix: `.${region}.rds.amazonaws.com`,
        address: db.address,
      });
  }
  for (const rg of ofType(stack, 'aws_elasticache_replication_group')) {
    const region = providerRegion(stack, rg);
    const id = literal(rg.body.replication_group_id) ?? '';
    if (region)
      generated.push({
        example: `master.${id || 'cache'}.abc123.${elasticacheRegion(region)}.cache.amazonaws.com`,
        prefix: '',
        suffix: `.${elasticacheRegion(region)}.cache.amazonaws.com`,
        address: rg.address,
      });
  }
  // Data subnets: those the database and cache subnet groups, and delegated PostgreSQL servers, use.
  const subnetRefs = [
    ...ofType(stack, 'aws_db_subnet_group').flatMap((g) => asArray<string>(g.body.subnet_ids)),
    ...ofType(stack, 'aws_elasticache_subnet_group').flatMap((g) => asArray<string>(g.body.subnet_ids)),
    ...ofType(stack, 'azurerm_postgresql_flexible_server').map((s) => s.body.delegated_subnet_id),
  ];
  const seen = new Set<string>();
  for (const ref of subnetRefs) {
    const subnet = referenced(stack, ref, 'aws_subnet') ?? referenced(stack, ref, 'azurerm_subnet');
    if (!subnet || seen.has(subnet.address)) continue;
    seen.add(subnet.address);
    for (const cidr of [literal(subnet.body.cidr_block), ...asArray<string>(subnet.body.address_prefixes)])
      if (cidr) subnets.push({ cidr, address: subnet.address });
  }
  return { hosts, generated, subnets };
}

/** Whether the stack creates `host` (exact name, or a name of an endpoint the cloud generates; a wildcard must cover one of them). */
export function terraformCreatesHost(tf: TerraformDataEndpoints, host: string): boolean {
  const h = host.toLowerCase();
  if (h.startsWith('*')) return tf.hosts.some((x) => hostSubsetOf(x.host, h)) || tf.generated.some((g) => hostSubsetOf(g.example, h));
  return tf.hosts.some((x) => x.host === h) || tf.generated.some((g) => h.endsWith(g.suffix) && h.startsWith(g.prefix));
}

function describeTfEndpoints(tf: TerraformDataEndpoints): string {
  const all = [...tf.hosts.map((h) => h.host), ...tf.generated.map((g) => `${g.prefix || '*.'}…${g.suffix} (${g.address})`)];
  return all.length ? all.join(', ') : 'none';
}

function dataHostsIn(text: string, privateSuffixes: readonly string[]): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(HOST_TOKEN)) {
    const h = m[0].toLowerCase();
    if (DATA_DOMAINS.some((d) => h.endsWith(d)) || privateSuffixes.some((s) => h.endsWith(s))) out.push(h);
  }
  return out;
}

export function endpointFindings(state: ClusterState, ctx: VerifyContext): Emit[] {
  const cluster = state.cluster;
  if (!isProvisioned(cluster)) return [];
  const stack = stackFor(ctx, state.environment.name, cluster.cloud);
  if (!stack) return [];
  const out: Emit[] = [];
  const tf = terraformDataEndpoints(stack);
  const model = dataEndpoints(cluster);
  const dataPorts = new Set<number>([5432, 6379, ...model.map((e) => e.port)]);
  // The private zones of every AWS cluster of the platform: a name in another cluster's zone is a data host given to the wrong cluster.
  const privateSuffixes = state.platform.environments
    .flatMap((e) => e.clusters)
    .filter((c) => c.cloud === 'aws')
    .map((c) => `.${privateZone(c)}`);

  // What lib/core/cloud.ts promises, against what the stack creates.
  for (const e of model) {
    if (!terraformCreatesHost(tf, e.host)) {
      out.push({
        file: stack.file,
        object: cluster.cloud === 'aws' ? `aws_route53_record ${e.host} (missing)` : `azurerm_postgresql_flexible_server ${e.host.split('.')[0]} (missing)`,
        message: `lib/core/cloud.ts dataEndpoints gives ${cluster.name}'s clients ${e.host} for ${e.name} (port ${e.port}), but ${stack.file} creates no such name (it creates: ${describeTfEndpoints(tf)})`,
        fix:
          cluster.cloud === 'aws'
            ? `create the private hosted zone ${e.host.split('.').slice(1).join('.')} (associated with the VPC) and a record ${e.host} for the ${e.name} endpoint in lib/infra/aws`
            : `name the ${e.name} server so that its endpoint is ${e.host} in lib/infra`,
      });
    }
  }
  const plan = networkPlan(cluster);
  if (plan && tf.subnets.length) {
    const tfCidrs = new Set(tf.subnets.map((s) => s.cidr));
    const missing = plan.data.filter((c) => !tfCidrs.has(c));
    const extra = [...tfCidrs].filter((c) => !plan.data.includes(c));
    if (missing.length || extra.length) {
      out.push({
        file: stack.file,
        object: tf.subnets.map((s) => s.address).join(', '),
        message: `the data subnets of ${stack.file} (${[...tfCidrs].join(', ')}) are not the network plan's (${plan.data.join(', ')}, lib/core/cloud.ts networkPlan)`,
        fix: 'place the databases and caches in the subnets networkPlan(cluster).data computes',
      });
    }
  }

  // What workloads are given, against what the stack creates.
  const objects = allObjects(state);
  const reported = new Set<string>();
  const report = (o: StateObject, host: string, where: string) => {
    const key = `${o.file}\u0000${describeManifest(o.manifest)}\u0000${host}`;
    if (reported.has(key) || terraformCreatesHost(tf, host)) return;
    reported.add(key);
    const modelHosts = model.map((e) => `${e.host} (${e.name})`);
    out.push({
      file: o.file,
      object: describeManifest(o.manifest),
      message: `${describeManifest(o.manifest)} gives ${cluster.name}'s workloads the data host ${host} (${where}), which ${stack.file} does not create (data endpoints it creates: ${describeTfEndpoints(tf)})`,
      fix: `use the endpoints of lib/core/cloud.ts dataEndpoints for this cluster${modelHosts.length ? `: ${modelHosts.join(', ')}` : ' (it has none)'}, and render them per cluster rather than per environment`,
    });
  };
  const dataCidrs = tf.subnets.map((s) => cidrRange(s.cidr)).filter((r): r is AddressRange => !!r);
  const reportCidr = (o: StateObject, cidr: string, where: string) => {
    const r = cidrRange(cidr);
    if (!r || (dataCidrs.length && rangeCovered(r, dataCidrs))) return;
    const key = `${o.file}\u0000${describeManifest(o.manifest)}\u0000${cidr}`;
    if (reported.has(key)) return;
    reported.add(key);
    const overlaps = dataCidrs.some((d) => rangesOverlap(d, r));
    out.push({
      file: o.file,
      object: describeManifest(o.manifest),
      message: `${describeManifest(o.manifest)} names ${cidr} for data traffic (${where}), which is ${overlaps ? 'wider than' : 'outside'} the data subnets ${stack.file} creates (${tf.subnets.map((s) => s.cidr).join(', ') || 'none'})`,
      fix: `use the data subnets of lib/core/cloud.ts networkPlan(cluster).data${plan ? ` (${plan.data.join(', ')})` : ''}, per cluster`,
    });
  };
  for (const o of objects) {
    const m = o.manifest;
    if (m.kind === 'ServiceEntry' && m.apiVersion.startsWith('networking.istio.io/')) {
      const ports: number[] = (m.spec?.ports ?? []).map((p: any) => Number(p.number));
      const data = ports.some((p) => dataPorts.has(p));
      for (const h of m.spec?.hosts ?? []) {
        const host = String(h).toLowerCase();
        if (data || DATA_DOMAINS.some((d) => host.endsWith(d)) || privateSuffixes.some((s) => host.endsWith(s))) report(o, host, 'ServiceEntry host');
      }
      if (data) for (const a of m.spec?.addresses ?? []) reportCidr(o, a, 'ServiceEntry address');
    }
    if (m.kind === 'ConfigMap' && m.apiVersion === 'v1') {
      for (const [k, v] of Object.entries<any>(m.data ?? {})) for (const h of dataHostsIn(String(v), privateSuffixes)) report(o, h, `data key ${k}`);
    }
    if (m.kind === 'NetworkPolicy' && m.apiVersion.startsWith('networking.k8s.io/')) {
      for (const rule of m.spec?.egress ?? []) {
        const ports: any[] = rule.ports ?? [];
        const data = ports.some((p) => typeof p.port === 'number' && [...dataPorts].some((d) => d >= p.port && d <= (p.endPort ?? p.port)));
        if (!data) continue;
        for (const peer of rule.to ?? [])
          if (peer.ipBlock?.cidr && ipBlockRanges(peer.ipBlock).length)
            reportCidr(o, peer.ipBlock.cidr, `egress ipBlock on ${ports.map((p) => p.port).join(', ')}`);
      }
    }
  }
  for (const o of objects) {
    const t = podSpecOf(o.manifest);
    if (!t) continue;
    for (const c of [...(t.containers ?? []), ...(t.initContainers ?? [])]) {
      for (const e of c.env ?? [])
        if (typeof e.value === 'string') for (const h of dataHostsIn(e.value, privateSuffixes)) report(o, h, `env ${e.name} of container ${c.name}`);
    }
  }
  return out;
}

function podSpecOf(m: KubeManifest): any {
  if (m.kind === 'Pod') return m.spec;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(m.kind)) return m.spec?.template?.spec;
  if (m.kind === 'CronJob') return m.spec?.jobTemplate?.spec?.template?.spec;
  return undefined;
}

// =============================================================================================
// The checks

function wrap(check: string, run: (state: ClusterState, ctx: VerifyContext) => Emit[]): (state: ClusterState, ctx: VerifyContext) => Finding[] {
  return (state, ctx) => run(state, ctx).map((f) => ({ check, environment: state.environment.name, cluster: state.cluster.name, ...f }));
}

export const serviceAccountCheck: VerifyCheck = {
  name: 'identity/service-accounts',
  description:
    "every workload identity Terraform grants names a ServiceAccount the cluster has, bound as the mechanism needs; every annotated ServiceAccount names an identity its cloud's stack creates",
  run: wrap('identity/service-accounts', serviceAccountFindings),
};

export const objectStoreCheck: VerifyCheck = {
  name: 'identity/object-stores',
  description: "the buckets and containers Velero and CloudNativePG write to exist in their cloud's stack, and the identity writing is granted access",
  run: wrap('identity/object-stores', objectStoreFindings),
};

export const endpointCheck: VerifyCheck = {
  name: 'identity/endpoints',
  description: "the data host names and subnets workloads are given are those the cluster's stack creates (and lib/core/cloud.ts promises)",
  run: wrap('identity/endpoints', endpointFindings),
};

// =============================================================================================
// identity/external-secrets

/** The roles that may read Key Vault secret values. */
const KEY_VAULT_READER_ROLES = ['Key Vault Secrets User', 'Key Vault Secrets Officer', 'Key Vault Administrator'];
/** The roles that may read Secret Manager secret values. */
const SECRET_MANAGER_READER_ROLES = ['roles/secretmanager.secretAccessor', 'roles/secretmanager.admin'];
/** The External Secrets Operator's provider block per cloud. */
const STORE_PROVIDERS: Readonly<Record<ProvisionedCloud, string>> = { aws: 'aws', azure: 'azurekv', gcp: 'gcpsm' };

/** The remote keys an ExternalSecret reads (`data[].remoteRef.key`, `dataFrom[].extract.key`). */
export function externalSecretKeys(m: KubeManifest): string[] {
  const keys = [...asArray<any>(m.spec?.data).map((d) => d?.remoteRef?.key), ...asArray<any>(m.spec?.dataFrom).map((d) => d?.extract?.key)].filter(
    (k): k is string => typeof k === 'string' && k.length > 0,
  );
  return [...new Set(keys)];
}

/** Whether a ClusterSecretStore's `conditions` admit a namespace (no conditions: every namespace). */
function storeAdmits(store: KubeManifest, namespace: string): boolean | 'unknown' {
  const conditions = asArray<any>(store.spec?.conditions);
  if (!conditions.length) return true;
  let unknown = false;
  for (const c of conditions) {
    if (asArray<string>(c?.namespaces).includes(namespace)) return true;
    if (asArray<string>(c?.namespaceRegexes).some((r) => new RegExp(r).test(namespace))) return true;
    if (c?.namespaceSelector) unknown = true;
  }
  return unknown ? 'unknown' : false;
}

/** The ServiceAccount a store authenticates as, for an ExternalSecret in `namespace` (referent: its own namespace). */
function storeServiceAccount(store: KubeManifest, cloud: ProvisionedCloud, namespace: string): { namespace: string; name: string } | undefined {
  const p = store.spec?.provider?.[STORE_PROVIDERS[cloud]];
  const ref = cloud === 'aws' ? p?.auth?.jwt?.serviceAccountRef : cloud === 'azure' ? p?.serviceAccountRef : p?.auth?.workloadIdentity?.serviceAccountRef;
  if (!ref?.name) return undefined;
  return { namespace: store.kind === 'ClusterSecretStore' && ref.namespace ? ref.namespace : namespace, name: ref.name };
}

/** Whether the External Secrets Operator may create tokens for `sa` (a Role/ClusterRole bound to its controller). */
function operatorMayMintToken(state: ClusterState, sa: { namespace: string; name: string }): boolean {
  const objects = allObjects(state).map((o) => o.manifest);
  const grants = (rules: any[]) =>
    asArray<any>(rules).some(
      (r) =>
        asArray<string>(r.apiGroups).some((g) => g === '' || g === '*') &&
        asArray<string>(r.resources).some((x) => x === 'serviceaccounts/token' || x === '*') &&
        asArray<string>(r.verbs).some((v) => v === 'create' || v === '*') &&
        (!asArray<string>(r.resourceNames).length || asArray<string>(r.resourceNames).includes(sa.name)),
    );
  const operator = (subjects: any[]) =>
    asArray<any>(subjects).some(
      (s) => s.kind === 'ServiceAccount' && s.namespace === PlatformNamespaces.externalSecrets && s.name === EXTERNAL_SECRETS_CONTROLLER_SERVICE_ACCOUNT,
    );
  const role = (kind: string, name: string, namespace?: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name && (kind === 'ClusterRole' || o.metadata.namespace === namespace));
  for (const b of objects) {
    if (!operator(b.subjects)) continue;
    if (b.kind === 'RoleBinding' && b.metadata.namespace === sa.namespace) {
      const r = role(b.roleRef?.kind, b.roleRef?.name, sa.namespace);
      if (r && grants(r.rules)) return true;
    }
    if (b.kind === 'ClusterRoleBinding') {
      const r = role('ClusterRole', b.roleRef?.name);
      if (r && grants(r.rules)) return true;
    }
  }
  return false;
}

/** Whether the identity the ServiceAccount is bound to may read the remote key from the store; a reason when not. */
export function secretReadAccess(stack: TfStack, cloud: ProvisionedCloud, store: KubeManifest, sa: ServiceAccountRef, key: string): string | undefined {
  const p = store.spec?.provider?.[STORE_PROVIDERS[cloud]] ?? {};
  switch (cloud) {
    case 'aws': {
      const arn = sa.annotations[ANNOTATIONS.aws];
      const role = arn ? ofType(stack, 'aws_iam_role').find((r) => arnNamesRole(arn, r)) : undefined;
      if (!role) return `${sa.object} names no IAM role of ${stack.file} in ${ANNOTATIONS.aws}`;
      if (!irsaSubjects(stack, role).some((s) => s.namespace === sa.namespace && (s.serviceAccount === sa.name || iamGlob(s.serviceAccount, sa.name))))
        return `${identityName(role)} does not trust ${sa.namespace}/${sa.name} through IRSA (the operator exchanges that ServiceAccount's token)`;
      const account = /^arn:aws[a-z-]*:iam::([0-9]+):/.exec(arn!)?.[1] ?? '*';
      // Secrets Manager appends "-" and six characters to a secret's name in its ARN.
      const secretArn = `arn:aws:secretsmanager:${p.region}:${account}:secret:${key}-AbCdEf`;
      const ok = rolePolicies(stack, role)
        .filter((s) => s.effect === 'Allow')
        .some((s) => s.actions.some((a) => iamGlob(a, 'secretsmanager:GetSecretValue', true)) && s.resources.some((r) => iamGlob(r, secretArn)));
      return ok ? undefined : `${identityName(role)}'s policies do not allow secretsmanager:GetSecretValue on ${secretArn}`;
    }
    case 'azure': {
      const vaultName = /^https:\/\/([a-z0-9-]+)\.vault\.azure\.net\/?$/i.exec(String(p.vaultUrl ?? ''))?.[1];
      const vault = vaultName ? ofType(stack, 'azurerm_key_vault').find((v) => literal(v.body.name) === vaultName) : undefined;
      if (!vault) return `${stack.file} creates no Key Vault named ${vaultName ?? String(p.vaultUrl)} (the store's vaultUrl)`;
      const identities = grantsOf(stack)
        .filter((g) => g.mechanism === 'azure-federated' && g.namespace === sa.namespace && g.serviceAccount === sa.name && g.identity)
        .map((g) => g.identity!.address);
      if (!identities.length) return `${stack.file} federates no identity with system:serviceaccount:${sa.namespace}:${sa.name}`;
      const ok = ofType(stack, 'azurerm_role_assignment').some(
        (r) =>
          references(r.body.principal_id).some((a) => identities.includes(a)) &&
          KEY_VAULT_READER_ROLES.includes(literal(r.body.role_definition_name) ?? '') &&
          references(r.body.scope).includes(vault.address),
      );
      return ok
        ? undefined
        : `no role assignment gives the identity of ${sa.namespace}/${sa.name} ${KEY_VAULT_READER_ROLES.join(' or ')} on Key Vault ${vaultName}`;
    }
    case 'gcp': {
      const email = sa.annotations[ANNOTATIONS.gcp];
      const gsa = email ? ofType(stack, 'google_service_account').find((r) => gsaMatches(email, r)) : undefined;
      if (!gsa) return `${sa.object} names no Google service account of ${stack.file} in ${ANNOTATIONS.gcp}`;
      const member = (m: string) => references(m).includes(gsa.address) || m === `serviceAccount:${email}`;
      const ok = stack.resources.some((r) => {
        if (!/^google_(project|secret_manager_secret)_iam_(member|binding)$/.test(r.type)) return false;
        if (!SECRET_MANAGER_READER_ROLES.includes(literal(r.body.role) ?? '')) return false;
        if (![...asArray<string>(r.body.member), ...asArray<string>(r.body.members)].some(member)) return false;
        const expression = asArray<any>(r.body.condition)[0]?.expression;
        if (!expression) return true;
        const prefix = /resource\.name\.startsWith\("projects\/[^/]+\/secrets\/([^"]*)"\)/.exec(String(expression))?.[1];
        return prefix !== undefined && key.startsWith(prefix);
      });
      return ok ? undefined : `nothing in ${stack.file} grants ${SECRET_MANAGER_READER_ROLES.join(' / ')} on secret ${key} to ${identityName(gsa)}`;
    }
  }
}

/**
 * Every ExternalSecret a cluster applies reads through a store the cluster has (admitting its
 * namespace), whose provider is the cluster's cloud; the store's ServiceAccount exists and the
 * operator may mint its tokens; and the cloud identity that ServiceAccount is bound to may read each
 * remote key, by the grants of the cloud's Terraform stack.
 */
export function externalSecretFindings(state: ClusterState, ctx: VerifyContext): Emit[] {
  const objects = allObjects(state);
  const externalSecrets = objects.filter((o) => o.manifest.kind === 'ExternalSecret' && o.manifest.apiVersion.startsWith('external-secrets.io/'));
  if (!externalSecrets.length) return [];
  const cluster = state.cluster;
  const out: Emit[] = [];
  const stores = objects.filter(
    (o) => ['ClusterSecretStore', 'SecretStore'].includes(o.manifest.kind) && o.manifest.apiVersion.startsWith('external-secrets.io/'),
  );
  const sas = serviceAccountsOf(state);
  const stack = isProvisioned(cluster) ? stackFor(ctx, state.environment.name, cluster.cloud) : undefined;
  for (const es of externalSecrets) {
    const m = es.manifest;
    const ns = m.metadata.namespace ?? 'default';
    const object = describeManifest(m);
    const ref = m.spec?.secretStoreRef ?? {};
    const kind = ref.kind ?? 'SecretStore';
    const store = stores.find(
      (s) => s.manifest.kind === kind && s.manifest.metadata.name === ref.name && (kind === 'ClusterSecretStore' || s.manifest.metadata.namespace === ns),
    );
    if (!store) {
      out.push({
        file: es.file,
        object,
        message: `${object} reads through ${kind} ${ref.name}, which ${cluster.name} does not have (its stores: ${stores.map((s) => describeManifest(s.manifest)).join(', ') || 'none'})`,
        fix: `render the store for ${cluster.name} (lib/secrets ExternalSecretsAddOn, from lib/core/secret-store.ts tenantSecretReaders), or route the ExternalSecret only where it exists`,
      });
      continue;
    }
    const storeObject = describeManifest(store.manifest);
    if (kind === 'ClusterSecretStore') {
      const admits = storeAdmits(store.manifest, ns);
      if (admits === false)
        out.push({
          file: es.file,
          object,
          message: `${storeObject}'s conditions do not admit namespace ${ns}`,
          fix: `add ${ns} to the store's conditions, or use the tenant's own store`,
        });
    }
    if (!isProvisioned(cluster)) {
      out.push({
        file: es.file,
        object,
        message: `${object} lands on ${cluster.name}, an edge site with no cloud secret store`,
        fix: 'keep ExternalSecrets off edge sites',
      });
      continue;
    }
    const provider = STORE_PROVIDERS[cluster.cloud];
    if (!store.manifest.spec?.provider?.[provider]) {
      out.push({
        file: store.file,
        object: storeObject,
        message: `${storeObject} on ${cluster.cloud} cluster ${cluster.name} uses provider ${Object.keys(store.manifest.spec?.provider ?? {}).join(', ') || 'none'}, not ${provider}: the cluster has no identity there`,
        fix: `configure the ${provider} provider for ${cluster.name} (lib/core/secret-store.ts cloudSecretLocation)`,
      });
      continue;
    }
    const saRef = storeServiceAccount(store.manifest, cluster.cloud, ns);
    if (!saRef) {
      out.push({
        file: store.file,
        object: storeObject,
        message: `${storeObject} names no ServiceAccount to authenticate as: the operator would use its own identity, which is not scoped to one tenant`,
        fix: 'authenticate through the tenant reader ServiceAccount (serviceAccountRef)',
      });
      continue;
    }
    const sa = sas.find((s) => s.namespace === saRef.namespace && s.name === saRef.name);
    if (!sa) {
      out.push({
        file: store.file,
        object: storeObject,
        message: `${storeObject} authenticates as ServiceAccount ${saRef.namespace}/${saRef.name}, which ${cluster.name} does not have`,
        fix: 'render the reader ServiceAccount with the store',
      });
      continue;
    }
    if (!operatorMayMintToken(state, saRef)) {
      out.push({
        file: store.file,
        object: storeObject,
        message: `the External Secrets Operator may not create tokens for ${saRef.namespace}/${saRef.name} (no Role with serviceaccounts/token create bound to external-secrets/external-secrets there), so ${storeObject} cannot authenticate`,
        fix: `bind a Role granting create on serviceaccounts/token (resourceNames: [${saRef.name}]) in ${saRef.namespace} to the operator`,
      });
    }
    if (!stack) {
      out.push({
        file: es.file,
        object,
        message: `${object} needs the ${cluster.cloud} stack of ${state.environment.name} to prove its identity may read its keys, and the verify context has none`,
        fix: 'synthesize the Terraform stacks with the manifests (npm run synth) before verifying',
      });
      continue;
    }
    for (const key of externalSecretKeys(m)) {
      const problem = secretReadAccess(stack, cluster.cloud, store.manifest, sa, key);
      if (problem)
        out.push({
          file: es.file,
          object,
          message: `${object} reads ${key} through ${storeObject} as ${saRef.namespace}/${saRef.name}, but ${problem}`,
          fix: 'grant the reader identity its tenant prefix in lib/infra (from lib/core/secret-store.ts tenantSecretReaders, not a second list)',
        });
    }
  }
  return out;
}

export const externalSecretCheck: VerifyCheck = {
  name: 'identity/external-secrets',
  description:
    "every ExternalSecret reads through a store the cluster has, for its namespace and cloud, as a ServiceAccount the operator may mint tokens for, whose cloud identity may read each key by the stack's grants",
  run: wrap('identity/external-secrets', externalSecretFindings),
};

export const identityChecks: VerifyCheck[] = [serviceAccountCheck, objectStoreCheck, endpointCheck, externalSecretCheck];
