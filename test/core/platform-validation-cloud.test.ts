import { platform } from '../../apps/platform/platform';
import { InputError } from '../../lib/core/errors';
import { ClusterConfig, PlatformConfig } from '../../lib/core/model';
import { validatePlatform } from '../../lib/core/platform-validation';
import { synthesizeInfra } from '../../apps/infra/main';

/**
 * Platform mistakes that used to surface as an error thrown inside a Terraform construct are refused
 * up front, located at the field. Each case also shows that the Terraform app would indeed have
 * failed on it (so the validation guards a real failure, not a taste).
 */
function issuesOf(p: PlatformConfig): string[] {
  try {
    validatePlatform(p, 'platform.ts');
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

/** The platform with one cluster of one environment changed (by cloud), and only that environment (the first with that cloud, or the first HA one). */
function withCluster(cloud: string, change: (c: ClusterConfig) => ClusterConfig, ha?: boolean): PlatformConfig {
  const env = platform.environments.find((e) => e.clusters.some((c) => c.cloud === cloud) && (ha === undefined || e.sizing.ha === ha))!;
  return { ...platform, environments: [{ ...env, clusters: env.clusters.map((c) => (c.cloud === cloud ? change(c) : c)) }] };
}

const terraformFails = (p: PlatformConfig) => expect(() => synthesizeInfra(p, { tenants: [], databases: [], backups: [] } as never)).toThrow();

describe('cloud limits of the platform description', () => {
  it('accepts the embedded default', () => {
    expect(issuesOf(platform)).toEqual([]);
  });

  it('refuses a network that is not a /16, or has host bits set', () => {
    const p = withCluster('aws', (c) => ({ ...c, networkCidr: '10.10.0.0/20' }));
    expect(issuesOf(p)).toEqual([
      expect.stringMatching(/clusters\[0\]\.networkCidr: "10\.10\.0\.0\/20" is not allowed; the network plan cuts the subnets out of a \/16/),
    ]);
    terraformFails(p);
    expect(issuesOf(withCluster('aws', (c) => ({ ...c, networkCidr: '10.10.1.0/16' })))).toEqual([
      expect.stringContaining('has host bits set; use 10.10.0.0/16'),
    ]);
  });

  it('refuses overlapping cluster networks', () => {
    const env = platform.environments.find((e) => e.clusters.length > 1)!;
    const [first, second] = env.clusters;
    const p = { ...platform, environments: [{ ...env, clusters: env.clusters.map((c) => (c === second ? { ...c, networkCidr: first.networkCidr } : c)) }] };
    expect(issuesOf(p)).toEqual([expect.stringContaining(`overlaps ${first.networkCidr} of cluster ${first.name}`)]);
  });

  it('refuses regions whose backups have nowhere to go', () => {
    // HA environments replicate backups to a paired region; others keep one copy, so any region does.
    const aws = withCluster('aws', (c) => ({ ...c, region: 'ap-south-7' }), true);
    expect(issuesOf(aws)).toEqual([expect.stringMatching(/region: "ap-south-7" is not supported on AWS .*; allowed: eu-west-1, /)]);
    terraformFails(aws);
    expect(issuesOf(withCluster('aws', (c) => ({ ...c, region: 'ap-south-7' }), false))).toEqual([]);
    // A GKE Standard cluster runs workloads and keeps backups; an Autopilot standby keeps none, so any region does.
    const standard = (region: string) =>
      withCluster('gcp', (c) => ({
        ...c,
        profile: 'gke-standard',
        region,
        nodePools: [{ name: 'general', purpose: 'general', instanceType: 'e2-standard-4', min: 1, desired: 1, max: 3 }],
      }));
    expect(issuesOf(standard('europe-west4'))).toEqual([]);
    expect(issuesOf(standard('me-central1'))).toEqual([
      expect.stringMatching(/region: "me-central1" is not supported on GCP for a cluster that keeps backups/),
    ]);
    terraformFails(standard('me-central1'));
    expect(issuesOf(withCluster('gcp', (c) => ({ ...c, region: 'me-central1' })))).toEqual([]);
  });

  it('refuses AKS pool names AKS refuses, and rotation names that collide', () => {
    const long = withCluster('azure', (c) => ({ ...c, nodePools: c.nodePools.map((np, i) => (i === 0 ? { ...np, name: 'system-pool' } : np)) }));
    expect(issuesOf(long)).toEqual([expect.stringMatching(/nodePools\[0\]\.name: "system-pool" is not allowed on AKS/)]);
    terraformFails(long);
    const clash = withCluster('azure', (c) => ({ ...c, nodePools: [...c.nodePools, { ...c.nodePools[0], name: `${c.nodePools[0].name}tmp` }] }));
    expect(issuesOf(clash).join('\n')).toMatch(/collides with pool/);
    terraformFails(clash);
  });

  it('refuses an API server open to the internet', () => {
    const p = withCluster('aws', (c) => ({ ...c, apiAllowedCidrs: ['0.0.0.0/0'] }));
    expect(issuesOf(p)).toEqual([expect.stringMatching(/apiAllowedCidrs: must not open the API server to the whole internet/)]);
    terraformFails(p);
  });
});
