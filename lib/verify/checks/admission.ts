import { parse as parseYaml } from 'yaml';
import { KubeManifest } from '../../core/checks';
import { ClusterConfig } from '../../core/model';
import { parseQuantity } from '../../core/quantity';
import { LabelSelector, Labels, selectorMatches } from '../selector';
import { allObjects } from '../state';
import { ClusterState, describeManifest, Finding, findingAt, HelmRelease, StateObject, VerifyCheck, VerifyContext } from '../types';
import { groupOf, KindScopes } from '../scope';
import { applicationsOf, isIgnoredHook, preexistingNamespaces } from './argocd';

/**
 * Will the cluster admit the pods the platform asks for? Three admission layers stand between a
 * pod template and a running pod, and each is modelled here from its upstream source:
 *
 * 1. Istio's sidecar injector (a mutating webhook) adds containers to pods of injected namespaces:
 *    `istioInjectionModel` / `injectIstioSidecar` (istio/istio at tag 1.30.3, the chart the platform
 *    installs).
 * 2. Pod Security Admission enforces the level of the namespace's
 *    `pod-security.kubernetes.io/enforce` label on the pod as admitted (injected containers
 *    included): `evaluatePodSecurity` (kubernetes/pod-security-admission policy/ at 8f84a87c7f,
 *    the staging copy of kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy;
 *    every check is versioned, and is evaluated at the label's version capped at the cluster's
 *    Kubernetes minor, as a kube-apiserver of that minor does).
 * 3. Kyverno's webhooks, mutating then validating, over every object and over the pods of pod
 *    controllers (autogen rules on the controllers, Pod rules on the pods): `kyvernoMutate`,
 *    `kyvernoValidate` (kyverno/kyverno at tag v1.19.0, the release of chart 3.9.0; its podSecurity
 *    uses github.com/kyverno/pod-security-admission at 46f20778634f; wildcards are
 *    github.com/IGLOU-EU/go-wildcard v1.0.3).
 *
 * Webhooks run before PSA, and mutating webhooks in name order: the pod PSA and Kyverno's
 * validation see is the template after Istio's injection and Kyverno's mutations.
 */

type Json = any;

const isMap = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
const pluralize = (one: string, many: string, n: number) => (n === 1 ? one : many);
const joinQuote = (items: readonly string[]) => (items.length ? `"${items.join('", "')}"` : '');
const sortedUnique = (items: Iterable<string>) => [...new Set(items)].sort();

// =============================================================================================
// Pod Security Standards
// =============================================================================================

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** A pod as the admission plugins see it. */
export interface PodLike {
  /** Name (or generateName for a controller's pods), namespace, labels and annotations. */
  readonly metadata: {
    readonly name?: string;
    readonly generateName?: string;
    readonly namespace?: string;
    readonly labels?: Labels;
    readonly annotations?: Labels;
  };
  /** The pod spec, as plain parsed JSON. */
  readonly spec: Json;
}

export interface PssViolation {
  /** Upstream check id (`seccompProfile_restricted`). */
  readonly id: string;
  /** Short reason, as the API server words it (`allowPrivilegeEscalation != false`). */
  readonly reason: string;
  /** What to change, naming the containers and fields. */
  readonly detail: string;
  /** Containers the violation names (for telling injected containers apart). */
  readonly containers: readonly string[];
}

interface CheckResult {
  readonly allowed: boolean;
  readonly reason?: string;
  readonly detail?: string;
  readonly containers?: readonly string[];
}
type CheckPod = (meta: PodLike['metadata'], spec: Json) => CheckResult;
interface VersionedCheck {
  /** MinimumVersion's minor (major is 1). */
  readonly min: number;
  readonly fn: CheckPod;
  readonly overrides?: readonly string[];
}
interface PssCheck {
  readonly id: string;
  readonly level: 'baseline' | 'restricted';
  readonly versions: readonly VersionedCheck[];
}

const ALLOWED: CheckResult = { allowed: true };

/** policy/visitor.go visitContainers: init, regular, then ephemeral containers. */
function containersOf(spec: Json): Json[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])].filter(isMap);
}

const isWindows = (spec: Json) => spec?.os?.name === 'windows';
/** policy/helpers.go relaxPolicyForUserNamespacePod: `hostUsers: false`. */
const userNamespacePod = (spec: Json) => spec?.hostUsers === false;

function containerNames(spec: Json, bad: (c: Json) => boolean): string[] {
  return containersOf(spec)
    .filter(bad)
    .map((c) => String(c.name ?? ''));
}

// policy/check_allowPrivilegeEscalation.go
const allowPrivilegeEscalation_1_8: CheckPod = (_m, spec) => {
  const bad = containerNames(spec, (c) => c.securityContext?.allowPrivilegeEscalation == null || c.securityContext.allowPrivilegeEscalation === true);
  if (!bad.length) return ALLOWED;
  return {
    allowed: false,
    reason: 'allowPrivilegeEscalation != false',
    detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must set securityContext.allowPrivilegeEscalation=false`,
    containers: bad,
  };
};
const allowPrivilegeEscalation_1_25: CheckPod = (m, spec) => (isWindows(spec) ? ALLOWED : allowPrivilegeEscalation_1_8(m, spec));

// policy/check_appArmorProfile.go
const appArmorProfile_1_0: CheckPod = (meta, spec) => {
  const allowedType = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  const podProfile = spec?.securityContext?.appArmorProfile;
  if (podProfile && !allowedType(podProfile.type)) {
    badSetters.push('pod');
    badValues.add(String(podProfile.type ?? ''));
  }
  const bad = containerNames(spec, (c) => {
    const p = c.securityContext?.appArmorProfile;
    if (p && !allowedType(p.type)) {
      badValues.add(String(p.type ?? ''));
      return true;
    }
    return false;
  });
  if (bad.length) badSetters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
  const forbidden: string[] = [];
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && !(v.length === 0 || v === 'runtime/default' || v.startsWith('localhost/')))
      forbidden.push(`${k}=${JSON.stringify(v)}`);
  }
  const values = [...badValues].sort();
  if (forbidden.length) {
    values.push(...forbidden.sort());
    badSetters.push(pluralize('annotation', 'annotations', forbidden.length));
  }
  if (!badSetters.length) return ALLOWED;
  return {
    allowed: false,
    reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
    detail: `${badSetters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`,
    containers: bad,
  };
};

// policy/check_capabilities_baseline.go
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const capabilitiesBaseline_1_0: CheckPod = (_m, spec) => {
  const nonDefault = new Set<string>();
  const bad = containerNames(spec, (c) => {
    const add: unknown[] = c.securityContext?.capabilities?.add ?? [];
    let valid = true;
    for (const cap of add) {
      if (!BASELINE_CAPABILITIES.has(String(cap))) {
        valid = false;
        nonDefault.add(String(cap));
      }
    }
    return !valid;
  });
  if (!bad.length) return ALLOWED;
  return {
    allowed: false,
    reason: 'non-default capabilities',
    detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not include ${joinQuote([...nonDefault].sort())} in securityContext.capabilities.add`,
    containers: bad,
  };
};

// policy/check_capabilities_restricted.go
const capabilitiesRestricted_1_22: CheckPod = (_m, spec) => {
  const missingDropAll: string[] = [];
  const adding: string[] = [];
  const forbidden = new Set<string>();
  for (const c of containersOf(spec)) {
    const caps = c.securityContext?.capabilities;
    if (!c.securityContext || !caps) {
      missingDropAll.push(String(c.name ?? ''));
      continue;
    }
    if (!((caps.drop ?? []) as unknown[]).some((d) => d === 'ALL')) missingDropAll.push(String(c.name ?? ''));
    let addedForbidden = false;
    for (const a of (caps.add ?? []) as unknown[]) {
      if (a !== 'NET_BIND_SERVICE') {
        addedForbidden = true;
        forbidden.add(String(a));
      }
    }
    if (addedForbidden) adding.push(String(c.name ?? ''));
  }
  const details: string[] = [];
  if (missingDropAll.length)
    details.push(
      `${pluralize('container', 'containers', missingDropAll.length)} ${joinQuote(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`,
    );
  if (adding.length)
    details.push(
      `${pluralize('container', 'containers', adding.length)} ${joinQuote(adding)} must not include ${joinQuote([...forbidden].sort())} in securityContext.capabilities.add`,
    );
  if (!details.length) return ALLOWED;
  return { allowed: false, reason: 'unrestricted capabilities', detail: details.join('; '), containers: [...missingDropAll, ...adding] };
};
const capabilitiesRestricted_1_25: CheckPod = (m, spec) => (isWindows(spec) ? ALLOWED : capabilitiesRestricted_1_22(m, spec));

// policy/check_hostNamespaces.go
const hostNamespaces_1_0: CheckPod = (_m, spec) => {
  const used = [spec?.hostNetwork === true && 'hostNetwork=true', spec?.hostPID === true && 'hostPID=true', spec?.hostIPC === true && 'hostIPC=true'].filter(
    Boolean,
  ) as string[];
  return used.length ? { allowed: false, reason: 'host namespaces', detail: used.join(', ') } : ALLOWED;
};

// policy/check_hostPathVolumes.go
const hostPathVolumes_1_0: CheckPod = (_m, spec) => {
  const volumes = ((spec?.volumes ?? []) as Json[]).filter((v) => isMap(v) && v.hostPath != null).map((v) => String(v.name ?? ''));
  return volumes.length
    ? { allowed: false, reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', volumes.length)} ${joinQuote(volumes)}` }
    : ALLOWED;
};

// policy/check_hostPorts.go
const hostPorts_1_0: CheckPod = (_m, spec) => {
  const ports = new Set<string>();
  const bad = containerNames(spec, (c) => {
    let valid = true;
    for (const p of (c.ports ?? []) as Json[]) {
      if (p?.hostPort != null && Number(p.hostPort) !== 0) {
        valid = false;
        ports.add(String(p.hostPort));
      }
    }
    return !valid;
  });
  if (!bad.length) return ALLOWED;
  return {
    allowed: false,
    reason: 'hostPort',
    detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', ports.size)} ${[...ports].sort().join(', ')}`,
    containers: bad,
  };
};

// policy/check_hostProbesAndhostLifecycle.go
const hostProbesAndHostLifecycle_1_34: CheckPod = (_m, spec) => {
  const bad = new Set<string>();
  const hosts = new Set<string>();
  const handler = (name: string, h: Json) => {
    for (const kind of ['httpGet', 'tcpSocket']) {
      const host = h?.[kind]?.host;
      if (host != null && host !== '') {
        bad.add(name);
        hosts.add(String(host));
      }
    }
  };
  for (const c of containersOf(spec)) {
    const name = String(c.name ?? '');
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) handler(name, c[probe]);
    handler(name, c.lifecycle?.postStart);
    handler(name, c.lifecycle?.preStop);
  }
  if (!bad.size) return ALLOWED;
  const names = [...bad].sort();
  return {
    allowed: false,
    reason: 'probe or lifecycle host',
    detail: `${pluralize('container', 'containers', names.length)} ${joinQuote(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', hosts.size)} ${joinQuote([...hosts].sort())}`,
    containers: names,
  };
};

// policy/check_privileged.go
const privileged_1_0: CheckPod = (_m, spec) => {
  const bad = containerNames(spec, (c) => c.securityContext?.privileged === true);
  return bad.length
    ? {
        allowed: false,
        reason: 'privileged',
        detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.privileged=true`,
        containers: bad,
      }
    : ALLOWED;
};

// policy/check_procMount_baseline.go (procMount_1_0 is also the restricted check of v1.35)
const procMount_1_0: CheckPod = (_m, spec) => {
  const types = new Set<string>();
  const bad = containerNames(spec, (c) => {
    const pm = c.securityContext?.procMount;
    if (pm == null || pm === 'Default') return false;
    types.add(String(pm));
    return true;
  });
  return bad.length
    ? {
        allowed: false,
        reason: 'procMount',
        detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.procMount to ${joinQuote([...types].sort())}`,
        containers: bad,
      }
    : ALLOWED;
};
const procMount_1_35: CheckPod = (m, spec) => (userNamespacePod(spec) ? ALLOWED : procMount_1_0(m, spec));

// policy/check_restrictedVolumes.go
const ALLOWED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
const RESTRICTED_VOLUME_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
];
const restrictedVolumes_1_0: CheckPod = (_m, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of (spec?.volumes ?? []) as Json[]) {
    if (!isMap(v) || ALLOWED_VOLUME_SOURCES.some((s) => v[s] != null)) continue;
    bad.push(String(v.name ?? ''));
    types.add(RESTRICTED_VOLUME_SOURCES.find((s) => v[s] != null) ?? 'unknown');
  }
  if (!bad.length) return ALLOWED;
  return {
    allowed: false,
    reason: 'restricted volume types',
    detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', types.size)} ${joinQuote([...types].sort())}`,
  };
};

// policy/check_runAsNonRoot.go
const runAsNonRoot_1_0: CheckPod = (_m, spec) => {
  const badSetters: string[] = [];
  let podNonRoot = false;
  const podValue = spec?.securityContext?.runAsNonRoot;
  if (podValue != null) {
    if (!podValue) badSetters.push('pod');
    else podNonRoot = true;
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containersOf(spec)) {
    const v = c.securityContext?.runAsNonRoot;
    if (v != null) {
      if (!v) explicit.push(String(c.name ?? ''));
    } else if (!podNonRoot) implicit.push(String(c.name ?? ''));
  }
  if (explicit.length) badSetters.push(`${pluralize('container', 'containers', explicit.length)} ${joinQuote(explicit)}`);
  if (badSetters.length)
    return {
      allowed: false,
      reason: 'runAsNonRoot != true',
      detail: `${badSetters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
      containers: explicit,
    };
  if (implicit.length)
    return {
      allowed: false,
      reason: 'runAsNonRoot != true',
      detail: `pod or ${pluralize('container', 'containers', implicit.length)} ${joinQuote(implicit)} must set securityContext.runAsNonRoot=true`,
      containers: implicit,
    };
  return ALLOWED;
};
const runAsNonRoot_1_35: CheckPod = (m, spec) => (userNamespacePod(spec) ? ALLOWED : runAsNonRoot_1_0(m, spec));

// policy/check_runAsUser.go
const runAsUser_1_23: CheckPod = (_m, spec) => {
  const badSetters: string[] = [];
  if (spec?.securityContext?.runAsUser != null && Number(spec.securityContext.runAsUser) === 0) badSetters.push('pod');
  const bad = containerNames(spec, (c) => c.securityContext?.runAsUser != null && Number(c.securityContext.runAsUser) === 0);
  if (bad.length) badSetters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
  return badSetters.length
    ? { allowed: false, reason: 'runAsUser=0', detail: `${badSetters.join(' and ')} must not set runAsUser=0`, containers: bad }
    : ALLOWED;
};
const runAsUser_1_35: CheckPod = (m, spec) => (userNamespacePod(spec) ? ALLOWED : runAsUser_1_23(m, spec));

// policy/check_seLinuxOptions.go
function seLinuxOptions(allowedTypes: ReadonlySet<string>): CheckPod {
  return (_m, spec) => {
    const badTypes = new Set<string>();
    let setUser = false;
    let setRole = false;
    const valid = (o: Json) => {
      let ok = true;
      const type = String(o.type ?? '');
      if (!allowedTypes.has(type)) {
        ok = false;
        badTypes.add(type);
      }
      if (o.user) {
        ok = false;
        setUser = true;
      }
      if (o.role) {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const badSetters: string[] = [];
    if (isMap(spec?.securityContext?.seLinuxOptions) && !valid(spec.securityContext.seLinuxOptions)) badSetters.push('pod');
    const bad = containerNames(spec, (c) => isMap(c.securityContext?.seLinuxOptions) && !valid(c.securityContext.seLinuxOptions));
    if (bad.length) badSetters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
    if (!badSetters.length) return ALLOWED;
    const data: string[] = [];
    if (badTypes.size) data.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote([...badTypes].sort())}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return {
      allowed: false,
      reason: 'seLinuxOptions',
      detail: `${badSetters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
      containers: bad,
    };
  };
}
const seLinuxOptions_1_0 = seLinuxOptions(new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']));
const seLinuxOptions_1_31 = seLinuxOptions(new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']));

// policy/check_seccompProfile_baseline.go
const validSeccomp = (t: unknown) => t === 'Localhost' || t === 'RuntimeDefault';
const seccompProfileBaseline_1_0: CheckPod = (meta, spec) => {
  const validAnnotation = (v: string) => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
  const forbidden = new Set<string>();
  const annotations = meta.annotations ?? {};
  const pod = annotations['seccomp.security.alpha.kubernetes.io/pod'];
  if (pod !== undefined && !validAnnotation(pod)) forbidden.add(`seccomp.security.alpha.kubernetes.io/pod=${JSON.stringify(pod)}`);
  for (const c of containersOf(spec)) {
    const key = `container.seccomp.security.alpha.kubernetes.io/${c.name}`;
    if (annotations[key] !== undefined && !validAnnotation(annotations[key])) forbidden.add(`${key}=${JSON.stringify(annotations[key])}`);
  }
  return forbidden.size
    ? {
        allowed: false,
        reason: 'seccompProfile',
        detail: `forbidden ${pluralize('annotation', 'annotations', forbidden.size)} ${[...forbidden].sort().join(', ')}`,
      }
    : ALLOWED;
};
const seccompProfileBaseline_1_19: CheckPod = (_m, spec) => {
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  const podProfile = spec?.securityContext?.seccompProfile;
  if (podProfile != null && !validSeccomp(podProfile.type)) {
    badSetters.push('pod');
    badValues.add(String(podProfile.type ?? ''));
  }
  const bad = containerNames(spec, (c) => {
    const p = c.securityContext?.seccompProfile;
    if (p != null && !validSeccomp(p.type)) {
      badValues.add(String(p.type ?? ''));
      return true;
    }
    return false;
  });
  if (bad.length) badSetters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
  return badSetters.length
    ? {
        allowed: false,
        reason: 'seccompProfile',
        detail: `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote([...badValues].sort())}`,
        containers: bad,
      }
    : ALLOWED;
};

// policy/check_seccompProfile_restricted.go
const seccompProfileRestricted_1_19: CheckPod = (_m, spec) => {
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  let podSet = false;
  const podProfile = spec?.securityContext?.seccompProfile;
  if (podProfile != null) {
    if (!validSeccomp(podProfile.type)) {
      badSetters.push('pod');
      badValues.add(String(podProfile.type ?? ''));
    } else podSet = true;
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containersOf(spec)) {
    const p = c.securityContext?.seccompProfile;
    if (p != null) {
      if (!validSeccomp(p.type)) {
        explicit.push(String(c.name ?? ''));
        badValues.add(String(p.type ?? ''));
      }
    } else if (!podSet) implicit.push(String(c.name ?? ''));
  }
  if (explicit.length) badSetters.push(`${pluralize('container', 'containers', explicit.length)} ${joinQuote(explicit)}`);
  if (badSetters.length)
    return {
      allowed: false,
      reason: 'seccompProfile',
      detail: `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote([...badValues].sort())}`,
      containers: explicit,
    };
  if (implicit.length)
    return {
      allowed: false,
      reason: 'seccompProfile',
      detail: `pod or ${pluralize('container', 'containers', implicit.length)} ${joinQuote(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
      containers: implicit,
    };
  return ALLOWED;
};
const seccompProfileRestricted_1_25: CheckPod = (m, spec) => (isWindows(spec) ? ALLOWED : seccompProfileRestricted_1_19(m, spec));

// policy/check_sysctls.go
const SYSCTLS_1_0 = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const SYSCTLS_1_37 = [...SYSCTLS_1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];
function sysctls(allowed: readonly string[]): CheckPod {
  const set = new Set(allowed);
  return (_m, spec) => {
    const forbidden = ((spec?.securityContext?.sysctls ?? []) as Json[]).map((s) => String(s?.name ?? '')).filter((n) => !set.has(n));
    return forbidden.length ? { allowed: false, reason: 'forbidden sysctls', detail: forbidden.join(', ') } : ALLOWED;
  };
}

// policy/check_windowsHostProcess.go
const windowsHostProcess_1_0: CheckPod = (_m, spec) => {
  const bad = containerNames(spec, (c) => c.securityContext?.windowsOptions?.hostProcess === true);
  const setters = [
    ...(spec?.securityContext?.windowsOptions?.hostProcess === true ? ['pod'] : []),
    ...(bad.length ? [`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`] : []),
  ];
  return setters.length
    ? {
        allowed: false,
        reason: 'hostProcess',
        detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
        containers: bad,
      }
    : ALLOWED;
};

/**
 * kubernetes/pod-security-admission policy/ (master): every check with its versions; a restricted
 * version may override baseline checks (registry.go populate).
 */
export const PSA_CHECKS: readonly PssCheck[] = [
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [
      { min: 8, fn: allowPrivilegeEscalation_1_8 },
      { min: 25, fn: allowPrivilegeEscalation_1_25 },
    ],
  },
  { id: 'appArmorProfile', level: 'baseline', versions: [{ min: 0, fn: appArmorProfile_1_0 }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ min: 0, fn: capabilitiesBaseline_1_0 }] },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { min: 22, fn: capabilitiesRestricted_1_22, overrides: ['capabilities_baseline'] },
      { min: 25, fn: capabilitiesRestricted_1_25, overrides: ['capabilities_baseline'] },
    ],
  },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ min: 0, fn: hostNamespaces_1_0 }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ min: 0, fn: hostPathVolumes_1_0 }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ min: 0, fn: hostPorts_1_0 }] },
  { id: 'hostProbesAndHostLifecycle', level: 'baseline', versions: [{ min: 34, fn: hostProbesAndHostLifecycle_1_34 }] },
  { id: 'privileged', level: 'baseline', versions: [{ min: 0, fn: privileged_1_0 }] },
  {
    id: 'procMount',
    level: 'baseline',
    versions: [
      { min: 0, fn: procMount_1_0 },
      { min: 35, fn: procMount_1_35 },
    ],
  },
  { id: 'procMount_restricted', level: 'restricted', versions: [{ min: 35, fn: procMount_1_0, overrides: ['procMount'] }] },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ min: 0, fn: restrictedVolumes_1_0, overrides: ['hostPathVolumes'] }] },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    versions: [
      { min: 0, fn: runAsNonRoot_1_0 },
      { min: 35, fn: runAsNonRoot_1_35 },
    ],
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    versions: [
      { min: 23, fn: runAsUser_1_23 },
      { min: 35, fn: runAsUser_1_35 },
    ],
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { min: 0, fn: seLinuxOptions_1_0 },
      { min: 31, fn: seLinuxOptions_1_31 },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    versions: [
      { min: 0, fn: seccompProfileBaseline_1_0 },
      { min: 19, fn: seccompProfileBaseline_1_19 },
    ],
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { min: 19, fn: seccompProfileRestricted_1_19, overrides: ['seccompProfile_baseline'] },
      { min: 25, fn: seccompProfileRestricted_1_25, overrides: ['seccompProfile_baseline'] },
    ],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { min: 0, fn: sysctls(SYSCTLS_1_0) },
      { min: 27, fn: sysctls(SYSCTLS_1_27) },
      { min: 29, fn: sysctls(SYSCTLS_1_29) },
      { min: 32, fn: sysctls(SYSCTLS_1_32) },
      { min: 37, fn: sysctls(SYSCTLS_1_37) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ min: 0, fn: windowsHostProcess_1_0 }] },
];

/**
 * The checks of Kyverno 1.19's pod-security-admission (github.com/kyverno/pod-security-admission at
 * 46f20778634f, branched from Kubernetes 1.34): no user-namespace relaxations (their feature flag is
 * off), no procMount_restricted, sysctls up to v1.32.
 */
export const KYVERNO_PSS_CHECKS: readonly PssCheck[] = PSA_CHECKS.filter((c) => c.id !== 'procMount_restricted').map((c) => {
  const versions = c.versions.filter((v) => v.min <= 34);
  if (c.id === 'procMount') return { ...c, versions: [{ min: 0, fn: procMount_1_0 }] };
  return { ...c, versions };
});

/** A Pod Security version: a minor of 1.x, or `latest`. */
export type PssVersion = number | 'latest';

/** api/helpers.go ParseVersion: `latest` or `v1.<minor>`; anything else is invalid (undefined). */
export function parsePssVersion(v: string | undefined): PssVersion | undefined {
  if (v === undefined || v === 'latest') return 'latest';
  const m = /^v1\.([0-9]|[1-9][0-9]*)$/.exec(v);
  return m ? Number(m[1]) : undefined;
}

const ORDER = (checks: readonly PssCheck[]) => [...checks].sort((a, b) => (a.level === b.level ? (a.id < b.id ? -1 : 1) : a.level === 'baseline' ? -1 : 1));

/**
 * Pod Security Admission (policy/registry.go EvaluatePod): the checks of the level at the version,
 * capped at the evaluator's newest version (`maxMinor`: the cluster's Kubernetes minor); restricted
 * includes the baseline checks its own checks do not override.
 */
export function evaluatePodSecurity(
  level: PodSecurityLevel,
  version: PssVersion,
  pod: PodLike,
  maxMinor?: number,
  checks: readonly PssCheck[] = PSA_CHECKS,
): PssViolation[] {
  if (level === 'privileged') return [];
  const newest = Math.max(...checks.map((c) => c.versions[c.versions.length - 1].min));
  const cap = Math.min(newest, maxMinor ?? newest);
  const v = version === 'latest' ? cap : Math.min(version, cap);
  const active = (c: PssCheck) => [...c.versions].reverse().find((x) => x.min <= v);
  const restricted = checks
    .filter((c) => c.level === 'restricted')
    .map((c) => ({ c, vc: active(c) }))
    .filter((x) => x.vc);
  const overridden = new Set(level === 'restricted' ? restricted.flatMap((x) => x.vc!.overrides ?? []) : []);
  const out: PssViolation[] = [];
  for (const c of ORDER(checks)) {
    if (c.level === 'restricted' && level !== 'restricted') continue;
    if (c.level === 'baseline' && overridden.has(c.id)) continue;
    const vc = active(c);
    if (!vc) continue;
    const r = vc.fn(pod.metadata, pod.spec);
    if (!r.allowed) out.push({ id: c.id, reason: r.reason ?? c.id, detail: r.detail ?? '', containers: r.containers ?? [] });
  }
  return out;
}

/**
 * Kyverno's `validate.podSecurity` (pkg/pss/evaluate.go evaluatePSS at v1.19.0): every check of the
 * level (baseline: baseline checks; any other level: all checks, with no overrides), each at the
 * newest of its versions not newer than the requested one, or at its first version when all are
 * newer (so a v1.28 rule still runs checks introduced later).
 */
export function evaluateKyvernoPodSecurity(
  level: PodSecurityLevel,
  version: PssVersion,
  pod: PodLike,
  checks: readonly PssCheck[] = KYVERNO_PSS_CHECKS,
): PssViolation[] {
  const out: PssViolation[] = [];
  for (const c of checks) {
    if (level === 'baseline' && c.level !== 'baseline') continue;
    let selected = c.versions[0];
    for (const next of c.versions.slice(1)) if ((version === 'latest' || version >= next.min) && selected.min < next.min) selected = next;
    const r = selected.fn(pod.metadata, pod.spec);
    if (!r.allowed) out.push({ id: c.id, reason: r.reason ?? c.id, detail: r.detail ?? '', containers: r.containers ?? [] });
  }
  return out;
}

/** `reason (detail)` of violations, as kube-apiserver prints them. */
export const describeViolations = (vs: readonly PssViolation[]) => vs.map((v) => `${v.reason}${v.detail ? ` (${v.detail})` : ''}`).join(', ');

// =============================================================================================
// Label selectors
// =============================================================================================

const isEmptySelector = (s: LabelSelector) => !Object.keys(s.matchLabels ?? {}).length && !(s.matchExpressions ?? []).length;

// =============================================================================================
// Istio sidecar injection
// =============================================================================================

/**
 * The registry release-builder stamps into the published istiod chart's `global.hub`
 * (istio/release-builder release/build.sh DOCKER_HUB: `registry.istio.io/release` on the
 * release-1.30 branch, `docker.io/istio` on release-1.28, -1.29, -1.31 and master).
 */
export function publishedIstioHub(chartVersion: string): string {
  return /^1\.30\./.test(chartVersion) ? 'registry.istio.io/release' : 'docker.io/istio';
}

/**
 * The values of the istiod chart (manifests/charts/istio-control/istio-discovery/values.yaml,
 * `_internal_defaults_do_not_set`, tag 1.30.3) that the injection webhook and its templates read;
 * `global.hub` and `global.tag` are those release-builder stamps into the published chart.
 */
export function istiodChartDefaults(chartVersion: string): Json {
  return {
    revision: '',
    cni: { enabled: false, provider: 'default' },
    env: {},
    sidecarInjectorWebhook: {
      neverInjectSelector: [],
      alwaysInjectSelector: [],
      injectedAnnotations: {},
      enableNamespacesByDefault: false,
      reinvocationPolicy: 'Never',
      rewriteAppHTTPProbe: true,
      templates: {},
      defaultTemplates: [],
    },
    gateways: { securityContext: {}, seccompProfile: {} },
    global: {
      istioNamespace: 'istio-system',
      hub: publishedIstioHub(chartVersion),
      tag: chartVersion,
      variant: '',
      imagePullPolicy: '',
      imagePullSecrets: [],
      logAsJson: false,
      logging: { level: 'default:info' },
      proxy: {
        image: 'proxyv2',
        autoInject: 'enabled',
        clusterDomain: 'cluster.local',
        componentLogLevel: 'misc:error',
        excludeInboundPorts: '',
        includeInboundPorts: '*',
        includeIPRanges: '*',
        excludeIPRanges: '',
        includeOutboundPorts: '',
        excludeOutboundPorts: '',
        logLevel: 'warning',
        outlierLogPath: '',
        privileged: false,
        seccompProfile: {},
        readinessFailureThreshold: 4,
        readinessInitialDelaySeconds: 0,
        readinessPeriodSeconds: 15,
        startupProbe: { enabled: true, failureThreshold: 600 },
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } },
        statusPort: 15020,
        tracer: 'none',
      },
      proxy_init: { image: 'proxyv2', forceApplyIptables: false },
      caAddress: '',
      caName: '',
      mountMtlsCerts: false,
      multiCluster: { clusterName: '' },
      network: '',
      pilotCertProvider: 'istiod',
      sds: { token: { aud: 'istio-ca' } },
      sts: { servicePort: 0 },
    },
  };
}

/** Helm's value coalescing: maps merge key by key, anything else replaces, `null` deletes. */
export function helmMerge(base: Json, override: Json): Json {
  if (!isMap(base) || !isMap(override)) return clone(override);
  const out: Json = clone(base);
  for (const [k, v] of Object.entries(override)) {
    if (v === null) delete out[k];
    else out[k] = isMap(v) && isMap(out[k]) ? helmMerge(out[k], v) : clone(v);
  }
  return out;
}

export interface IstioInjectionModel {
  /** The istiod release whose webhook injects. */
  readonly release: HelmRelease;
  /** `istio.io/rev` it answers to (`default` for the default revision). */
  readonly revision: string;
  /** The values the injection templates read (the `values` of the istio-sidecar-injector ConfigMap). */
  readonly values: Json;
  /** `policy` of the injector config (values global.proxy.autoInject). */
  readonly policy: string;
  /** Pods matching any of these get no sidecar unless they ask for one (`neverInjectSelector` of the injector config). */
  readonly neverInjectSelector: readonly LabelSelector[];
  /** Pods matching any of these get a sidecar unless they refuse one (`alwaysInjectSelector`). */
  readonly alwaysInjectSelector: readonly LabelSelector[];
  /** Injection templates applied when a pod names none. @default ['sidecar'] */
  readonly defaultTemplates: readonly string[];
  /** The proxy image (`{hub}/{image}:{tag}`, pkg/kube/inject/inject.go ProxyImage). */
  readonly proxyImage: string;
  /** Whether the proxy becomes a native sidecar (an init container with restartPolicy Always). */
  readonly nativeSidecars: boolean;
  /** Whether traffic redirection is done by the istio-cni node agent (no NET_ADMIN istio-init container). */
  readonly cniEnabled: boolean;
  /** Where the values come from. */
  readonly source: string;
  /** Values that do not do what they seem to: `cni` (traffic redirection), `hub` (image registry). */
  readonly notes: readonly IstioNote[];
}

export interface IstioNote {
  /** What the note is about: traffic redirection (`cni`) or the image registry (`hub`). */
  readonly topic: 'cni' | 'hub';
  /** The note, for the report. */
  readonly text: string;
}

/** pkg/kube/inject/inject.go updateImageTypeIfPresent. */
function imageTag(tag: string, variant: string): string {
  if (!variant) return tag;
  let t = tag;
  for (const known of ['default', 'debug', 'distroless']) {
    if (t.endsWith(`-${known}`)) {
      t = t.slice(0, -(known.length + 1));
      break;
    }
  }
  return variant === 'default' ? t : `${t}-${variant}`;
}

/**
 * What the istiod release's injection webhook does: the values its injector reads, from the
 * rendered `istio-sidecar-injector` ConfigMap when the chart was rendered, else the chart's
 * defaults (`istiodChartDefaults`) coalesced with the release values the way the chart does
 * (templates/zzz_profile.yaml, templates/istiod-injector-configmap.yaml: `pilot` in the injector's
 * values is the chart's top-level `cni` and `env`, never a `pilot:` value).
 */
export function istioInjectionModel(release: HelmRelease, cluster?: ClusterConfig): IstioInjectionModel {
  const notes: IstioNote[] = [];
  const userValues = (release.values ?? {}) as Json;
  const revisionOf = (v: Json) => String(v?.revision ?? '');
  let injectorValues: Json | undefined;
  let config: Json = {};
  let source = `the ${release.chart} ${release.version} chart defaults with the release values of ${release.file}`;
  const cmName = `istio-sidecar-injector${revisionOf(userValues) ? `-${revisionOf(userValues)}` : ''}`;
  const cm = (release.rendered ?? []).find((o) => o.manifest.kind === 'ConfigMap' && o.manifest.metadata.name === cmName)?.manifest;
  if (cm?.data?.values) {
    try {
      injectorValues = JSON.parse(cm.data.values);
      config = cm.data.config ? (parseYaml(cm.data.config) ?? {}) : {};
      source = `ConfigMap ${cmName} of the rendered ${release.chart}@${release.version}`;
    } catch {
      injectorValues = undefined;
    }
  }
  if (!injectorValues) {
    const merged = helmMerge(istiodChartDefaults(release.version), userValues);
    injectorValues = {
      global: merged.global,
      sidecarInjectorWebhook: merged.sidecarInjectorWebhook,
      revision: merged.revision ?? '',
      pilot: { cni: merged.cni, env: merged.env },
      gateways: { securityContext: merged.gateways?.securityContext, seccompProfile: merged.gateways?.seccompProfile },
    };
    const hook = merged.sidecarInjectorWebhook ?? {};
    config = {
      policy: merged.global?.proxy?.autoInject ?? 'enabled',
      neverInjectSelector: hook.neverInjectSelector ?? [],
      alwaysInjectSelector: hook.alwaysInjectSelector ?? [],
      defaultTemplates: hook.defaultTemplates?.length ? hook.defaultTemplates : ['sidecar'],
    };
  }
  if (userValues.pilot?.cni !== undefined && userValues.cni === undefined) {
    notes.push({
      topic: 'cni',
      text: `the ${release.chart} chart ignores \`pilot.cni.enabled\` (the pre-1.24 / IstioOperator \`values.pilot\` form): its injector reads the chart's top-level \`cni.enabled\`, so injected pods get ${injectorValues.pilot?.cni?.enabled ? 'istio-validation' : 'the NET_ADMIN/NET_RAW istio-init container'}`,
    });
  }
  const g = injectorValues.global ?? {};
  const proxyImageName = String(g.proxy?.image ?? 'proxyv2');
  const tag = String(g.tag ?? '');
  const proxyImage = proxyImageName.includes('/') ? proxyImageName : `${g.hub}/${proxyImageName}:${imageTag(tag, String(g.variant ?? ''))}`;
  if (!userValues.global?.hub && !cm)
    notes.push({ topic: 'hub', text: `\`global.hub\` is not set, so the proxy image comes from the registry the published chart defaults to: ${proxyImage}` });
  // pilot/pkg/features: ENABLE_NATIVE_SIDECARS (istiod env) true | false | auto (default): auto
  // enables them when every node's kubelet is 1.33 or newer (webhook.go DetectNativeSidecar).
  const flag = String(injectorValues.pilot?.env?.ENABLE_NATIVE_SIDECARS ?? 'auto');
  const minor = Number(/^1\.(\d+)/.exec(cluster?.kubernetesVersion ?? '')?.[1] ?? 0);
  const nativeSidecars = flag === 'true' || (flag === 'auto' && minor >= 33);
  return {
    release,
    revision: revisionOf(injectorValues) || 'default',
    values: injectorValues,
    policy: String(config.policy ?? 'enabled'),
    neverInjectSelector: (config.neverInjectSelector ?? []) as LabelSelector[],
    alwaysInjectSelector: (config.alwaysInjectSelector ?? []) as LabelSelector[],
    defaultTemplates: (config.defaultTemplates?.length ? config.defaultTemplates : ['sidecar']) as string[],
    proxyImage,
    nativeSidecars,
    cniEnabled: injectorValues.pilot?.cni?.enabled === true,
    source,
    notes,
  };
}

/** The injection webhooks of a cluster: one per istiod release it installs. */
export function istioInjectionModels(state: ClusterState): IstioInjectionModel[] {
  return state.releases.filter((r) => r.chart === 'istiod').map((r) => istioInjectionModel(r, state.cluster));
}

/** pkg/kube/inject/initializer.go IgnoredNamespaces. */
const ISTIO_IGNORED_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

/**
 * Whether the model's MutatingWebhookConfiguration sends the pod to istiod
 * (templates/mutatingwebhook.yaml: the rev.namespace, rev.object, namespace, object and auto webhooks).
 */
function webhookSelects(model: IstioInjectionModel, namespace: string, nsLabels: Labels, podLabels: Labels): boolean {
  const has = (l: Labels, k: string) => Object.prototype.hasOwnProperty.call(l, k);
  const notDisabled = podLabels['sidecar.istio.io/inject'] !== 'false';
  const rev = model.revision;
  if (nsLabels['istio.io/rev'] === rev && !has(nsLabels, 'istio-injection') && notDisabled) return true;
  if (!has(nsLabels, 'istio.io/rev') && !has(nsLabels, 'istio-injection') && notDisabled && podLabels['istio.io/rev'] === rev) return true;
  if (String(model.values.revision ?? '') === '') {
    if (nsLabels['istio-injection'] === 'enabled' && notDisabled) return true;
    if (
      !has(nsLabels, 'istio-injection') &&
      !has(nsLabels, 'istio.io/rev') &&
      podLabels['sidecar.istio.io/inject'] === 'true' &&
      !has(podLabels, 'istio.io/rev')
    )
      return true;
    if (model.values.sidecarInjectorWebhook?.enableNamespacesByDefault === true) {
      if (
        !has(nsLabels, 'istio-injection') &&
        !has(nsLabels, 'istio.io/rev') &&
        !['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'].includes(namespace) &&
        !has(podLabels, 'sidecar.istio.io/inject') &&
        !has(podLabels, 'istio.io/rev')
      )
        return true;
    }
  }
  return false;
}

/** pkg/kube/inject/inject.go injectRequired. */
function injectRequired(model: IstioInjectionModel, pod: PodLike, namespace: string): boolean {
  if (pod.spec?.hostNetwork === true) return false;
  if (ISTIO_IGNORED_NAMESPACES.has(namespace)) return false;
  const labels = pod.metadata.labels ?? {};
  let selector = pod.metadata.annotations?.['sidecar.istio.io/inject'] ?? '';
  if (Object.prototype.hasOwnProperty.call(labels, 'sidecar.istio.io/inject')) selector = labels['sidecar.istio.io/inject'];
  let useDefault = false;
  let inject = false;
  if (selector === 'true') inject = true;
  else if (selector !== 'false') useDefault = true;
  if (useDefault) {
    for (const s of model.neverInjectSelector) {
      if (!isEmptySelector(s) && selectorMatches(s, labels)) {
        inject = false;
        useDefault = false;
        break;
      }
    }
  }
  if (useDefault) {
    for (const s of model.alwaysInjectSelector) {
      if (!isEmptySelector(s) && selectorMatches(s, labels)) {
        inject = true;
        useDefault = false;
        break;
      }
    }
  }
  if (model.policy === 'enabled') return useDefault ? true : inject;
  if (model.policy === 'disabled') return useDefault ? false : inject;
  return false;
}

export interface InjectionResult {
  /** The pod as admitted after the webhook. */
  readonly pod: PodLike;
  /** Names of the containers istiod added or rewrote. */
  readonly injected: readonly string[];
  /** The injector that handled the pod; undefined when no istiod answers its namespace. */
  readonly model?: IstioInjectionModel;
  /** Templates requested but not modelled (the pod is checked without them). */
  readonly unmodelled: readonly string[];
}

const annotation = (pod: PodLike, key: string, fallback: unknown) =>
  pod.metadata.annotations?.[key] ?? (fallback === undefined || fallback === null ? '' : String(fallback));

/** The `resources` define of injection-template.yaml: annotations, else global.proxy.resources. */
function proxyResources(pod: PodLike, g: Json): Json | undefined {
  const a = pod.metadata.annotations ?? {};
  if (a['sidecar.istio.io/proxyCPU'] || a['sidecar.istio.io/proxyMemory'] || a['sidecar.istio.io/proxyCPULimit'] || a['sidecar.istio.io/proxyMemoryLimit']) {
    const out: Json = {};
    if (a['sidecar.istio.io/proxyCPU'] || a['sidecar.istio.io/proxyMemory'])
      out.requests = {
        ...(a['sidecar.istio.io/proxyCPU'] ? { cpu: a['sidecar.istio.io/proxyCPU'] } : {}),
        ...(a['sidecar.istio.io/proxyMemory'] ? { memory: a['sidecar.istio.io/proxyMemory'] } : {}),
      };
    if (a['sidecar.istio.io/proxyCPULimit'] || a['sidecar.istio.io/proxyMemoryLimit'])
      out.limits = {
        ...(a['sidecar.istio.io/proxyCPULimit'] ? { cpu: a['sidecar.istio.io/proxyCPULimit'] } : {}),
        ...(a['sidecar.istio.io/proxyMemoryLimit'] ? { memory: a['sidecar.istio.io/proxyMemoryLimit'] } : {}),
      };
    return out;
  }
  return isMap(g.proxy?.resources) && Object.keys(g.proxy.resources).length ? clone(g.proxy.resources) : undefined;
}

const nonEmpty = (v: Json) => isMap(v) && Object.keys(v).length > 0;

/** Strategic merge of containers by name (the webhook's overlay of its template onto the pod). */
function mergeContainers(existing: readonly Json[], added: readonly Json[], prepend: boolean): Json[] {
  const out = existing.map((c) => clone(c));
  const fresh: Json[] = [];
  for (const a of added) {
    const i = out.findIndex((c) => c?.name === a.name);
    if (i >= 0) out[i] = helmMerge(out[i], a);
    else fresh.push(a);
  }
  return prepend ? [...fresh, ...out] : [...out, ...fresh];
}

/**
 * The containers, volumes and metadata the `sidecar` template
 * (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml, 1.30.3) adds.
 */
function sidecarTemplate(
  model: IstioInjectionModel,
  pod: PodLike,
): { initContainers: Json[]; containers: Json[]; volumes: Json[]; labels: Record<string, string>; annotations: Record<string, string> } {
  const v = model.values;
  const g = v.global ?? {};
  const mode = annotation(pod, 'sidecar.istio.io/interceptionMode', 'REDIRECT');
  const tproxy = mode === 'TPROXY';
  const capNetBind = annotation(pod, 'sidecar.istio.io/capNetBindService', g.proxy?.capNetBindService) === 'true';
  const nativeAnnotation = pod.metadata.annotations?.['sidecar.istio.io/nativeSidecar'];
  const native = (nativeAnnotation ?? String(model.nativeSidecars)) !== 'false';
  const cni = model.cniEnabled;
  const privileged = g.proxy?.privileged === true;
  const seccomp = nonEmpty(g.proxy?.seccompProfile) ? clone(g.proxy.seccompProfile) : undefined;
  const resources = proxyResources(pod, g);
  const imageFor = (configured: unknown) => {
    const img = annotation(pod, 'sidecar.istio.io/proxyImage', configured);
    return img.includes('/') ? img : model.proxyImage;
  };
  const initContainers: Json[] = [];
  if (mode !== 'NONE') {
    initContainers.push({
      name: cni ? 'istio-validation' : 'istio-init',
      image: imageFor(g.proxy_init?.image),
      args: ['istio-iptables'],
      ...(resources ? { resources } : {}),
      securityContext: {
        allowPrivilegeEscalation: privileged,
        privileged,
        capabilities: { ...(cni ? {} : { add: ['NET_ADMIN', 'NET_RAW'] }), drop: ['ALL'] },
        ...(cni
          ? { readOnlyRootFilesystem: true, runAsGroup: 1337, runAsUser: 1337, runAsNonRoot: true }
          : { readOnlyRootFilesystem: false, runAsGroup: 0, runAsNonRoot: false, runAsUser: 0 }),
        ...(seccomp ? { seccompProfile: seccomp } : {}),
      },
    });
  }
  const statusPort = annotation(pod, 'status.sidecar.istio.io/port', g.proxy?.statusPort ?? 15020);
  const proxy: Json = {
    name: 'istio-proxy',
    image: imageFor(g.proxy?.image),
    ...(native ? { restartPolicy: 'Always' } : {}),
    ports: [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }],
    args: ['proxy', 'sidecar'],
    ...(statusPort !== '0'
      ? {
          ...(g.proxy?.startupProbe?.enabled
            ? {
                startupProbe: {
                  httpGet: { path: '/healthz/ready', port: 15021 },
                  periodSeconds: 1,
                  timeoutSeconds: 3,
                  failureThreshold: g.proxy.startupProbe.failureThreshold,
                },
              }
            : {}),
          readinessProbe: { httpGet: { path: '/healthz/ready', port: 15021 }, timeoutSeconds: 3 },
        }
      : {}),
    securityContext: {
      allowPrivilegeEscalation: privileged,
      capabilities: {
        ...(tproxy || capNetBind ? { add: [...(tproxy ? ['NET_ADMIN'] : []), ...(capNetBind ? ['NET_BIND_SERVICE'] : [])] } : {}),
        drop: ['ALL'],
      },
      privileged,
      readOnlyRootFilesystem: true,
      ...(tproxy || capNetBind ? { runAsNonRoot: false, runAsUser: 0, runAsGroup: 1337 } : { runAsNonRoot: true, runAsUser: 1337, runAsGroup: 1337 }),
      ...(seccomp ? { seccompProfile: seccomp } : {}),
    },
    ...(resources ? { resources } : {}),
  };
  if (native) initContainers.push(proxy);
  const volumes: Json[] = [
    { name: 'workload-socket', emptyDir: {} },
    { name: 'credential-socket', emptyDir: {} },
    g.caName === 'GkeWorkloadCertificate'
      ? { name: 'gke-workload-certificate', csi: { driver: 'workloadcertificates.security.cloud.google.com' } }
      : { name: 'workload-certs', emptyDir: {} },
    { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
    { name: 'istio-data', emptyDir: {} },
    { name: 'istio-podinfo', downwardAPI: { items: [] } },
    {
      name: 'istio-token',
      projected: { sources: [{ serviceAccountToken: { path: 'istio-token', expirationSeconds: 43200, audience: g.sds?.token?.aud ?? 'istio-ca' } }] },
    },
    ...(g.pilotCertProvider === 'istiod' ? [{ name: 'istiod-ca-cert', configMap: { name: g.trustBundleName || 'istio-ca-root-cert' } }] : []),
    { name: 'istio-ca-crl', configMap: { name: 'istio-ca-crl', optional: true } },
  ];
  const labels = pod.metadata.labels ?? {};
  return {
    initContainers,
    containers: native ? [] : [proxy],
    volumes,
    labels: {
      'security.istio.io/tlsMode': labels['security.istio.io/tlsMode'] ?? 'istio',
      'service.istio.io/canonical-name':
        labels['service.istio.io/canonical-name'] ??
        labels['app.kubernetes.io/name'] ??
        labels.app ??
        pod.metadata.generateName?.replace(/-$/, '') ??
        pod.metadata.name ??
        '',
      'service.istio.io/canonical-revision': labels['service.istio.io/canonical-revision'] ?? labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest',
    },
    annotations: { 'istio.io/rev': model.revision, ...(cni ? { 'sidecar.istio.io/interceptionMode': mode } : {}) },
  };
}

/**
 * The pod as Istio's injection webhook admits it: unchanged when no istiod webhook selects it or
 * injection is not required; otherwise with the containers, volumes, labels and annotations of the
 * requested templates (`sidecar` by default, `gateway` for gateway deployments).
 */
export function injectIstioSidecar(pod: PodLike, namespace: string, namespaceLabels: Labels, models: readonly IstioInjectionModel[]): InjectionResult {
  const podLabels = pod.metadata.labels ?? {};
  const model = models.find((m) => webhookSelects(m, namespace, { 'kubernetes.io/metadata.name': namespace, ...namespaceLabels }, podLabels));
  if (!model || !injectRequired(model, pod, namespace)) return { pod, injected: [], unmodelled: [] };
  const requested = pod.metadata.annotations?.['inject.istio.io/templates'];
  const templates = requested ? requested.split(',').map((t) => t.trim()) : [...model.defaultTemplates];
  const spec: Json = clone(pod.spec) ?? {};
  const metadata: Json = clone(pod.metadata);
  const injected: string[] = [];
  const unmodelled: string[] = [];
  for (const t of templates) {
    if (t === 'sidecar') {
      const s = sidecarTemplate(model, { metadata, spec });
      spec.initContainers = mergeContainers(spec.initContainers ?? [], s.initContainers, true);
      spec.containers = mergeContainers(spec.containers ?? [], s.containers, false);
      spec.volumes = mergeContainers(spec.volumes ?? [], s.volumes, false);
      metadata.labels = { ...s.labels, ...(metadata.labels ?? {}) };
      metadata.annotations = { ...(metadata.annotations ?? {}), ...s.annotations };
      injected.push(...s.initContainers.map((c) => c.name), ...s.containers.map((c) => c.name));
    } else if (t === 'gateway') {
      // files/gateway-injection-template.yaml: the gateway's own istio-proxy gets the proxy image
      // and user 1337; the pod gets the chart's gateways.securityContext, or the unprivileged-port sysctl.
      const g = model.values.global ?? {};
      const img = annotation({ metadata, spec }, 'sidecar.istio.io/proxyImage', g.proxy?.image);
      const proxy = { name: 'istio-proxy', image: img.includes('/') ? img : model.proxyImage, securityContext: { runAsUser: 1337, runAsGroup: 1337 } };
      spec.containers = mergeContainers(spec.containers ?? [], [proxy], false);
      const gwSc = model.values.gateways?.securityContext;
      spec.securityContext = helmMerge(
        spec.securityContext ?? {},
        nonEmpty(gwSc) ? gwSc : { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
      );
      metadata.annotations = { ...(metadata.annotations ?? {}), 'istio.io/rev': model.revision };
      injected.push('istio-proxy');
    } else {
      unmodelled.push(t);
    }
  }
  return { pod: { metadata, spec }, injected: sortedUnique(injected), model, unmodelled };
}

// =============================================================================================
// Kyverno: pattern matching (pkg/engine/pattern, pkg/engine/validate, pkg/engine/anchor)
// =============================================================================================

/** github.com/IGLOU-EU/go-wildcard v1.0.3 Match (ext/wildcard): `*` any run, `?` exactly one character. */
export function wildcardMatch(pattern: string, text: string): boolean {
  if (pattern === '') return text === '';
  if (pattern === '*') return true;
  if (!containsWildcard(pattern)) return pattern === text;
  let compiled = wildcardPatterns.get(pattern);
  if (!compiled) {
    const re = [...pattern].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
    compiled = new RegExp(`^${re}$`, 'u');
    wildcardPatterns.set(pattern, compiled);
  }
  return compiled.test(text);
}
/** The patterns of the policies, compiled once (verify matches each against every object). */
const wildcardPatterns = new Map<string, RegExp>();
const containsWildcard = (s: string) => s.includes('*') || s.includes('?');

/** Go time.ParseDuration, in nanoseconds (undefined when it does not parse). */
export function parseDuration(s: string): number | undefined {
  if (s === '0' || s === '+0' || s === '-0') return 0;
  const m = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(s);
  if (!m) return undefined;
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  for (const part of m[2].matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * units[part[2]];
  return m[1] === '-' ? -total : total;
}

type Operator = '' | '>=' | '<=' | '!' | '>' | '<' | '-' | '!-';
const IN_RANGE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;
const NOT_IN_RANGE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)!-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;

/** pkg/engine/operator GetOperatorFromStringPattern. */
function operatorOf(pattern: string): Operator {
  if (pattern.length < 2) return '';
  for (const op of ['>=', '<=', '>', '<', '!'] as const) if (pattern.startsWith(op)) return op;
  if (NOT_IN_RANGE.test(pattern)) return '!-';
  if (IN_RANGE.test(pattern)) return '-';
  return '';
}

/** pattern.go convertNumberToString (Kubernetes decodes whole JSON numbers as int64). */
function numberToString(value: Json): string | undefined {
  if (value === null || value === undefined) return '0';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(6);
  return undefined;
}

function compareOrdered(a: number, b: number, op: Operator): boolean | undefined {
  switch (op) {
    case '':
      return a === b;
    case '!':
      return a !== b;
    case '>':
      return a > b;
    case '<':
      return a < b;
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    default:
      return undefined;
  }
}

/** Go strconv.FormatFloat(v, 'E', -1, 64). */
function goFloatE(v: number): string {
  const [mantissa, exp] = v.toExponential().split('e');
  const e = Number(exp);
  return `${mantissa.toUpperCase()}E${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function validateString(value: Json, pattern: string, op: Operator): boolean {
  const pd = parseDuration(pattern);
  const vs = numberToString(value);
  if (pd !== undefined && vs !== undefined) {
    const vd = parseDuration(vs);
    if (vd !== undefined) {
      const r = compareOrdered(vd, pd, op);
      if (r !== undefined) return r;
    }
  }
  const pq = parseQuantity(pattern);
  if (pq !== undefined && vs !== undefined) {
    const vq = parseQuantity(vs);
    if (vq !== undefined) {
      const r = compareOrdered(vq, pq, op);
      if (r !== undefined) return r;
    }
  }
  if (op !== '' && op !== '!') return false;
  let str: string;
  if (typeof value === 'string') str = value;
  else if (typeof value === 'number') str = Number.isInteger(value) ? String(value) : goFloatE(value);
  else if (typeof value === 'boolean') str = String(value);
  else return false;
  const matched = wildcardMatch(pattern, str);
  return op === '!' ? !matched : matched;
}

function validateStringPattern(value: Json, pattern: string): boolean {
  const op = operatorOf(pattern);
  if (op === '-' || op === '!-') {
    const m = (op === '-' ? IN_RANGE : NOT_IN_RANGE).exec(pattern);
    if (!m) return false;
    return op === '-'
      ? validateStringPattern(value, `>= ${m[1]}`) && validateStringPattern(value, `<= ${m[2]}`)
      : validateStringPattern(value, `< ${m[1]}`) || validateStringPattern(value, `> ${m[2]}`);
  }
  return validateString(value, pattern.slice(op.length).trim(), op);
}

const trimSpaces = (s: string) => s.replace(/^ +| +$/g, '');

/** pkg/engine/pattern Validate: a resource value against a pattern leaf. */
export function patternMatches(value: Json, pattern: Json): boolean {
  if (typeof pattern === 'boolean') return typeof value === 'boolean' && value === pattern;
  if (typeof pattern === 'number') {
    if (typeof value === 'number') return Number.isInteger(pattern) ? Number.isInteger(value) && value === pattern : value === pattern;
    if (typeof value === 'string') return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.trim()) && Number(value) === pattern;
    return false;
  }
  if (pattern === null || pattern === undefined) return value === null || value === undefined || value === 0 || value === '' || value === false;
  if (isMap(pattern)) return isMap(value);
  if (typeof pattern === 'string') {
    if (value === pattern) return true;
    return pattern.split('|').some((alt) =>
      trimSpaces(alt)
        .split('&')
        .every((c) => validateStringPattern(value, trimSpaces(c))),
    );
  }
  return false;
}

type AnchorType = '' | '<' | 'X' | '+' | '=' | '^';
const ANCHOR = /^([+<=X^])?\((.+)\)$/;
function parseAnchor(key: string): { type: AnchorType; key: string } | undefined {
  const m = ANCHOR.exec(key.trim());
  return m ? { type: (m[1] ?? '') as AnchorType, key: m[2] } : undefined;
}

interface PatternErr {
  readonly message: string;
  readonly anchor?: 'conditional' | 'global' | 'negation';
  /** A validate.PatternError (aggregated skips). */
  readonly patternError?: boolean;
}
const CONDITIONAL = 'conditional anchor mismatch';
const GLOBAL = 'global anchor mismatch';
const NEGATION = 'negation anchor matched in resource';
const anchorErr = (anchor: 'conditional' | 'global' | 'negation', msg: string): PatternErr => ({
  anchor,
  message: `${anchor === 'conditional' ? CONDITIONAL : anchor === 'global' ? GLOBAL : NEGATION}: ${msg}`,
});
const isAnchorErr = (e: PatternErr | undefined, kind: 'conditional' | 'global' | 'negation', msg: string) =>
  !!e && (e.anchor ? e.anchor === kind : e.message.includes(msg));
const skipErr = (e: PatternErr | undefined) => isAnchorErr(e, 'conditional', CONDITIONAL) || isAnchorErr(e, 'global', GLOBAL);
const negationErr = (e: PatternErr | undefined) => isAnchorErr(e, 'negation', NEGATION);
type Step = [string, PatternErr | undefined];
const OK: Step = ['', undefined];

class AnchorMap {
  private readonly seen = new Map<string, boolean>();
  check(pattern: Record<string, Json>, resource: Json): void {
    for (const key of Object.keys(pattern)) {
      const a = parseAnchor(key);
      if (!a || !['', '^', 'X'].includes(a.type)) continue;
      if (!this.seen.has(key)) this.seen.set(key, false);
      else if (this.seen.get(key)) continue;
      if (hasValueForKey(resource, a.key)) this.seen.set(key, true);
    }
  }
  keysAreMissing(): boolean {
    for (const [k, v] of this.seen) if (!v && parseAnchor(k)?.type !== 'X') return true;
    return false;
  }
}
function hasValueForKey(resource: Json, key: string): boolean {
  if (isMap(resource)) return Object.prototype.hasOwnProperty.call(resource, key);
  if (Array.isArray(resource)) return resource.some((v) => hasValueForKey(v, key));
  return false;
}

/** pkg/engine/wildcards ExpandInMetadata: wildcard label/annotation keys of the pattern take the resource's matching keys. */
function expandInMetadata(pattern: Record<string, Json>, resource: Record<string, Json>): void {
  const metaKey = Object.keys(pattern).find((k) => k === 'metadata' || parseAnchor(k)?.key === 'metadata');
  const pMeta = metaKey ? pattern[metaKey] : undefined;
  const rMeta = resource.metadata;
  if (!isMap(pMeta) || !isMap(rMeta)) return;
  for (const tag of ['labels', 'annotations']) {
    const pKey = Object.keys(pMeta).find((k) => k === tag || parseAnchor(k)?.key === tag);
    const rKey = Object.keys(rMeta).find((k) => k === tag || parseAnchor(k)?.key === tag);
    if (!pKey || !rKey || !isMap(pMeta[pKey]) || !isMap(rMeta[rKey])) continue;
    const rData = Object.fromEntries(Object.entries(rMeta[rKey] as Record<string, Json>).filter(([, v]) => typeof v === 'string'));
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(pMeta[pKey] as Record<string, Json>)) {
      if (typeof v !== 'string') continue;
      if (!containsWildcard(k)) {
        out[k] = v;
        continue;
      }
      const a = parseAnchor(k);
      const plain = a ? a.key : k;
      const match = Object.keys(rData).find((rk) => wildcardMatch(plain, rk)) ?? plain;
      out[a ? `${a.type}(${match})` : match] = v;
    }
    pMeta[pKey] = out;
  }
}

function hasNestedAnchors(p: Json): boolean {
  if (isMap(p)) return Object.keys(p).some((k) => parseAnchor(k) && parseAnchor(k)!.type !== '+') || Object.values(p).some(hasNestedAnchors);
  if (Array.isArray(p)) return p.some(hasNestedAnchors);
  return false;
}

function validateElement(resource: Json, pattern: Json, path: string, ac: AnchorMap): Step {
  if (isMap(pattern)) {
    if (!isMap(resource)) return [path, { message: `pattern and resource have different structures. Path: ${path}` }];
    ac.check(pattern, resource);
    return validateMap(resource, pattern, path, ac);
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(resource)) return [path, { message: `validation rule failed at path ${path}, resource does not satisfy the expected overlay pattern` }];
    return validateArray(resource, pattern, path, ac);
  }
  if (pattern === null || ['string', 'number', 'boolean'].includes(typeof pattern)) {
    if (Array.isArray(resource)) {
      for (const r of resource)
        if (!patternMatches(r, pattern)) return [path, { message: `resource value '${JSON.stringify(resource)}' does not match '${pattern}' at path ${path}` }];
      return OK;
    }
    if (!patternMatches(resource, pattern))
      return [path, { message: `resource value '${resource === undefined ? '<nil>' : JSON.stringify(resource)}' does not match '${pattern}' at path ${path}` }];
    return OK;
  }
  return [path, { message: `failed at '${path}', pattern contains unknown type` }];
}

function handle(key: string, pattern: Json, resourceMap: Record<string, Json>, path: string, ac: AnchorMap): Step {
  const a = parseAnchor(key);
  const has = (k: string) => Object.prototype.hasOwnProperty.call(resourceMap, k);
  if (a && a.type !== '+') {
    const current = `${path}${a.key}/`;
    switch (a.type) {
      case '': {
        if (!has(a.key)) return [current, anchorErr('conditional', "conditional anchor key doesn't exist in the resource")];
        const [p, e] = validateElement(resourceMap[a.key], pattern, current, ac);
        return e ? [p, anchorErr('conditional', e.message)] : OK;
      }
      case '<': {
        if (!has(a.key)) return OK;
        const [p, e] = validateElement(resourceMap[a.key], pattern, current, ac);
        return e ? [p, anchorErr('global', e.message)] : OK;
      }
      case '^': {
        if (!has(a.key)) return OK;
        const value = resourceMap[a.key];
        if (!Array.isArray(value)) return [current, { message: `invalid resource type: Existence ^ () anchor can be used only on list/array type resource` }];
        if (!Array.isArray(pattern)) return [current, { message: 'invalid pattern type: Pattern has to be of list to compare against resource' }];
        for (const pm of pattern) {
          if (!isMap(pm)) return [current, { message: 'invalid pattern type: Pattern has to be of type map to compare against items in resource' }];
          if (!value.some((el, i) => !validateElement(el, pm, `${current}${i}/`, ac)[1]))
            return [current, { message: `existence anchor validation failed at path ${current}` }];
        }
        return OK;
      }
      case '=': {
        if (!has(a.key)) return OK;
        const [p, e] = validateElement(resourceMap[a.key], pattern, current, ac);
        return e ? [p, e] : OK;
      }
      case 'X':
        return has(a.key) ? [current, anchorErr('negation', `${current} is not allowed`)] : OK;
    }
  }
  const current = `${path}${key}/`;
  const value = resourceMap[key];
  if (pattern === '*') return value !== undefined && value !== null ? OK : [path, { message: `${path}/${key} not found` }];
  return validateElement(value, pattern, current, ac);
}

function validateMap(resource: Record<string, Json>, pattern: Record<string, Json>, path: string, ac: AnchorMap): Step {
  expandInMetadata(pattern, resource);
  const anchors = Object.keys(pattern).filter((k) => ['', '^', '=', 'X'].includes(parseAnchor(k)?.type ?? '+'));
  const plain = Object.keys(pattern).filter((k) => !anchors.includes(k));
  const skips: PatternErr[] = [];
  let applied = 0;
  for (const key of [...anchors].sort()) {
    const [p, e] = handle(key, pattern[key], resource, path, ac);
    if (e) {
      if (skipErr(e)) {
        skips.push(e);
        continue;
      }
      if (!skips.some((s) => !s.patternError)) return [p, e];
      continue;
    }
    applied++;
  }
  if (skips.length && (applied === 0 || skips.some((s) => !s.patternError)))
    return [path, { message: skips.map((s) => s.message).join('; '), patternError: true }];
  // getSortedNestedAnchorResource: global anchors and keys holding anchors first (pushed to the front in sorted order).
  const ordered: string[] = [];
  for (const k of [...plain].sort()) {
    if (parseAnchor(k)?.type === '<' || hasNestedAnchors(pattern[k])) ordered.unshift(k);
    else ordered.push(k);
  }
  for (const key of ordered) {
    const step = handle(key, pattern[key], resource, path, ac);
    if (step[1]) return step;
  }
  return OK;
}

function validateArray(resource: Json[], pattern: Json[], path: string, ac: AnchorMap): Step {
  if (!pattern.length) return [path, { message: 'pattern Array empty' }];
  const first = pattern[0];
  // A map pattern applies to every element; scalars compare the whole array; otherwise element-wise.
  if (isMap(first))
    return validateEach(
      resource.map((r) => [r, first] as const),
      path,
      ac,
    );
  if (first === null || ['string', 'number', 'boolean'].includes(typeof first)) return validateElement(resource, first, path, ac);
  if (resource.length < pattern.length)
    return [
      '',
      { message: `validate Array failed, array length mismatch, resource Array len is ${resource.length} and pattern Array len is ${pattern.length}` },
    ];
  return validateEach(
    pattern.map((p, i) => [resource[i], p] as const),
    path,
    ac,
  );
}

/** Element/pattern pairs in order: the first real error fails; skips (conditional anchors) fail only if every pair skipped. */
function validateEach(pairs: readonly (readonly [Json, Json])[], path: string, ac: AnchorMap): Step {
  const skips: PatternErr[] = [];
  for (let i = 0; i < pairs.length; i++) {
    const [p, e] = validateElement(pairs[i][0], pairs[i][1], `${path}${i}/`, ac);
    if (!e) continue;
    if (!skipErr(e)) return [p, e];
    skips.push(e);
  }
  return skips.length && skips.length === pairs.length ? [path, { message: skips.map((s) => s.message).join('; '), patternError: true }] : OK;
}

export interface PatternResult {
  /** Kyverno's rule outcome: `pass`, `fail` (a pattern mismatch), `skip` (a conditional or global anchor did not apply) or `error`. */
  readonly status: 'pass' | 'fail' | 'skip' | 'error';
  /** Path of the failing element (`/spec/containers/0/image/`). */
  readonly path: string;
  /** Why it did not pass; '' when it did. */
  readonly message: string;
}

/** pkg/engine/validate MatchPattern with the rule outcome validatePatterns derives from it. */
export function matchPattern(resource: Json, pattern: Json): PatternResult {
  const ac = new AnchorMap();
  const [path, err] = validateElement(resource, clone(pattern), '/', ac);
  if (!err) return { status: 'pass', path: '', message: '' };
  if (skipErr(err)) return { status: 'skip', path: '', message: err.message };
  if (negationErr(err)) return { status: 'fail', path, message: err.message };
  if (ac.keysAreMissing()) return { status: 'error', path: '', message: err.message };
  return path === '' ? { status: 'error', path, message: err.message } : { status: 'fail', path, message: err.message };
}

// =============================================================================================
// Kyverno: policies, matching, autogen (pkg/engine/utils/match.go, pkg/autogen/v1, pkg/config)
// =============================================================================================

interface Gvk {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}
const gvkOf = (m: Json): Gvk => {
  const api = String(m.apiVersion ?? '');
  return api.includes('/') ? { group: api.split('/')[0], version: api.split('/')[1], kind: m.kind } : { group: '', version: api, kind: m.kind };
};

const VERSION = /^(v\d((alpha|beta)\d)?|\*)$/;
/** pkg/utils/kube ParseKindSelector: group, version, kind, subresource of a kind selector. */
function parseKindSelector(input: string): [string, string, string, string] {
  let parts = input.split('/');
  const last = parts.pop() ?? '';
  parts = [...parts, ...last.split('.')];
  switch (parts.length) {
    case 1:
      return ['*', '*', parts[0], ''];
    case 2:
      if (parts[0] === '*' && parts[1] === '*') return ['*', '*', '*', '*'];
      if (parts[0] === '*' && parts[1].toLowerCase() === parts[1]) return ['*', '*', parts[0], parts[1]];
      if (VERSION.test(parts[0])) return ['*', parts[0], parts[1], ''];
      return ['*', '*', parts[0], parts[1]];
    case 3:
      if (VERSION.test(parts[0])) return ['*', parts[0], parts[1], parts[2]];
      return [parts[0], parts[1], parts[2], ''];
    case 4:
      return [parts[0], parts[1], parts[2], parts[3]];
    default:
      return ['', '', '', ''];
  }
}

/** pkg/utils/match CheckKind (no subresource: admission of the object itself). */
function kindMatches(kinds: readonly string[], gvk: Gvk): boolean {
  return kinds.some((k) => {
    const [g, v, kind, sub] = parseKindSelector(k);
    return wildcardMatch(g, gvk.group) && wildcardMatch(v, gvk.version) && wildcardMatch(kind, gvk.kind) && wildcardMatch(sub, '');
  });
}

/** pkg/utils/kube ContainsKind: the kind part of a selector equals `kind`. */
function containsKind(kinds: readonly string[] | undefined, kind: string): boolean {
  return (kinds ?? []).some((k) => {
    const parts = k.split('/');
    return parts[parts.length - 1].split('.')[0] === kind;
  });
}

/** wildcards.ReplaceInSelector, then a label selector match. */
function wildcardSelectorMatches(selector: Json, labels: Labels): boolean {
  const matchLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries((selector?.matchLabels ?? {}) as Record<string, string>)) {
    if (containsWildcard(k) || containsWildcard(v)) {
      const found = Object.entries(labels).find(([lk, lv]) => wildcardMatch(k, lk) && wildcardMatch(v, lv));
      if (found) matchLabels[found[0]] = found[1];
      else matchLabels[k.replace(/[*?]/g, '0')] = v.replace(/[*?]/g, '0');
    } else matchLabels[k] = v;
  }
  return selectorMatches({ matchLabels, matchExpressions: selector?.matchExpressions }, labels);
}

const isEmptyDescription = (d: Json) =>
  !d ||
  !['kinds', 'name', 'names', 'namespaces', 'annotations', 'selector', 'namespaceSelector', 'operations'].some(
    (k) => d[k] !== undefined && d[k] !== null && !(Array.isArray(d[k]) && !d[k].length),
  );

/** doesResourceMatchConditionBlock: the reasons a resource description does not match (empty: it matches). */
function descriptionMismatches(d: Json, resource: Json, gvk: Gvk, nsLabels: Labels): string[] {
  const errs: string[] = [];
  if (d.operations?.length && !d.operations.includes('CREATE')) return ['operation does not match'];
  if (d.kinds?.length && !kindMatches(d.kinds, gvk)) errs.push(`kind does not match ${JSON.stringify(d.kinds)}`);
  const name = resource.metadata?.name || resource.metadata?.generateName || '';
  if (d.name && !wildcardMatch(d.name, name)) errs.push('name does not match');
  if (d.names?.length && !d.names.some((n: string) => wildcardMatch(n, name))) errs.push('none of the names match');
  if (d.namespaces?.length) {
    const ns = gvk.kind === 'Namespace' ? (resource.metadata?.name ?? '') : (resource.metadata?.namespace ?? '');
    if (!d.namespaces.some((n: string) => wildcardMatch(n, ns))) errs.push('namespace does not match');
  }
  if (d.annotations && Object.keys(d.annotations).length) {
    const actual = (resource.metadata?.annotations ?? {}) as Labels;
    const ok = Object.entries(d.annotations as Record<string, string>).every(([k, v]) =>
      Object.entries(actual).some(([ak, av]) => wildcardMatch(k, ak) && wildcardMatch(v, av)),
    );
    if (!ok) errs.push('annotations does not match');
  }
  if (d.selector && !wildcardSelectorMatches(d.selector, resource.metadata?.labels ?? {})) errs.push('selector does not match');
  if (d.namespaceSelector) {
    if (gvk.kind === 'Namespace') errs.push('namespace selector is not applicable for namespace resource');
    else if (!wildcardSelectorMatches(d.namespaceSelector, nsLabels)) errs.push('namespace selector does not match labels');
  }
  return errs;
}

/** MatchesResourceDescription: match (any / all / resources), then exclude. */
function ruleMatches(rule: Json, resource: Json, gvk: Gvk, nsLabels: Labels, policyNamespace: string | undefined): boolean {
  if (policyNamespace && policyNamespace !== (resource.metadata?.namespace ?? '')) return false;
  const match = rule.match ?? {};
  const matchOne = (f: Json) => !isEmptyDescription(f?.resources) && descriptionMismatches(f.resources, resource, gvk, nsLabels).length === 0;
  if (match.any?.length) {
    if (!match.any.some(matchOne)) return false;
  } else if (match.all?.length) {
    if (!match.all.every(matchOne)) return false;
  } else if (!matchOne({ resources: match.resources })) return false;
  const exclude = rule.exclude;
  if (!exclude) return true;
  const excludedBy = (f: Json) => !isEmptyDescription(f?.resources) && descriptionMismatches(f.resources, resource, gvk, nsLabels).length === 0;
  if (exclude.any?.length) return !exclude.any.some(excludedBy);
  if (exclude.all?.length) return !exclude.all.every(excludedBy);
  return !excludedBy({ resources: exclude.resources });
}

const POD_CONTROLLERS = ['DaemonSet', 'Deployment', 'Job', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'CronJob'];
export const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';

const descriptionsOf = (rule: Json): Json[] => [
  ...(rule.match?.resources ? [rule.match.resources] : []),
  ...(rule.match?.any ?? []).map((f: Json) => f.resources ?? {}),
  ...(rule.match?.all ?? []).map((f: Json) => f.resources ?? {}),
  ...(rule.exclude?.resources ? [rule.exclude.resources] : []),
  ...(rule.exclude?.any ?? []).map((f: Json) => f.resources ?? {}),
  ...(rule.exclude?.all ?? []).map((f: Json) => f.resources ?? {}),
];
const kindsOf = (block: Json): string[] => [
  ...(block?.resources?.kinds ?? []),
  ...(block?.any ?? []).flatMap((f: Json) => f.resources?.kinds ?? []),
  ...(block?.all ?? []).flatMap((f: Json) => f.resources?.kinds ?? []),
];

/** pkg/autogen/v1 CanAutoGen: no rule names, selects by name/selector/annotations, mixes Pod with other kinds, generates or JSON-patches. */
function canAutoGen(rules: readonly Json[]): boolean {
  let needed = false;
  for (const rule of rules) {
    if (rule.generate) return false;
    if (rule.mutate?.patchesJson6902 || (rule.mutate?.foreach ?? []).some((f: Json) => f.patchesJson6902)) return false;
    for (const d of descriptionsOf(rule)) {
      if (d.name || d.names?.length || d.selector || d.annotations || (d.kinds?.length > 1 && containsKind(d.kinds, 'Pod'))) return false;
      if ((d.kinds ?? []).some((k: string) => k === 'Pod' || POD_CONTROLLERS.includes(k))) needed = true;
    }
  }
  return needed;
}

function replaceKinds(block: Json, kinds: string[]): Json {
  if (!block) return block;
  const out = clone(block);
  const fix = (filters: Json[]) => filters.map((f) => (containsKind(f.resources?.kinds, 'Pod') ? { ...f, resources: { ...f.resources, kinds } } : f));
  if (out.any?.length) out.any = fix(out.any);
  else if (out.all?.length) out.all = fix(out.all);
  return out;
}

/** pkg/autogen/v1 generateRule: the rule rewritten for `kind`, its pattern shifted under the pod template. */
function autogenRule(rule: Json, kind: string): Json | undefined {
  if (String(rule.name).startsWith('autogen-')) return undefined;
  if (!containsKind(kindsOf(rule.match), 'Pod')) return undefined;
  const excludeKinds = kindsOf(rule.exclude);
  if (excludeKinds.length && !containsKind(excludeKinds, 'Pod')) return undefined;
  const cron = kind === 'CronJob';
  const wrap = (p: Json) => (cron ? { spec: { jobTemplate: { spec: { template: p } } } } : { spec: { template: p } });
  const out: Json = { ...clone(rule), name: `${cron ? 'autogen-cronjob' : 'autogen'}-${rule.name}` };
  out.match = replaceKinds(rule.match, [kind]);
  if (rule.match?.resources && !rule.match.any?.length && !rule.match.all?.length) out.match.resources = { ...rule.match.resources, kinds: [kind] };
  if (rule.exclude) {
    out.exclude = clone(rule.exclude);
    if (out.exclude.any?.length || out.exclude.all?.length) out.exclude = replaceKinds(rule.exclude, [kind]);
    else if (out.exclude.resources?.kinds?.length) out.exclude.resources.kinds = [kind];
  }
  if (rule.mutate?.patchStrategicMerge) out.mutate = { patchStrategicMerge: wrap(rule.mutate.patchStrategicMerge) };
  if (rule.validate) {
    const v = rule.validate;
    if (v.pattern) out.validate = { ...v, pattern: wrap(v.pattern) };
    else if (v.anyPattern) out.validate = { ...v, anyPattern: (v.anyPattern as Json[]).map(wrap) };
  }
  return out;
}

/** pkg/autogen/v1 computeRules for a resource kind: the policy's rules plus those generated for the kind. */
export function kyvernoRulesFor(policy: KubeManifest, kind: string): Json[] {
  const rules = (policy.spec?.rules ?? []) as Json[];
  if (!POD_CONTROLLERS.includes(kind)) return rules;
  const apply = canAutoGen(rules);
  const annotated = policy.metadata.annotations?.[AUTOGEN_ANNOTATION];
  const controllers = !apply ? ['none'] : annotated === undefined ? POD_CONTROLLERS : annotated.split(',').map((s) => s.trim());
  if (!controllers.includes(kind)) return rules;
  const generated = rules.map((r) => autogenRule(r, kind)).filter((r): r is Json => !!r);
  return generated.length ? [...rules.filter((r) => !String(r.name).startsWith('autogen-')), ...generated] : rules;
}

const baseRuleName = (name: string) => name.replace(/^autogen-(cronjob-)?/, '');

interface ResourceFilter {
  readonly kind: [string, string, string, string];
  readonly namespace: string;
  readonly name: string;
}
/** charts/kyverno values.yaml (3.9.0) config.resourceFilters, without the entries naming Kyverno's own objects (its namespace is filtered whole). */
const DEFAULT_RESOURCE_FILTERS = [
  '[Event,*,*]',
  '[*/*,kube-system,*]',
  '[*/*,kube-public,*]',
  '[*/*,kube-node-lease,*]',
  '[Node,*,*]',
  '[Node/?*,*,*]',
  '[APIService,*,*]',
  '[APIService/?*,*,*]',
  '[TokenReview,*,*]',
  '[SubjectAccessReview,*,*]',
  '[SelfSubjectAccessReview,*,*]',
  '[Binding,*,*]',
  '[Pod/binding,*,*]',
  '[ReplicaSet,*,*]',
  '[ReplicaSet/?*,*,*]',
  '[EphemeralReport,*,*]',
  '[ClusterEphemeralReport,*,*]',
];

function parseFilters(entries: readonly string[]): ResourceFilter[] {
  return entries
    .filter((e) => !e.includes('{{'))
    .map((e) => /^\[([^,]*),([^,]*),([^\]]*)\]$/.exec(e.trim()))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => ({ kind: parseKindSelector(m[1].trim()), namespace: m[2].trim(), name: m[3].trim() }));
}

export interface KyvernoPolicy {
  /** The ClusterPolicy or Policy object in the cluster's state. */
  readonly object: StateObject;
  /** Its manifest (the same as `object.manifest`). */
  readonly manifest: KubeManifest;
}

export interface KyvernoEngine {
  /** The Kyverno Helm release whose webhooks enforce the policies. */
  readonly release: HelmRelease;
  /** The Kyverno policies the cluster receives. */
  readonly policies: readonly KyvernoPolicy[];
  /** Kyverno's `resourceFilters`: kinds, namespaces and names it never processes. */
  readonly filters: readonly ResourceFilter[];
  /** Namespaces the webhooks' namespaceSelector leaves out. */
  readonly excludedNamespaces: ReadonlySet<string>;
}

/** The Kyverno of a cluster (its release and the policies of the state); undefined when the cluster runs no Kyverno. */
export function kyvernoEngine(state: ClusterState): KyvernoEngine | undefined {
  const release = state.releases.find((r) => r.chart === 'kyverno');
  if (!release) return undefined;
  const config = (release.values as Json)?.config ?? {};
  const ns = release.namespace;
  const excludeOwn = config.excludeKyvernoNamespace !== false;
  const filters = parseFilters([...(excludeOwn ? [`[*/*,${ns},*]`] : []), ...((config.resourceFilters as string[] | undefined) ?? DEFAULT_RESOURCE_FILTERS)]);
  const selectorExcluded = config.webhooks?.namespaceSelector ? [] : ['kube-system'];
  const policies = allObjects(state)
    .filter((o) => groupOf(o.manifest) === 'kyverno.io' && (o.manifest.kind === 'ClusterPolicy' || o.manifest.kind === 'Policy'))
    .map((o) => ({ object: o, manifest: o.manifest }));
  return { release, policies, filters, excludedNamespaces: new Set([...selectorExcluded, ...(excludeOwn ? [ns] : [])]) };
}

/** pkg/config ToFilter. */
function filtered(engine: KyvernoEngine, resource: Json, gvk: Gvk): boolean {
  const ns = resource.metadata?.namespace ?? '';
  const name = resource.metadata?.name ?? '';
  if (gvk.kind === 'Namespace' ? engine.excludedNamespaces.has(name) : engine.excludedNamespaces.has(ns)) return true;
  return engine.filters.some((f) => {
    const [g, v, k, sub] = f.kind;
    if (!(wildcardMatch(g, gvk.group) && wildcardMatch(v, gvk.version) && wildcardMatch(k, gvk.kind) && wildcardMatch(sub, ''))) return false;
    if (wildcardMatch(f.namespace, ns) && wildcardMatch(f.name, name)) return true;
    return gvk.group === '' && gvk.version === 'v1' && gvk.kind === 'Namespace' && wildcardMatch(f.namespace, name);
  });
}

/** What the engine cannot evaluate in a rule (empty when it can). */
export function unsupportedParts(rule: Json): string[] {
  // Asked for every rule against every resource: worked out once per rule object.
  if (typeof rule !== 'object' || rule === null) return findUnsupportedParts(rule);
  let parts = unsupportedPartsOf.get(rule);
  if (!parts) unsupportedPartsOf.set(rule, (parts = findUnsupportedParts(rule)));
  return [...parts];
}
const unsupportedPartsOf = new WeakMap<Json, readonly string[]>();

function findUnsupportedParts(rule: Json): string[] {
  const out: string[] = [];
  const v = rule.validate;
  if (rule.context?.length) out.push('context');
  if (rule.preconditions) out.push('preconditions');
  if (rule.celPreconditions?.length) out.push('celPreconditions');
  for (const d of descriptionsOf(rule)) if (d.operations?.length && !d.operations.includes('CREATE')) out.push('match.operations without CREATE');
  for (const block of [rule.match, rule.exclude]) {
    for (const f of [block ?? {}, ...(block?.any ?? []), ...(block?.all ?? [])])
      if (f.subjects?.length || f.roles?.length || f.clusterRoles?.length) out.push('user info (subjects/roles)');
  }
  if (v) {
    if (v.deny) out.push('validate.deny');
    if (v.foreach) out.push('validate.foreach');
    if (v.cel) out.push('validate.cel');
    if (v.manifests) out.push('validate.manifests');
    if (v.assert) out.push('validate.assert');
    if ((v.pattern || v.anyPattern) && JSON.stringify(v.pattern ?? v.anyPattern).includes('{{')) out.push('variables in validate patterns');
    if (v.podSecurity?.exclude?.length) out.push('validate.podSecurity.exclude');
    if (!v.pattern && !v.anyPattern && !v.podSecurity && !out.length) out.push('validate without pattern, anyPattern or podSecurity');
  }
  if (rule.mutate) {
    const m = rule.mutate;
    if (m.patchesJson6902) out.push('mutate.patchesJson6902');
    if (m.foreach) out.push('mutate.foreach');
    if (m.targets) out.push('mutate.targets');
    if (m.patchStrategicMerge && !isPlainPatch(m.patchStrategicMerge)) out.push('mutate.patchStrategicMerge with anchors, lists or variables');
  }
  if (rule.generate) out.push('generate');
  if (rule.verifyImages) out.push('verifyImages');
  return [...new Set(out)];
}

function isPlainPatch(p: Json): boolean {
  if (Array.isArray(p)) return false;
  if (typeof p === 'string') return !p.includes('{{');
  if (!isMap(p)) return true;
  return Object.entries(p).every(([k, v]) => !parseAnchor(k) && isPlainPatch(v));
}

/** The failure action of a rule (engineresponse.go ruleAction, then the spec's overrides and action; default Audit). */
function failureAction(policy: KubeManifest, rule: Json, namespace: string, nsLabels: Labels): string {
  const override = (overrides: Json[] | undefined) => {
    for (const o of overrides ?? []) {
      if (!['Enforce', 'Audit', 'enforce', 'audit'].includes(o.action)) continue;
      const selOk = !o.namespaceSelector || selectorMatches(o.namespaceSelector, nsLabels);
      if (!o.namespaces) {
        if (selOk) return o.action as string;
        continue;
      }
      if ((o.namespaces as string[]).some((n) => wildcardMatch(n, namespace)) && selOk) return o.action as string;
    }
    return undefined;
  };
  if (rule.validate) {
    const a = override(rule.validate.failureActionOverrides) ?? rule.validate.failureAction;
    if (a) return a;
  }
  return override(policy.spec?.validationFailureActionOverrides) ?? policy.spec?.validationFailureAction ?? 'Audit';
}
const isEnforce = (a: string) => a === 'Enforce' || a === 'enforce';

/** The pod of a Pod or of a pod controller's template (pkg/engine/handlers/validation getSpec). */
export function podOf(resource: Json): { metadata: Json; spec: Json } | undefined {
  if (resource.kind === 'Pod') return { metadata: resource.metadata ?? {}, spec: resource.spec ?? {} };
  if (resource.kind === 'CronJob') {
    const t = resource.spec?.jobTemplate?.spec?.template;
    return t ? { metadata: t.metadata ?? {}, spec: t.spec ?? {} } : undefined;
  }
  if (POD_CONTROLLERS.includes(resource.kind)) {
    const t = resource.spec?.template;
    return t ? { metadata: t.metadata ?? {}, spec: t.spec ?? {} } : undefined;
  }
  return undefined;
}

export interface KyvernoOutcome {
  /** The policy whose rule failed. */
  readonly policy: KyvernoPolicy;
  /** Name of the rule. */
  readonly rule: string;
  /** `fail`: the resource violates the rule; `error`: the rule could not be evaluated. */
  readonly status: 'fail' | 'error';
  /** The failure action that applies in the namespace (`Enforce` or `Audit`, overrides included). */
  readonly action: string;
  /** Whether the admission request is refused (an Enforce failure, or an error under failurePolicy Fail). */
  readonly blocks: boolean;
  /** Kyverno's message for the failure. */
  readonly message: string;
  /** The failing path of a pattern rule, or the containers a podSecurity rule names. */
  readonly path?: string;
  /** Containers a podSecurity rule names; [] for other rules. */
  readonly containers: readonly string[];
}

/** Kyverno's mutating webhook: the plain strategic-merge patches of the matching rules (other mutations are reported as not modelled). */
export function kyvernoMutate(engine: KyvernoEngine, resource: Json, nsLabels: Labels): Json {
  const gvk = gvkOf(resource);
  if (filtered(engine, resource, gvk)) return resource;
  let out = resource;
  for (const p of engine.policies) {
    if (p.manifest.spec?.admission === false) continue;
    for (const rule of kyvernoRulesFor(p.manifest, gvk.kind)) {
      const patch = rule.mutate?.patchStrategicMerge;
      if (!patch || unsupportedParts(rule).length) continue;
      if (!ruleMatches(rule, out, gvk, nsLabels, p.manifest.kind === 'Policy' ? p.manifest.metadata.namespace : undefined)) continue;
      out = helmMerge(out, patch);
    }
  }
  return out;
}

/** Kyverno's validating webhook over one admission request: the failing and erroring rules. */
export function kyvernoValidate(engine: KyvernoEngine, resource: Json, nsLabels: Labels): KyvernoOutcome[] {
  const gvk = gvkOf(resource);
  if (filtered(engine, resource, gvk)) return [];
  const out: KyvernoOutcome[] = [];
  const namespace = resource.metadata?.namespace ?? '';
  for (const p of engine.policies) {
    const spec = p.manifest.spec ?? {};
    if (spec.admission === false) continue;
    const failurePolicyFail = (spec.failurePolicy ?? 'Fail') === 'Fail';
    for (const rule of kyvernoRulesFor(p.manifest, gvk.kind)) {
      const v = rule.validate;
      if (!v || unsupportedParts(rule).length) continue;
      if (!ruleMatches(rule, resource, gvk, nsLabels, p.manifest.kind === 'Policy' ? p.manifest.metadata.namespace : undefined)) continue;
      const action = failureAction(p.manifest, rule, namespace, nsLabels);
      const push = (status: 'fail' | 'error', message: string, path?: string, containers: readonly string[] = []) =>
        out.push({ policy: p, rule: rule.name, status, action, blocks: status === 'fail' ? isEnforce(action) : failurePolicyFail, message, path, containers });
      const prefix = v.message ? `${v.message} ` : '';
      if (v.podSecurity) {
        const pod = podOf(resource);
        if (!pod) continue;
        const version = v.podSecurity.version === undefined || v.podSecurity.version === '' ? 'latest' : parsePssVersion(v.podSecurity.version);
        if (version === undefined) {
          push('error', `failed to parse pod security api version ${v.podSecurity.version}`);
          continue;
        }
        const violations = evaluateKyvernoPodSecurity(v.podSecurity.level, version, pod);
        if (violations.length)
          push(
            'fail',
            `${prefix}Validation rule '${rule.name}' failed. It violates PodSecurity "${v.podSecurity.level}:${v.podSecurity.version ?? 'latest'}": ${describeViolations(violations)}`,
            undefined,
            sortedUnique(violations.flatMap((x) => x.containers)),
          );
      } else if (v.pattern) {
        const r = matchPattern(resource, v.pattern);
        if (r.status === 'fail') push('fail', `validation error: ${prefix}rule ${rule.name} failed at path ${r.path}`, r.path);
        else if (r.status === 'error') push('error', `validation error: ${prefix}rule ${rule.name}: ${r.message}`);
      } else if (v.anyPattern) {
        const results = (v.anyPattern as Json[]).map((pt) => matchPattern(resource, pt));
        if (results.some((r) => r.status === 'pass')) continue;
        const failed = results.map((r, i) => ({ r, i })).filter(({ r }) => r.status !== 'skip');
        if (failed.length)
          push(
            'fail',
            `validation error: ${prefix}${failed.map(({ r, i }) => (r.path ? `rule ${rule.name}[${i}] failed at path ${r.path}` : `rule ${rule.name}[${i}] failed: ${r.message}`)).join(' ')}`,
            failed[0].r.path,
          );
      }
    }
  }
  return out;
}

// =============================================================================================
// The pods of the state, as admitted
// =============================================================================================

const POD_TEMPLATE_KINDS: Readonly<Record<string, string>> = {
  Pod: '',
  ReplicationController: '',
  Deployment: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  ReplicaSet: 'apps',
  Job: 'batch',
  CronJob: 'batch',
};

export interface Workload {
  /** The object that creates pods (a Pod, or a controller such as a Deployment, StatefulSet, DaemonSet, Job or CronJob). */
  readonly object: StateObject;
  /** The namespace its pods are created in. */
  readonly namespace: string;
  /** The Helm release it comes from, if any. */
  readonly release?: HelmRelease;
}

/** Every Pod and pod controller the cluster's Applications apply (Helm test hooks excluded). */
export function workloadsOf(state: ClusterState): Workload[] {
  const destination = new Map(applicationsOf(state).map((a) => [a.name, a.destination.namespace]));
  const out: Workload[] = [];
  const visit = (o: StateObject, release?: HelmRelease) => {
    const m = o.manifest;
    if (isIgnoredHook(o) || POD_TEMPLATE_KINDS[m.kind] !== groupOf(m)) return;
    out.push({ object: o, namespace: m.metadata.namespace ?? release?.namespace ?? destination.get(o.application) ?? 'default', release });
  };
  for (const o of state.objects) visit(o);
  for (const r of state.releases) for (const o of r.rendered ?? []) visit(o, r);
  return out;
}

interface NamespaceInfo {
  readonly exists: boolean;
  /** Labels as selectors see them (with kubernetes.io/metadata.name). */
  readonly labels: Labels;
  readonly object?: StateObject;
}

function namespaceLookup(state: ClusterState, ctx: VerifyContext | undefined): (ns: string) => NamespaceInfo {
  const objects = new Map<string, StateObject>();
  for (const o of allObjects(state))
    if (o.manifest.kind === 'Namespace' && groupOf(o.manifest) === '' && o.manifest.metadata.name) objects.set(o.manifest.metadata.name, o);
  const preexisting = preexistingNamespaces(ctx);
  return (ns) => {
    const o = objects.get(ns);
    return { exists: !!o || preexisting.has(ns), labels: { ...(o?.manifest.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns }, object: o };
  };
}

export interface AdmittedPod {
  /** The pod after both mutating webhooks. */
  readonly pod: PodLike;
  /** What Istio's injection did to it. */
  readonly injection: InjectionResult;
}

/**
 * The pod a workload's controller creates, as the API server admits it: the template in its
 * namespace, through Istio's injection webhook, then Kyverno's mutating webhook (webhooks are
 * called in name order: istio-sidecar-injector before kyverno-resource-mutating-webhook-cfg).
 */
export function admittedPod(workload: Workload, nsLabels: Labels, models: readonly IstioInjectionModel[], engine?: KyvernoEngine): AdmittedPod | undefined {
  const m = workload.object.manifest;
  const tpl = podOf(m);
  if (!tpl) return undefined;
  const metadata =
    m.kind === 'Pod'
      ? { ...clone(m.metadata), namespace: workload.namespace }
      : { ...clone(tpl.metadata), namespace: workload.namespace, generateName: `${m.metadata.name ?? ''}-` };
  const injection = injectIstioSidecar({ metadata, spec: clone(tpl.spec) }, workload.namespace, nsLabels, models);
  let resource: Json = { apiVersion: 'v1', kind: 'Pod', metadata: injection.pod.metadata, spec: injection.pod.spec };
  if (engine) resource = kyvernoMutate(engine, resource, nsLabels);
  return { pod: { metadata: resource.metadata, spec: resource.spec }, injection };
}

const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
const ENFORCE_VERSION_LABEL = 'pod-security.kubernetes.io/enforce-version';

/** api PolicyToEvaluate for the enforce mode: no label = the cluster default (privileged); an unparsable one = restricted / latest. */
export function enforcedPolicy(labels: Labels): { readonly level: PodSecurityLevel; readonly version: PssVersion; readonly label: string } {
  const raw = labels[ENFORCE_LABEL];
  const level: PodSecurityLevel = raw === undefined ? 'privileged' : raw === 'privileged' || raw === 'baseline' || raw === 'restricted' ? raw : 'restricted';
  const version = parsePssVersion(labels[ENFORCE_VERSION_LABEL]) ?? 'latest';
  return { level, version, label: `${level}:${version === 'latest' ? 'latest' : `v1.${version}`}` };
}

const clusterMinor = (cluster: ClusterConfig) => Number(/^v?1\.(\d+)/.exec(cluster.kubernetesVersion ?? '')?.[1] ?? NaN);

function finding(check: string, state: ClusterState, o: StateObject | undefined, message: string, fix: string): Finding {
  // What verify cannot model is reported, but does not fail the run.
  return findingAt(check, state, o, message, fix, message.startsWith('(informational)') ? 'warning' : undefined);
}

const ISTIO_VALUES_CODE = 'lib/mesh/istio-values.ts istiodChartValues';

/** What to change when injected containers break a rule. */
function injectionFix(model: IstioInjectionModel, containers: readonly string[], problem: 'pss' | 'registry' | 'other', ids: readonly string[] = []): string {
  const parts: string[] = [];
  const topics = new Set<string>();
  if (problem === 'registry') {
    topics.add('hub');
    parts.push(
      `set \`global.hub\` in the istiod values (${ISTIO_VALUES_CODE}) to an allowed registry (docker.io/istio publishes the same images), or allow ${model.proxyImage.replace(/\/[^/]+$/, '/*')} in lib/hardening/admission-policies.ts PLATFORM_PROVIDED_IMAGES`,
    );
  } else {
    if (containers.includes('istio-init')) {
      topics.add('cni');
      parts.push(
        `istio-init (NET_ADMIN, NET_RAW, runAsUser 0) is injected because the injector's cni.enabled is false: set the istiod chart's top-level \`cni: { enabled: true }\` (${ISTIO_VALUES_CODE}) so pods get the unprivileged istio-validation container instead`,
      );
    }
    if (problem === 'pss' && ids.some((i) => i.startsWith('seccompProfile')))
      parts.push(
        `set \`global.proxy.seccompProfile: { type: RuntimeDefault }\` in the istiod values (${ISTIO_VALUES_CODE}) or a pod-level securityContext.seccompProfile in the pod template`,
      );
  }
  if (!parts.length) parts.push(`change the istiod injection values (${ISTIO_VALUES_CODE}) or opt the pod out with the label sidecar.istio.io/inject: "false"`);
  const notes = model.notes.filter((n) => topics.has(n.topic)).map((n) => `(${n.text})`);
  return [`${joinQuote([...containers])} ${containers.length > 1 ? 'are' : 'is'} injected by istiod (${model.source}): ${parts.join('; ')}`, ...notes].join(
    ' ',
  );
}

function workloadSource(w: Workload): string {
  return w.release
    ? `the values of Helm release ${w.release.releaseName} (${w.release.chart}@${w.release.version}, ${w.release.file})`
    : `its pod template in dist/${w.object.file} (the construct in lib/ that renders it)`;
}

// =============================================================================================
// Checks
// =============================================================================================

export const podSecurity: VerifyCheck = {
  name: 'admission/pod-security',
  description:
    "Every pod the cluster's workloads create, with the containers Istio injects, meets the Pod Security level its namespace enforces (label pod-security.kubernetes.io/enforce; unlabelled namespaces get the cluster default, privileged), and its namespace exists.",
  run(state, ctx) {
    const out: Finding[] = [];
    const nsOf = namespaceLookup(state, ctx);
    const models = istioInjectionModels(state);
    const engine = kyvernoEngine(state);
    const minor = clusterMinor(state.cluster);
    for (const w of workloadsOf(state)) {
      const what = describeManifest(w.object.manifest);
      const ns = nsOf(w.namespace);
      if (!ns.exists) {
        out.push(
          finding(
            this.name,
            state,
            w.object,
            `namespace ${w.namespace} of ${what} has no Namespace object in the cluster's state: its pods cannot be created, and the Pod Security level they must meet is unknown`,
            `render Namespace ${w.namespace} with its pod-security.kubernetes.io/enforce label (an add-on's NamespaceDeclaration, lib/core/namespaces.ts) or deploy ${what} to an existing namespace`,
          ),
        );
        continue;
      }
      const admitted = admittedPod(w, ns.labels, models, engine);
      if (!admitted) continue;
      if (admitted.injection.unmodelled.length) {
        out.push(
          finding(
            this.name,
            state,
            w.object,
            `(informational) istiod injection templates ${joinQuote([...admitted.injection.unmodelled])} requested by ${what} are not modelled; its pods were checked without them`,
            'none needed; extend injectIstioSidecar in lib/verify/checks/admission.ts to model the template',
          ),
        );
      }
      const policy = enforcedPolicy(ns.labels);
      const violations = evaluatePodSecurity(policy.level, policy.version, admitted.pod, Number.isFinite(minor) ? minor : undefined);
      if (!violations.length) continue;
      const injected = admitted.injection.injected;
      const culprits = sortedUnique(violations.flatMap((v) => v.containers));
      const injectedCulprits = culprits.filter((c) => injected.includes(c));
      const fixes: string[] = [];
      if (injectedCulprits.length && admitted.injection.model)
        fixes.push(
          injectionFix(
            admitted.injection.model,
            injectedCulprits,
            'pss',
            violations.map((v) => v.id),
          ),
        );
      if (culprits.some((c) => !injected.includes(c)) || violations.some((v) => !v.containers.length))
        fixes.push(`make ${workloadSource(w)} meet Pod Security ${policy.level} (pod and container securityContext)`);
      out.push(
        finding(
          this.name,
          state,
          w.object,
          `the pods of ${what} would be refused by Pod Security Admission: namespace ${w.namespace} enforces ${policy.label}${ns.object ? '' : ' (no label: the cluster default)'} and the pod as admitted${injected.length ? ` (with ${joinQuote([...injected])} injected by istiod)` : ''} violates it: ${describeViolations(violations)}`,
          fixes.join('; '),
        ),
      );
    }
    return out;
  },
};

/** `/spec/initContainers/1/image/` → the container's name in the resource. */
function containerAtPath(resource: Json, path: string | undefined): string | undefined {
  const m = /^\/spec\/(?:template\/spec\/|jobTemplate\/spec\/template\/spec\/)?(initContainers|containers|ephemeralContainers)\/(\d+)\//.exec(path ?? '');
  if (!m) return undefined;
  const spec =
    resource.kind === 'CronJob' ? resource.spec?.jobTemplate?.spec?.template?.spec : resource.kind === 'Pod' ? resource.spec : resource.spec?.template?.spec;
  return spec?.[m[1]]?.[Number(m[2])]?.name;
}

export const kyverno: VerifyCheck = {
  name: 'admission/kyverno',
  description:
    "No object the cluster's Applications apply, and no pod their workloads create (autogen rules on controllers, Pod rules on the pods with Istio's containers), is refused by a Kyverno ClusterPolicy/Policy rule in Enforce mode.",
  run(state, ctx) {
    const engine = kyvernoEngine(state);
    if (!engine) return [];
    const out: Finding[] = [];
    const nsOf = namespaceLookup(state, ctx);
    const models = istioInjectionModels(state);
    const destination = new Map(applicationsOf(state).map((a) => [a.name, a.destination.namespace]));
    const scopes = new KindScopes(allObjects(state));

    for (const p of engine.policies) {
      const parts = ((p.manifest.spec?.rules ?? []) as Json[]).map((r) => ({ r, u: unsupportedParts(r) })).filter((x) => x.u.length);
      if (!parts.length) continue;
      out.push(
        finding(
          this.name,
          state,
          p.object,
          `(informational) rules of ${p.manifest.kind} ${p.manifest.metadata.name} that npm run verify does not model, so did not evaluate: ${parts.map((x) => `${x.r.name} (${x.u.join(', ')})`).join('; ')}`,
          'none needed if the rules are known to pass; otherwise check them on a cluster, or extend lib/verify/checks/admission.ts',
        ),
      );
    }

    const releaseOf = new Map<StateObject, HelmRelease>();
    for (const r of state.releases) for (const o of r.rendered ?? []) releaseOf.set(o, r);
    const workloads = new Map(workloadsOf(state).map((w) => [w.object, w]));
    const policyCode = (o: KyvernoOutcome) =>
      `${o.policy.manifest.kind} ${o.policy.manifest.metadata.name} (dist/${o.policy.object.file}, lib/hardening/admission-policies.ts)`;

    for (const o of allObjects(state)) {
      if (isIgnoredHook(o)) continue;
      const m = o.manifest;
      const release = releaseOf.get(o);
      const resource: Json = clone(m);
      const w = workloads.get(o);
      // Argo CD puts a namespaced object without a namespace in its Application's destination namespace.
      if (!m.metadata.namespace && scopes.scope(groupOf(m), m.kind, m).namespaced)
        resource.metadata.namespace = w?.namespace ?? release?.namespace ?? destination.get(o.application) ?? 'default';
      const nsName = m.kind === 'Namespace' ? (m.metadata.name ?? '') : (resource.metadata.namespace ?? '');
      const ns = nsOf(nsName);
      const nsLabels = m.kind === 'Namespace' ? { ...(m.metadata.labels ?? {}), 'kubernetes.io/metadata.name': nsName } : ns.labels;
      const mutated = kyvernoMutate(engine, resource, nsLabels);
      const refused = kyvernoValidate(engine, mutated, nsLabels).filter((x) => x.blocks);
      const what = describeManifest(m);
      for (const x of refused) {
        out.push(
          finding(
            this.name,
            state,
            o,
            `${policyCode(x).split(' (')[0]} rule ${x.rule} (${x.status === 'fail' ? x.action : 'error, failurePolicy Fail'}) refuses ${what}, so Argo CD cannot apply it: ${x.message}`,
            w
              ? `make ${workloadSource(w)} satisfy the rule, or change ${policyCode(x)}`
              : `change ${what} (dist/${o.file}) to satisfy the rule, or ${policyCode(x)}`,
          ),
        );
      }
      if (!w) continue;
      const admitted = admittedPod(w, ns.labels, models, engine);
      if (!admitted) continue;
      const podResource = { apiVersion: 'v1', kind: 'Pod', metadata: admitted.pod.metadata, spec: admitted.pod.spec };
      const already = new Set(refused.map((x) => `${x.policy.manifest.metadata.name}/${baseRuleName(x.rule)}`));
      for (const x of kyvernoValidate(engine, podResource, ns.labels).filter((y) => y.blocks)) {
        if (already.has(`${x.policy.manifest.metadata.name}/${baseRuleName(x.rule)}`)) continue;
        const atPath = containerAtPath(podResource, x.path);
        const registryRule = /\/image\/$/.test(x.path ?? '') && !!atPath;
        // A failing image is shared by every injected container running it (Kyverno stops at the first).
        const image = registryRule ? containersOf(podResource.spec).find((c) => c.name === atPath)?.image : undefined;
        const sameImage = image
          ? containersOf(podResource.spec)
              .filter((c) => c.image === image && admitted.injection.injected.includes(c.name))
              .map((c) => String(c.name))
          : [];
        const culprits = sortedUnique([...x.containers, ...(atPath ? [atPath] : []), ...sameImage]);
        const injected = culprits.filter((c) => admitted.injection.injected.includes(c));
        const fix =
          injected.length && admitted.injection.model
            ? injectionFix(
                admitted.injection.model,
                injected,
                registryRule ? 'registry' : x.containers.length ? 'pss' : 'other',
                x.message.includes('seccomp') ? ['seccompProfile'] : [],
              )
            : `make ${workloadSource(w)} satisfy the rule, or change ${policyCode(x)}`;
        out.push(
          finding(
            this.name,
            state,
            o,
            `${policyCode(x).split(' (')[0]} rule ${x.rule} (${x.status === 'fail' ? x.action : 'error, failurePolicy Fail'}) would refuse the pods of ${what}${admitted.injection.injected.length ? ` (as admitted, with ${joinQuote([...admitted.injection.injected])} injected by istiod)` : ''}${injected.length ? `; the failing container${injected.length > 1 ? 's are' : ' is'} injected: ${joinQuote(injected)}` : ''}: ${x.message}`,
            fix,
          ),
        );
      }
    }
    return out;
  },
};

export const admissionChecks: readonly VerifyCheck[] = [podSecurity, kyverno];
