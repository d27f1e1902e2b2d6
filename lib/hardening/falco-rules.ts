import { PlatformNamespaces } from '../core/namespaces';
import { TENANT_NAMESPACE_PREFIX } from '../core/names';
import { toYamlDocument } from '../core/yaml';

/** Falco rule priorities (https://falco.org/docs/rules/basic-elements/#priority). */
export type FalcoPriority = 'EMERGENCY' | 'ALERT' | 'CRITICAL' | 'ERROR' | 'WARNING' | 'NOTICE' | 'INFORMATIONAL' | 'DEBUG';

/** A named list of values usable in conditions (`proc.name in (ceres_shells)`). */
export interface FalcoList {
  /** List name, referenced in conditions. */
  readonly list: string;
  /** The values (process names, ports, paths). */
  readonly items: readonly (string | number)[];
}

/** A named condition fragment. */
export interface FalcoMacro {
  /** Macro name, usable in conditions like a boolean field. */
  readonly macro: string;
  /** The Falco condition it stands for. */
  readonly condition: string;
}

/** A detection: when `condition` holds, Falco emits `output` at `priority`. */
export interface FalcoRule {
  /** Rule name, shown in alerts (Falco's `rule` field). */
  readonly rule: string;
  /** What the rule detects, for people. */
  readonly desc: string;
  /** Falco condition over syscall event fields (`evt.type`, `proc.name`, `container.id`). */
  readonly condition: string;
  /** Alert text, with `%field` placeholders filled from the event. */
  readonly output: string;
  /** Severity of the event; Falco loads only rules at or above its configured minimum priority. */
  readonly priority: FalcoPriority;
  /** MITRE ATT&CK and platform tags (alert routing uses `ceres`). */
  readonly tags: readonly string[];
}

/**
 * Our lists and macros are prefixed `ceres_` and defined here, so the rules do not depend on the
 * macros of whichever default ruleset version the chart ships (those get renamed between releases).
 */
const LISTS: readonly FalcoList[] = [
  { list: 'ceres_shells', items: ['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'csh', 'tcsh', 'fish', 'busybox'] },
  {
    list: 'ceres_package_managers',
    items: ['apt', 'apt-get', 'aptitude', 'dpkg', 'yum', 'dnf', 'microdnf', 'rpm', 'zypper', 'apk', 'pip', 'pip3', 'npm', 'gem', 'conda'],
  },
  { list: 'ceres_binary_dirs', items: ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', '/lib', '/usr/lib'] },
  {
    list: 'ceres_sensitive_files',
    items: ['/etc/shadow', '/etc/gshadow', '/etc/sudoers', '/etc/pam.conf', '/etc/security/pwquality.conf', '/root/.ssh/authorized_keys'],
  },
  { list: 'ceres_privilege_tools', items: ['sudo', 'su', 'doas', 'pkexec', 'setcap', 'chroot', 'nsenter', 'unshare'] },
  { list: 'ceres_k8s_clients', items: ['kubectl', 'helm', 'crictl', 'ctr'] },
  // Ports the common Monero/Stratum pools listen on.
  { list: 'ceres_miner_ports', items: [3333, 3334, 3335, 4444, 5555, 5556, 6666, 7777, 8888, 9999, 14433, 14444, 45560, 45700] },
  { list: 'ceres_private_networks', items: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8'] },
  // Node agents that legitimately do all of the above (CNI installers, runtime security, log shippers).
  { list: 'ceres_privileged_namespaces', items: [PlatformNamespaces.kubeSystem, PlatformNamespaces.falco] },
];

const MACROS: readonly FalcoMacro[] = [
  { macro: 'ceres_container', condition: 'container.id != host and container.id != ""' },
  { macro: 'ceres_monitored', condition: 'ceres_container and not k8s.ns.name in (ceres_privileged_namespaces)' },
  { macro: 'ceres_tenant', condition: `ceres_container and k8s.ns.name startswith "${TENANT_NAMESPACE_PREFIX}"` },
  { macro: 'ceres_spawned_process', condition: 'evt.type in (execve, execveat) and evt.dir = <' },
  { macro: 'ceres_open_write', condition: 'evt.type in (open, openat, openat2) and evt.is_open_write = true and fd.typechar = f and fd.num >= 0' },
  { macro: 'ceres_open_read', condition: 'evt.type in (open, openat, openat2) and evt.is_open_read = true and fd.typechar = f and fd.num >= 0' },
  {
    macro: 'ceres_outbound',
    condition:
      '((evt.type = connect and evt.dir = <) or (evt.type in (sendto, sendmsg) and evt.dir = < and fd.l4proto != tcp and fd.connected = false and fd.name_changed = true)) ' +
      'and (fd.typechar = 4 or fd.typechar = 6) and fd.ip != "0.0.0.0" and (evt.rawres >= 0 or evt.res = EINPROGRESS)',
  },
];

const OUTPUT_CONTEXT =
  'ns=%k8s.ns.name pod=%k8s.pod.name container=%container.name image=%container.image.repository:%container.image.tag user=%user.name uid=%user.uid proc=%proc.cmdline parent=%proc.pname';

/** The design's runtime monitoring, one entry per threat. */
const RULES: readonly FalcoRule[] = [
  {
    rule: 'CERES Shell in container',
    desc: 'An interactive shell was started in a container (kubectl exec -it or a reverse shell); workloads never need one',
    condition: 'ceres_spawned_process and ceres_monitored and proc.name in (ceres_shells) and proc.tty != 0',
    output: `Interactive shell in container (${OUTPUT_CONTEXT} terminal=%proc.tty)`,
    priority: 'WARNING',
    tags: ['ceres', 'container', 'shell', 'mitre_execution', 'T1059'],
  },
  {
    rule: 'CERES Write below etc',
    desc: 'A file below /etc was opened for writing: configuration is immutable at runtime (root filesystems are read-only)',
    condition: 'ceres_open_write and ceres_monitored and fd.name startswith /etc/',
    output: `File below /etc opened for writing (file=%fd.name ${OUTPUT_CONTEXT})`,
    priority: 'ERROR',
    tags: ['ceres', 'filesystem', 'mitre_persistence', 'T1543'],
  },
  {
    rule: 'CERES Write below binary dir',
    desc: 'A file in a binary directory was opened for writing: an attempt to drop or replace an executable',
    condition: 'ceres_open_write and ceres_monitored and fd.directory in (ceres_binary_dirs)',
    output: `File below a binary directory opened for writing (file=%fd.name ${OUTPUT_CONTEXT})`,
    priority: 'ERROR',
    tags: ['ceres', 'filesystem', 'mitre_persistence', 'T1036'],
  },
  {
    rule: 'CERES Unexpected outbound connection from tenant',
    desc: 'A tenant pod connected to a public address directly; tenant egress leaves only through the Istio egress gateway',
    // PostgreSQL instances archive straight to the object store (they are outside the mesh).
    condition: 'ceres_outbound and ceres_tenant and not fd.snet in (ceres_private_networks) and not k8s.pod.label[cnpg.io/podRole] = instance',
    output: `Tenant pod connected outside the platform (connection=%fd.name ${OUTPUT_CONTEXT})`,
    priority: 'WARNING',
    tags: ['ceres', 'network', 'tenant', 'mitre_exfiltration', 'T1041'],
  },
  {
    rule: 'CERES Privilege escalation via setuid',
    desc: 'A non-root process in a container became root with setuid (setuid binaries are blocked by allowPrivilegeEscalation=false; seeing this means a guardrail is missing)',
    condition: 'evt.type in (setuid, setresuid) and evt.dir = > and ceres_monitored and user.uid != 0 and evt.rawarg.uid = 0',
    output: `Non-root process called setuid(0) (${OUTPUT_CONTEXT})`,
    priority: 'CRITICAL',
    tags: ['ceres', 'users', 'mitre_privilege_escalation', 'T1548.001'],
  },
  {
    rule: 'CERES Privilege tool run in container',
    desc: 'sudo, su, nsenter or a similar tool was run in a container',
    condition: 'ceres_spawned_process and ceres_monitored and proc.name in (ceres_privilege_tools)',
    output: `Privilege tool run in container (${OUTPUT_CONTEXT})`,
    priority: 'ERROR',
    tags: ['ceres', 'process', 'mitre_privilege_escalation', 'T1548'],
  },
  {
    rule: 'CERES Read sensitive file',
    desc: 'A sensitive file (password hashes, sudoers, SSH keys) was opened for reading in a container',
    condition: 'ceres_open_read and ceres_monitored and fd.name in (ceres_sensitive_files)',
    output: `Sensitive file opened for reading (file=%fd.name ${OUTPUT_CONTEXT})`,
    priority: 'WARNING',
    tags: ['ceres', 'filesystem', 'mitre_credential_access', 'T1555'],
  },
  {
    rule: 'CERES Service account token read by shell',
    desc: 'A shell or Kubernetes client read a service account token; workload tokens are automounted only where a binding needs them',
    condition:
      'ceres_open_read and ceres_monitored and fd.name startswith /var/run/secrets/kubernetes.io/serviceaccount and proc.name in (ceres_shells, ceres_k8s_clients, cat, head, tail, less, more)',
    output: `Service account token read interactively (file=%fd.name ${OUTPUT_CONTEXT})`,
    priority: 'WARNING',
    tags: ['ceres', 'k8s', 'mitre_credential_access', 'T1528'],
  },
  {
    rule: 'CERES Package manager in container',
    desc: 'A package manager ran in a running container: images are immutable, changes go through the registry',
    condition: 'ceres_spawned_process and ceres_monitored and proc.name in (ceres_package_managers)',
    output: `Package manager run in container (${OUTPUT_CONTEXT})`,
    priority: 'ERROR',
    tags: ['ceres', 'process', 'software_mgmt', 'mitre_persistence', 'T1072'],
  },
  {
    rule: 'CERES Kubernetes client in container',
    desc: 'kubectl, helm or a runtime client was run in a container (lateral movement from a compromised pod)',
    condition: 'ceres_spawned_process and ceres_monitored and proc.name in (ceres_k8s_clients)',
    output: `Kubernetes client run in container (${OUTPUT_CONTEXT})`,
    priority: 'WARNING',
    tags: ['ceres', 'k8s', 'mitre_discovery', 'T1613'],
  },
  {
    rule: 'CERES Crypto miner connection',
    desc: 'A container connected to a port used by crypto-mining pools',
    condition: 'ceres_outbound and ceres_container and fd.sport in (ceres_miner_ports) and not fd.snet in (ceres_private_networks)',
    output: `Connection to a mining pool port (connection=%fd.name ${OUTPUT_CONTEXT})`,
    priority: 'CRITICAL',
    tags: ['ceres', 'network', 'mitre_impact', 'T1496'],
  },
];

/** The typed rule set (lists, macros, rules), for tests and documentation. */
export function falcoRuleSet(): { lists: readonly FalcoList[]; macros: readonly FalcoMacro[]; rules: readonly FalcoRule[] } {
  return { lists: LISTS, macros: MACROS, rules: RULES };
}

/**
 * The platform's Falco custom rules as the YAML text of one rules file (lists, then macros, then rules,
 * the order Falco requires: a name must be defined before it is used). For the Falco chart's
 * `customRules` values: `{ 'ceres-rules.yaml': falcoCustomRules() }`.
 */
export function falcoCustomRules(): string {
  const items: unknown[] = [
    ...LISTS.map((l) => ({ list: l.list, items: [...l.items] })),
    ...MACROS.map((m) => ({ macro: m.macro, condition: m.condition })),
    ...RULES.map((r) => ({ rule: r.rule, desc: r.desc, condition: r.condition, output: r.output, priority: r.priority, tags: [...r.tags] })),
  ];
  return `# CERES runtime detections, generated by lib/hardening/falco-rules.ts; do not edit.\n${toYamlDocument(items)}`;
}
