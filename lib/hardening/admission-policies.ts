import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ClusterPolicy,
  ClusterPolicySpecRules,
  ClusterPolicySpecRulesValidateFailureAction,
  ClusterPolicySpecRulesValidatePodSecurityLevel,
  ClusterPolicySpecRulesValidatePodSecurityVersion,
} from '../../imports/kyverno-clusterpolicy-kyverno.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { ISTIO_HUB } from '../mesh';
import { Labels } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { TIERS_IN_ORDER } from '../quotas';
import { NamespaceDeclaration } from '../core/addon';
import { namespacesAtLevel, TENANT_NAMESPACE_GLOB } from './namespace-security';

/**
 * Images the platform itself injects or runs in tenant and core namespaces, allowed on top of the
 * platform's registries: the Istio sidecar (injected by istiod) and CloudNativePG's operand images.
 */
export const PLATFORM_PROVIDED_IMAGES: readonly string[] = [`${ISTIO_HUB}/*`, 'ghcr.io/cloudnative-pg/*'];

export interface AdmissionPoliciesProps {
  /** Registry prefixes workload images may come from (`PlatformConfig.allowedRegistries`). */
  readonly allowedRegistries: readonly string[];
  /** The platform's namespaces and the Pod Security level each needs (`PlatformCatalog.namespaces`). */
  readonly namespaces: readonly NamespaceDeclaration[];
}

const ENFORCE = ClusterPolicySpecRulesValidateFailureAction.ENFORCE;
/** The CloudNativePG operator's ServiceAccount (its chart's default, set explicitly in lib/data/cloudnative-pg.ts). */
export const CNPG_OPERATOR_SERVICE_ACCOUNT = 'cloudnative-pg';
const POD = ['Pod'];

/** Namespaces whose images Kyverno checks for registry: tenants and the platform's first-party namespaces. */
function firstPartyNamespaces(namespaces: readonly NamespaceDeclaration[]): string[] {
  return [TENANT_NAMESPACE_GLOB, ...namespaces.filter((n) => !n.thirdPartyImages).map((n) => n.name)];
}

interface PolicyDefinition {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly rules: ClusterPolicySpecRules[];
  /** Kyverno's auto-generation of Pod rules for controllers; `none` checks only the Pods themselves. @default Kyverno's default (every controller) */
  readonly autogen?: 'none';
}

/**
 * Kyverno ClusterPolicies in Enforce mode, generated from the platform's namespace declarations and the tier
 * table: the restricted Pod Security profile (baseline where a platform namespace needs it, nothing
 * where it must be privileged), pinned image tags, mandatory requests and limits, allowed registries,
 * required tenant labels, and the tier PriorityClass set on tenant pods. Rules written for Pods;
 * Kyverno's auto-generation extends them to Deployments, StatefulSets, Jobs and CronJobs.
 */
export class AdmissionPolicies extends Construct {
  public readonly policyNames: readonly string[];

  constructor(scope: Chart, id: string, props: AdmissionPoliciesProps) {
    super(scope, id);
    const privileged = namespacesAtLevel(props.namespaces, 'privileged');
    const baseline = namespacesAtLevel(props.namespaces, 'baseline');
    const registries = [...props.allowedRegistries.map((r) => `${r}*`), ...PLATFORM_PROVIDED_IMAGES];

    const policies: PolicyDefinition[] = [
      {
        name: 'ceres-pod-security',
        title: 'Pod Security Standards',
        description: `Restricted profile everywhere; baseline in ${baseline.join(', ')}; ${privileged.join(', ')} exempt (node agents). Mirrors the namespaces' Pod Security Admission labels so a missing label is still enforced.`,
        rules: [
          {
            name: 'restricted',
            match: { any: [{ resources: { kinds: POD } }] },
            exclude: { any: [{ resources: { namespaces: [...privileged, ...baseline] } }] },
            validate: {
              failureAction: ENFORCE,
              podSecurity: {
                level: ClusterPolicySpecRulesValidatePodSecurityLevel.RESTRICTED,
                version: ClusterPolicySpecRulesValidatePodSecurityVersion.V1_28,
              },
            },
          },
          {
            name: 'baseline',
            match: { any: [{ resources: { kinds: POD, namespaces: baseline } }] },
            validate: {
              failureAction: ENFORCE,
              podSecurity: { level: ClusterPolicySpecRulesValidatePodSecurityLevel.BASELINE, version: ClusterPolicySpecRulesValidatePodSecurityVersion.V1_28 },
            },
          },
        ],
      },
      {
        name: 'ceres-pinned-images',
        title: 'Pinned image tags',
        description: 'Every image names a tag other than latest, or a digest: a restart must not pull something new.',
        // Istio's gateway chart renders `image: auto`, which its injection webhook replaces when the
        // Pod is created: checked on the Pods (after every mutation), not on their Deployments.
        autogen: 'none',
        rules: [
          {
            name: 'require-tag-or-digest',
            match: { any: [{ resources: { kinds: POD } }] },
            exclude: { any: [{ resources: { namespaces: privileged } }] },
            validate: {
              failureAction: ENFORCE,
              message: 'Images must be pinned to a version tag or a digest.',
              pattern: { spec: { '=(initContainers)': [{ image: '*:* | *@sha256:*' }], containers: [{ image: '*:* | *@sha256:*' }] } },
            },
          },
          {
            name: 'forbid-latest',
            match: { any: [{ resources: { kinds: POD } }] },
            exclude: { any: [{ resources: { namespaces: privileged } }] },
            validate: {
              failureAction: ENFORCE,
              message: 'The mutable tag "latest" is not allowed.',
              pattern: { spec: { '=(initContainers)': [{ image: '!*:latest' }], containers: [{ image: '!*:latest' }] } },
            },
          },
        ],
      },
      {
        name: 'ceres-require-resources',
        title: 'Requests and limits',
        description: 'Every container declares CPU and memory requests and limits (tenant LimitRanges fill in defaults before this check).',
        rules: [
          {
            name: 'requests-and-limits',
            match: { any: [{ resources: { kinds: POD } }] },
            exclude: { any: [{ resources: { namespaces: privileged } }] },
            validate: {
              failureAction: ENFORCE,
              message: 'CPU and memory requests and limits are required for every container.',
              pattern: { spec: { containers: [{ resources: { requests: { cpu: '?*', memory: '?*' }, limits: { cpu: '?*', memory: '?*' } } }] } },
            },
          },
        ],
      },
      {
        name: 'ceres-allowed-registries',
        title: 'Allowed registries',
        description: `Images in tenant and core namespaces come from ${props.allowedRegistries.join(', ')} (plus the sidecar and database images the platform injects).`,
        rules: [
          {
            name: 'allowed-registries',
            match: { any: [{ resources: { kinds: POD, namespaces: firstPartyNamespaces(props.namespaces) } }] },
            validate: {
              failureAction: ENFORCE,
              message: `Images must come from an allowed registry: ${registries.join(', ')}.`,
              pattern: {
                spec: {
                  '=(initContainers)': [{ image: registries.join(' | ') }],
                  containers: [{ image: registries.join(' | ') }],
                },
              },
            },
          },
        ],
      },
      {
        name: 'ceres-tenant-labels',
        title: 'Tenant labels',
        description:
          'Tenant namespaces carry tenant, tier and cost-allocation labels; pods in them carry the tenant label (cost reports and network policies rely on it).',
        rules: [
          {
            name: 'tenant-namespace-labels',
            match: { any: [{ resources: { kinds: ['Namespace'], names: [TENANT_NAMESPACE_GLOB] } }] },
            validate: {
              failureAction: ENFORCE,
              message: `Tenant namespaces need the labels ${Labels.tenant}, ${Labels.tier} and ${Labels.costCenter}.`,
              pattern: { metadata: { labels: { [Labels.tenant]: '?*', [Labels.tier]: 'starter | professional | enterprise', [Labels.costCenter]: '?*' } } },
            },
          },
          {
            name: 'tenant-pod-labels',
            match: { any: [{ resources: { kinds: POD, namespaces: [TENANT_NAMESPACE_GLOB] } }] },
            validate: {
              failureAction: ENFORCE,
              message: `Pods in tenant namespaces need the label ${Labels.tenant}.`,
              pattern: { metadata: { labels: { [Labels.tenant]: '?*' } } },
            },
          },
        ],
      },
      {
        name: 'ceres-read-only-root',
        title: 'Read-only root filesystem',
        description:
          "Containers of tenant and core pods run with a read-only root filesystem (the design's pod-level hardening); an application that writes mounts an emptyDir (or a volume) at the paths it writes, no exception needed.",
        rules: [
          {
            name: 'read-only-root-filesystem',
            match: { any: [{ resources: { kinds: POD, namespaces: [TENANT_NAMESPACE_GLOB, PlatformNamespaces.core] } }] },
            validate: {
              failureAction: ENFORCE,
              message: 'Containers need securityContext.readOnlyRootFilesystem: true; mount an emptyDir where the application writes.',
              pattern: {
                spec: {
                  '=(initContainers)': [{ securityContext: { readOnlyRootFilesystem: true } }],
                  containers: [{ securityContext: { readOnlyRootFilesystem: true } }],
                },
              },
            },
          },
        ],
      },
      {
        name: 'ceres-reserved-labels',
        title: 'Reserved labels',
        description:
          'Only the CloudNativePG operator may create pods labelled cnpg.io/podRole: the label grants database egress (API server, object store), so a tenant setting it would bypass the egress gateway.',
        rules: [
          {
            name: 'database-pod-role',
            match: { any: [{ resources: { kinds: POD, namespaces: [TENANT_NAMESPACE_GLOB] } }] },
            exclude: { any: [{ subjects: [{ kind: 'ServiceAccount', name: CNPG_OPERATOR_SERVICE_ACCOUNT, namespace: PlatformNamespaces.cnpg }] }] },
            validate: {
              failureAction: ENFORCE,
              message: 'The label cnpg.io/podRole is reserved to the CloudNativePG operator.',
              pattern: { metadata: { '=(labels)': { 'X(cnpg.io/podRole)': 'null' } } },
            },
          },
        ],
      },
      {
        name: 'ceres-service-exposure',
        title: 'Service exposure',
        description:
          'Services may not set externalIPs (anyone who can create a Service could otherwise intercept traffic to any address, CVE-2020-8554); tenant Services may not be NodePorts (a port on every node, outside the mesh).',
        rules: [
          {
            name: 'no-external-ips',
            match: { any: [{ resources: { kinds: ['Service'] } }] },
            validate: {
              failureAction: ENFORCE,
              message: 'Service externalIPs are not allowed (CVE-2020-8554).',
              pattern: { spec: { 'X(externalIPs)': 'null' } },
            },
          },
          {
            name: 'no-tenant-nodeports',
            match: { any: [{ resources: { kinds: ['Service'], namespaces: [TENANT_NAMESPACE_GLOB] } }] },
            validate: {
              failureAction: ENFORCE,
              message: 'NodePort Services are not allowed in tenant namespaces; expose through the ingress gateway.',
              pattern: { spec: { '=(type)': '!NodePort' } },
            },
          },
        ],
      },
      {
        name: 'ceres-tenant-priority',
        title: 'Tier priority',
        description: "Pods of a tenant run with their tier's PriorityClass, whatever they ask for (a tenant cannot outrank its tier).",
        rules: TIERS_IN_ORDER.map((t) => ({
          name: `priority-${t.level}`,
          match: { any: [{ resources: { kinds: POD, namespaceSelector: { matchLabels: { [Labels.tier]: t.level } } } }] },
          mutate: { patchStrategicMerge: { spec: { priorityClassName: t.priorityClass.name } } },
        })),
      },
    ];

    const annotations = argoAnnotations({ wave: SyncWave.policies });
    for (const p of policies) {
      new ClusterPolicy(this, p.name, {
        metadata: {
          name: p.name,
          annotations: {
            ...annotations,
            'policies.kyverno.io/title': p.title,
            'policies.kyverno.io/category': 'CERES guardrails',
            'policies.kyverno.io/description': p.description,
            ...(p.autogen ? { 'pod-policies.kyverno.io/autogen-controllers': p.autogen } : {}),
          },
        },
        spec: { background: true, rules: p.rules },
      });
    }
    this.policyNames = policies.map((p) => p.name);
  }
}
