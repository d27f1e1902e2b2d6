import { cidrProblem, cidrsOverlap } from './cidr';
import { aksRotationPoolName, AWS_BACKUP_REPLICA_REGIONS, GCS_MULTI_REGIONS } from './cloud';
import { InputError, InputIssue } from './errors';
import { CLOUDS, ENVIRONMENT_NAMES, PlatformConfig } from './model';
import { isDnsLabel } from './names';
import { BACKUP_CLUSTERS, DATABASE_SITES, placementApplies } from './topology';

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function isCidr(v: string): boolean {
  const m = CIDR.exec(v);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

/**
 * Checks the platform description (normally `apps/platform/platform.ts`). It is TypeScript, so the
 * compiler checks types; this checks what types cannot: names, uniqueness, ranges.
 */
export function validatePlatform(platform: PlatformConfig, file: string): void {
  const issues: InputIssue[] = [];
  const at = (path: string, message: string) => issues.push({ file, path, message });
  if (!isDnsLabel(platform.name)) at('name', `${JSON.stringify(platform.name)} is not a DNS-1123 label`);
  if (!platform.gitops.repoURL) at('gitops.repoURL', 'is required');
  if (!platform.gitops.targetRevision) at('gitops.targetRevision', 'is required');
  const envNames = new Set<string>();
  const clusterNames = new Set<string>();
  const networks: { cluster: string; cidr: string }[] = [];
  platform.environments.forEach((env, i) => {
    const p = `environments[${i}]`;
    if (!ENVIRONMENT_NAMES.includes(env.name)) at(`${p}.name`, `${JSON.stringify(env.name)} is not allowed; allowed: ${ENVIRONMENT_NAMES.join(', ')}`);
    if (envNames.has(env.name)) at(`${p}.name`, `environment ${env.name} is declared twice`);
    envNames.add(env.name);
    if (env.clusters.length === 0) at(`${p}.clusters`, 'an environment needs at least one cluster');
    if (env.cloudAccounts?.aws !== undefined && !/^[0-9]{12}$/.test(env.cloudAccounts.aws))
      at(`${p}.cloudAccounts.aws`, `${JSON.stringify(env.cloudAccounts.aws)} is not an AWS account id (12 digits)`);
    if (env.cloudAccounts?.gcp !== undefined && !/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(env.cloudAccounts.gcp))
      at(`${p}.cloudAccounts.gcp`, `${JSON.stringify(env.cloudAccounts.gcp)} is not a GCP project id (6-30 lowercase letters, digits or hyphens)`);
    const s = env.sizing;
    for (const [key, range] of Object.entries({
      istiod: s.istiod,
      ingressGateway: s.ingressGateway,
      egressGateway: s.egressGateway,
      coreServices: s.coreServices,
    })) {
      if (!(Number.isInteger(range.min) && range.min >= 1 && range.max >= range.min))
        at(`${p}.sizing.${key}`, `needs 1 <= min <= max, got min ${range.min}, max ${range.max}`);
      if (s.ha && range.min < 2) at(`${p}.sizing.${key}.min`, `an HA environment runs at least 2 replicas, got ${range.min}`);
    }
    if (!(s.tracingSamplePercent >= 0 && s.tracingSamplePercent <= 100)) at(`${p}.sizing.tracingSamplePercent`, 'must be between 0 and 100');
    if (s.delivery) {
      // Flagger's Canary schema: durations in seconds or minutes only (`^[0-9]+(m|s)`).
      for (const key of ['canaryStepInterval', 'canaryMetricWindow'] as const) {
        if (!/^[1-9][0-9]*(m|s)$/.test(s.delivery[key]))
          at(
            `${p}.sizing.delivery.${key}`,
            `${JSON.stringify(s.delivery[key])} is not allowed; a duration in seconds or minutes such as "90s" or "120m" (Flagger accepts no hours)`,
          );
      }
      if (!(Number.isInteger(s.delivery.canaryFailureThreshold) && s.delivery.canaryFailureThreshold >= 1))
        at(`${p}.sizing.delivery.canaryFailureThreshold`, 'must be a whole number of at least 1');
    }
    if (env.databasePrimary !== undefined) {
      const sites = env.clusters.filter((c) => placementApplies(DATABASE_SITES, c)).map((c) => c.name);
      if (!sites.includes(env.databasePrimary))
        at(
          `${p}.databasePrimary`,
          `${JSON.stringify(env.databasePrimary)} is not a database site of ${env.name}; allowed: ${sites.join(', ') || 'none (no cluster with workloads on AWS or Azure)'}`,
        );
    }
    env.clusters.forEach((c, j) => {
      const cp = `${p}.clusters[${j}]`;
      if (!isDnsLabel(c.name)) at(`${cp}.name`, `${JSON.stringify(c.name)} is not a DNS-1123 label`);
      if (clusterNames.has(c.name)) at(`${cp}.name`, `cluster name ${c.name} is used twice; cluster names are unique across the platform`);
      clusterNames.add(c.name);
      if (!CLOUDS.includes(c.cloud)) at(`${cp}.cloud`, `${JSON.stringify(c.cloud)} is not allowed; allowed: ${CLOUDS.join(', ')}`);
      if ((c.cloud === 'edge') !== (c.role === 'edge')) at(`${cp}.role`, 'edge clusters, and only they, have role "edge"');
      if (c.cloud !== 'edge' && (!c.networkCidr || !isCidr(c.networkCidr)))
        at(`${cp}.networkCidr`, 'cloud clusters need a network CIDR such as "10.30.0.0/16"');
      else if (c.cloud !== 'edge' && c.networkCidr) {
        // The network plan (lib/core/cloud.ts) cuts each cloud's subnets out of a /16.
        const problem = cidrProblem(c.networkCidr);
        if (problem) at(`${cp}.networkCidr`, problem);
        else if (!c.networkCidr.endsWith('/16'))
          at(`${cp}.networkCidr`, `${JSON.stringify(c.networkCidr)} is not allowed; the network plan cuts the subnets out of a /16 such as "10.30.0.0/16"`);
        else {
          const clash = networks.find((n) => cidrsOverlap(n.cidr, c.networkCidr!));
          if (clash)
            at(
              `${cp}.networkCidr`,
              `${c.networkCidr} overlaps ${clash.cidr} of cluster ${clash.cluster}; clusters' networks must not overlap (they are peered and share private DNS)`,
            );
          networks.push({ cluster: c.name, cidr: c.networkCidr });
        }
      }
      if (c.cloud === 'aws' && s.ha && !(c.region in AWS_BACKUP_REPLICA_REGIONS)) {
        at(
          `${cp}.region`,
          `${JSON.stringify(c.region)} is not supported on AWS in an HA environment (its backups are replicated to a paired region); allowed: ${Object.keys(AWS_BACKUP_REPLICA_REGIONS).join(', ')}`,
        );
      }
      if (c.cloud === 'gcp' && placementApplies(BACKUP_CLUSTERS, c) && !Object.keys(GCS_MULTI_REGIONS).some((prefix) => c.region.startsWith(prefix))) {
        at(
          `${cp}.region`,
          `${JSON.stringify(c.region)} is not supported on GCP for a cluster that keeps backups (they go to a GCS multi-region); allowed: regions starting with ${Object.keys(GCS_MULTI_REGIONS).join(', ')}`,
        );
      }
      if ((c.apiAllowedCidrs ?? []).some((cidr) => cidr.endsWith('/0')))
        at(`${cp}.apiAllowedCidrs`, 'must not open the API server to the whole internet (a /0); list the networks that operate the cluster');
      if (!/^1\.(2[89]|3\d)$/.test(c.kubernetesVersion))
        at(`${cp}.kubernetesVersion`, `${JSON.stringify(c.kubernetesVersion)} is not supported; use 1.28 or newer`);
      for (const cidr of c.apiAllowedCidrs ?? []) if (!isCidr(cidr)) at(`${cp}.apiAllowedCidrs`, `${JSON.stringify(cidr)} is not a CIDR`);
      const pools = new Set<string>();
      c.nodePools.forEach((np, k) => {
        const pp = `${cp}.nodePools[${k}]`;
        if (!isDnsLabel(np.name)) at(`${pp}.name`, `${JSON.stringify(np.name)} is not a DNS-1123 label`);
        if (pools.has(np.name)) at(`${pp}.name`, `node pool ${np.name} is declared twice`);
        // AKS: pool names are 1-12 lowercase letters and digits, and rotating a pool needs a free temporary name.
        if (c.cloud === 'azure') {
          if (!/^[a-z][a-z0-9]{0,11}$/.test(np.name))
            at(`${pp}.name`, `${JSON.stringify(np.name)} is not allowed on AKS; use 1-12 lowercase letters and digits, starting with a letter`);
          const clash = c.nodePools.find(
            (other) => other !== np && (other.name === aksRotationPoolName(np.name) || aksRotationPoolName(other.name) === aksRotationPoolName(np.name)),
          );
          if (clash)
            at(
              `${pp}.name`,
              `AKS rotates pool ${np.name} through the temporary pool ${aksRotationPoolName(np.name)}, which collides with pool ${clash.name}; rename one`,
            );
        }
        pools.add(np.name);
        if (!(np.min >= 0 && np.min <= np.desired && np.desired <= np.max && np.max >= 1))
          at(pp, `needs 0 <= min <= desired <= max and max >= 1, got ${np.min}/${np.desired}/${np.max}`);
      });
      if (c.cloud !== 'edge' && c.cloud !== 'gcp' && !c.nodePools.some((np) => np.purpose === 'system'))
        at(`${cp}.nodePools`, 'needs a node pool with purpose "system"');
    });
  });
  if (issues.length) throw new InputError(issues);
}
