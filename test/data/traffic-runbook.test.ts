/**
 * The traffic part of the runbook (lib/data/traffic-runbook.ts) against what is rendered on a two-cloud
 * fixture environment: every stack directory, variable, output and output key it names exists in the
 * rendered stacks, and every Service it names is the ingress gateway release of that cluster.
 */
import { DatabasesAddOn, DISASTER_RECOVERY_FOLDER, RUNBOOK_FILE, trafficRunbook } from '../../lib/data';
import { GitOpsAddOn } from '../../lib/gitops';
import { MeshAddOn } from '../../lib/mesh';
import { fixtureStacks } from '../support/fixture-stacks';
import { trafficFailover } from '../../lib/core/traffic-failover';
import { baseAddOns, FixtureClusters, fixturePlatform, NO_SERVICES, renderAddOns, TENANT_PER_TIER } from '../support/harness';

const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure] });
const env = platform.environments[0];
const out = renderAddOns([...baseAddOns(), new DatabasesAddOn(), new MeshAddOn(), new GitOpsAddOn()], {
  platform,
  input: TENANT_PER_TIER,
  services: NO_SERVICES,
});
const runbook = out.files.get(`${env.name}/${DISASTER_RECOVERY_FOLDER}/${RUNBOOK_FILE}`)!;
const traffic = runbook.slice(runbook.indexOf('## Traffic'));
const stacks = new Map([...fixtureStacks(platform, TENANT_PER_TIER)].map(([path, json]) => [`dist/${path.replace(/\/cdk\.tf\.json$/, '')}`, JSON.parse(json)]));
const all = (re: RegExp) => [...traffic.matchAll(re)];
const applications = (cluster: string) =>
  out.view.clusters
    .get(cluster)!
    .map((o) => o.manifest)
    .filter((m) => m.kind === 'Application');

describe('the traffic runbook', () => {
  it('follows the database part of the environment’s runbook', () => {
    expect(runbook).toMatch(/^# Disaster recovery runbook/);
    expect(runbook.indexOf('## Traffic')).toBeGreaterThan(runbook.indexOf('## Databases'));
    expect(traffic).toContain(`record \`${trafficFailover(env)!.recordName}\``);
  });

  it('names stacks, variables and outputs the stacks have', () => {
    const dirs = all(/terraform -chdir=(\S+)/g).map((m) => m[1]);
    expect(dirs.length).toBeGreaterThan(0);
    for (const dir of dirs) expect([...stacks.keys()]).toContain(dir);
    const vars = all(/terraform -chdir=(\S+) apply \\\n\s+-var (\S+)=/g);
    expect(vars).toHaveLength(1);
    for (const [, dir, variable] of vars) expect(Object.keys(stacks.get(dir).variable)).toContain(variable);
    const outputs = all(/terraform -chdir=(\S+) output (?:-json |-raw )?(\w+)/g);
    expect(outputs.length).toBeGreaterThanOrEqual(4);
    for (const [, dir, output] of outputs) expect(Object.keys(stacks.get(dir).output)).toContain(output);
  });

  it('asks the health check ids of clusters the output has', () => {
    const keys = all(/output -json (\S+) \| jq -r '\."([^"]+)"'/g);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const [, output, cluster] of keys) {
      const value = stacks.get(`dist/terraform/${env.name}-aws`).output[output].value;
      expect(Object.keys(value)).toContain(cluster);
    }
  });

  it('looks at the ingress gateway Service where its Application installs it', () => {
    const services = all(/kubectl --context (\S+) -n (\S+) get service (\S+)/g);
    expect(services.map((m) => m[1]).sort()).toEqual([FixtureClusters.aws.name, FixtureClusters.azure.name]);
    for (const [, cluster, namespace, name] of services) {
      const gateway = applications(cluster).find((a) => a.spec.source?.chart === 'gateway' && a.spec.destination.namespace === namespace);
      expect(gateway?.spec.source.helm.releaseName ?? gateway?.metadata.name).toBe(name);
    }
  });

  it('is empty without a DNS failover (no AWS primary)', () => {
    const azure = fixturePlatform({ clusters: [{ ...FixtureClusters.azure, role: 'primary' }] });
    expect(trafficRunbook(azure.environments[0])).toBe('');
  });
});
