import { InputError, InputIssue } from './errors';
import { parseQuantity } from './quantity';
import { isDnsLabel } from './names';
import { PlatformNamespaces } from './namespaces';
import { ServiceCatalog } from './services';

/** Kubernetes CPU quantities we accept: millicores (`500m`) or cores (`2`, `0.5`). */
const CPU = /^([1-9][0-9]*m|[0-9]+(\.[0-9]+)?)$/;
/** Memory in Mi or Gi (the ceres quota sums them). */
const MEMORY = /^[1-9][0-9]*(Mi|Gi)$/;
/** Istio durations (`10s`, `500ms`, `1m`). */
const DURATION = /^[1-9][0-9]*(ms|s|m|h)$/;
/** An exact DNS name, or one leading `*.` wildcard label. */
const HOST = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/;
const LOAD_BALANCING = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE'];

const cpuCores = (v: string) => (v.endsWith('m') ? Number(v.slice(0, -1)) / 1000 : Number(v));
const isPort = (p: unknown) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
/** Services run in the platform's own namespace or in a tenant's (`tenant-<tenantId>`). */
const isServiceNamespace = (ns: string) => ns === PlatformNamespaces.core || /^tenant-[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns);

/**
 * Checks the service catalog (normally `apps/platform/services.ts`) before anything renders, so a
 * mistake is reported with its file and field instead of surfacing as an error inside a construct.
 * TypeScript checks the shapes; this checks values: names, references, ranges, quantities.
 */
export function validateServiceCatalog(catalog: ServiceCatalog, file: string): void {
  const issues: InputIssue[] = [];
  const at = (path: string, message: string) => issues.push({ file, path, message });
  const declared = new Set(catalog.services.map((s) => `${s.namespace}/${s.name}`));
  const seen = new Set<string>();
  catalog.services.forEach((s, i) => {
    const p = `services[${i}]`;
    if (!isDnsLabel(s.name)) at(`${p}.name`, `${JSON.stringify(s.name)} is not a DNS-1123 label`);
    if (!isServiceNamespace(s.namespace))
      at(
        `${p}.namespace`,
        `${JSON.stringify(s.namespace)} is not allowed; services live in ${PlatformNamespaces.core} or a tenant namespace (tenant-<tenantId>)`,
      );
    const key = `${s.namespace}/${s.name}`;
    if (seen.has(key)) at(`${p}.name`, `service ${key} is declared twice`);
    seen.add(key);
    if (s.serviceAccount !== undefined && !isDnsLabel(s.serviceAccount))
      at(`${p}.serviceAccount`, `${JSON.stringify(s.serviceAccount)} is not a DNS-1123 label`);
    if (!isPort(s.port)) at(`${p}.port`, `${JSON.stringify(s.port)} is not a port; use a whole number from 1 to 65535`);
    if (s.protocol !== undefined && !['http', 'grpc', 'tcp'].includes(s.protocol))
      at(`${p}.protocol`, `${JSON.stringify(s.protocol)} is not allowed; allowed: http, grpc, tcp`);
    if (s.rollout !== undefined && !['static', 'flagger'].includes(s.rollout))
      at(`${p}.rollout`, `${JSON.stringify(s.rollout)} is not allowed; allowed: static, flagger`);

    // Versions: names, pinned images, weights that sum to 100 when we render the split.
    if (!s.versions?.length) at(`${p}.versions`, 'a service needs at least one version');
    const versionNames = new Set<string>();
    (s.versions ?? []).forEach((v, j) => {
      const vp = `${p}.versions[${j}]`;
      if (!isDnsLabel(v.name)) at(`${vp}.name`, `${JSON.stringify(v.name)} is not a DNS-1123 label`);
      if (versionNames.has(v.name)) at(`${vp}.name`, `version ${v.name} is declared twice`);
      versionNames.add(v.name);
      if (typeof v.image !== 'string' || !(/@sha256:[0-9a-f]{64}$/.test(v.image) || /:[\w][\w.-]{0,127}$/.test(v.image.split('/').pop() ?? ''))) {
        at(`${vp}.image`, `${JSON.stringify(v.image)} is not pinned; give a tag (registry/name:1.2.3) or a digest (@sha256:…)`);
      } else if (/:latest$/.test(v.image)) at(`${vp}.image`, `${JSON.stringify(v.image)} is not pinned; "latest" changes under you`);
      if (v.weight !== undefined && !(Number.isInteger(v.weight) && v.weight >= 0 && v.weight <= 100))
        at(`${vp}.weight`, `${JSON.stringify(v.weight)} is not a percentage; use a whole number from 0 to 100`);
    });
    if (s.rollout === 'flagger' && (s.versions?.length ?? 0) > 1)
      at(`${p}.versions`, 'a Flagger rollout runs one version (Flagger creates the primary and canary itself)');
    if (s.rollout !== 'flagger' && (s.versions?.length ?? 0) > 1) {
      const weights = s.versions.map((v) => v.weight);
      if (weights.some((w) => w === undefined)) at(`${p}.versions`, 'with more than one version every version needs a weight');
      else {
        const sum = weights.reduce<number>((a, w) => a + (w ?? 0), 0);
        if (sum !== 100) at(`${p}.versions`, `the weights sum to ${sum}; they must sum to 100`);
      }
    }

    (s.dependsOn ?? []).forEach((d, j) => {
      const dp = `${p}.dependsOn[${j}]`;
      const target = `${d.namespace ?? s.namespace}/${d.service}`;
      if (!declared.has(target)) {
        const known = [...declared].filter((k) => k.startsWith(`${d.namespace ?? s.namespace}/`));
        at(`${dp}.service`, `${target} is not a service of the catalog${known.length ? `; services in that namespace: ${known.join(', ')}` : ''}`);
      }
      for (const port of d.ports ?? []) if (!isPort(port)) at(`${dp}.ports`, `${JSON.stringify(port)} is not a port`);
      for (const path of d.paths ?? [])
        if (typeof path !== 'string' || !path.startsWith('/')) at(`${dp}.paths`, `${JSON.stringify(path)} is not an HTTP path; paths start with /`);
      for (const m of d.methods ?? [])
        if (!METHODS.includes(m)) at(`${dp}.methods`, `${JSON.stringify(m)} is not an HTTP method; allowed: ${METHODS.join(', ')}`);
    });

    if (s.expose) {
      if (!isDnsLabel(s.expose.hostPrefix))
        at(`${p}.expose.hostPrefix`, `${JSON.stringify(s.expose.hostPrefix)} is not a DNS-1123 label (it becomes <hostPrefix>.<baseDomain>)`);
      for (const path of s.expose.pathPrefixes ?? [])
        if (typeof path !== 'string' || !path.startsWith('/'))
          at(`${p}.expose.pathPrefixes`, `${JSON.stringify(path)} is not a path prefix; paths start with /`);
      if (s.expose.realm !== undefined && !isDnsLabel(s.expose.realm))
        at(`${p}.expose.realm`, `${JSON.stringify(s.expose.realm)} is not a realm name (a DNS-1123 label)`);
    }

    const lb = s.trafficPolicy?.loadBalancing;
    if (lb !== undefined) {
      if (
        typeof lb === 'string'
          ? !LOAD_BALANCING.includes(lb)
          : !(lb && typeof lb === 'object' && typeof lb.consistentHashHeader === 'string' && /^[A-Za-z0-9-]+$/.test(lb.consistentHashHeader))
      ) {
        at(
          `${p}.trafficPolicy.loadBalancing`,
          `${JSON.stringify(lb)} is not allowed; allowed: ${LOAD_BALANCING.join(', ')} or { consistentHashHeader: <header name> }`,
        );
      }
    }
    for (const k of ['maxConnections', 'maxPendingRequests', 'consecutive5xxErrors'] as const) {
      const v = s.trafficPolicy?.[k];
      if (v !== undefined && !(Number.isInteger(v) && v >= 1)) at(`${p}.trafficPolicy.${k}`, `${JSON.stringify(v)} must be a whole number of at least 1`);
    }
    if (s.rollout === 'flagger' && s.trafficPolicy?.maxConnections !== undefined) {
      at(
        `${p}.trafficPolicy.maxConnections`,
        "is not honoured for a Flagger rollout: Flagger's Canary has no TCP connection pool (it generates the DestinationRules); remove it, or use rollout: static",
      );
    }
    const ejection = s.trafficPolicy?.maxEjectionPercent;
    if (ejection !== undefined && !(Number.isInteger(ejection) && ejection >= 0 && ejection <= 100))
      at(`${p}.trafficPolicy.maxEjectionPercent`, `${JSON.stringify(ejection)} is not a percentage`);

    if (s.resources) {
      for (const side of ['requests', 'limits'] as const) {
        const r = s.resources[side];
        if (!CPU.test(String(r?.cpu)))
          at(`${p}.resources.${side}.cpu`, `${JSON.stringify(r?.cpu)} is not a CPU quantity; use millicores ("500m") or cores ("2")`);
        if (!MEMORY.test(String(r?.memory))) at(`${p}.resources.${side}.memory`, `${JSON.stringify(r?.memory)} is not allowed; use Mi or Gi ("512Mi", "1Gi")`);
      }
      const { requests, limits } = s.resources;
      if (CPU.test(String(requests?.cpu)) && CPU.test(String(limits?.cpu)) && cpuCores(requests.cpu) > cpuCores(limits.cpu))
        at(`${p}.resources.requests.cpu`, `${requests.cpu} is above the limit ${limits.cpu}`);
      if (MEMORY.test(String(requests?.memory)) && MEMORY.test(String(limits?.memory)) && parseQuantity(requests.memory)! > parseQuantity(limits.memory)!)
        at(`${p}.resources.requests.memory`, `${requests.memory} is above the limit ${limits.memory}`);
    }
    if (s.replicas && !(Number.isInteger(s.replicas.min) && s.replicas.min >= 1 && Number.isInteger(s.replicas.max) && s.replicas.max >= s.replicas.min)) {
      at(`${p}.replicas`, `needs 1 <= min <= max, got min ${s.replicas.min}, max ${s.replicas.max}`);
    }
    if (s.targetCpuPercent !== undefined && !(Number.isInteger(s.targetCpuPercent) && s.targetCpuPercent >= 1 && s.targetCpuPercent <= 100))
      at(`${p}.targetCpuPercent`, `${JSON.stringify(s.targetCpuPercent)} is not a percentage from 1 to 100`);
    if (s.healthPath !== undefined && !s.healthPath.startsWith('/'))
      at(`${p}.healthPath`, `${JSON.stringify(s.healthPath)} is not an HTTP path; paths start with /`);
    if (s.timeout !== undefined && !DURATION.test(s.timeout)) at(`${p}.timeout`, `${JSON.stringify(s.timeout)} is not a duration such as "10s" or "500ms"`);
    if (s.retries !== undefined && !(Number.isInteger(s.retries) && s.retries >= 0 && s.retries <= 10))
      at(`${p}.retries`, `${JSON.stringify(s.retries)} must be a whole number from 0 to 10`);
  });

  const externalNames = new Set<string>();
  catalog.external.forEach((e, i) => {
    const p = `external[${i}]`;
    if (!isDnsLabel(e.name)) at(`${p}.name`, `${JSON.stringify(e.name)} is not a DNS-1123 label`);
    if (externalNames.has(e.name)) at(`${p}.name`, `external service ${e.name} is declared twice`);
    externalNames.add(e.name);
    if (!e.hosts?.length) at(`${p}.hosts`, 'needs at least one host');
    for (const h of e.hosts ?? []) if (!HOST.test(h)) at(`${p}.hosts`, `${JSON.stringify(h)} is not a DNS name (a leading "*." wildcard is allowed)`);
    if (!isPort(e.port)) at(`${p}.port`, `${JSON.stringify(e.port)} is not a port; use a whole number from 1 to 65535`);
    if (!['TLS', 'TCP'].includes(e.protocol)) at(`${p}.protocol`, `${JSON.stringify(e.protocol)} is not allowed; allowed: TLS, TCP`);
    for (const ns of e.namespaces ?? [])
      if (!isServiceNamespace(ns))
        at(`${p}.namespaces`, `${JSON.stringify(ns)} is not allowed; ${PlatformNamespaces.core} or a tenant namespace (tenant-<tenantId>)`);
  });
  if (issues.length) throw new InputError(issues);
}
