import { platformAddOns } from '../../apps/platform/main';
import { RenderedObject } from '../../lib/core/checks';
import { karpenterNames } from '../../lib/core/cloud';
import { composePlatform } from '../../lib/core/composition';
import { workloadName } from '../../lib/core/services';
import { CostAddOn } from '../../lib/cost';
import { costAllocationCheck } from '../../lib/cost/cost-allocation-check';
import { costReport, spotShare, tierCost } from '../../lib/cost/cost-report';
import { PRICE_TABLE } from '../../lib/cost/price-table';
import { GitOpsAddOn } from '../../lib/gitops';
import { PlatformGuardrailsAddOn } from '../../lib/hardening';
import { WorkloadsAddOn } from '../../lib/workloads';
import {
  baseAddOns,
  FIXTURE_SERVICES,
  FixtureClusters,
  fixturePlatform,
  helmApp,
  kindIs,
  ofKind,
  renderAddOns,
  TENANT_PER_TIER,
  yamlFiles,
  yamlOf,
} from '../support/harness';

/**
 * The cost add-on: Karpenter capacity on clusters that run it, right-sizing recommendations for every
 * catalog workload, the cost-allocation check and the cost report. A tenant of each tier; an EKS and
 * an AKS cluster.
 */
const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure] });
const addOns = () => [...baseAddOns(), new PlatformGuardrailsAddOn(), new WorkloadsAddOn(), new CostAddOn(), new GitOpsAddOn()];
const out = renderAddOns(addOns(), { platform, input: TENANT_PER_TIER });
const ENV = out.environment.name;
const aws = FixtureClusters.aws.name;

describe('composition', () => {
  it('needs no other add-on to declare kube-system, where Karpenter installs', () => {
    expect(() => composePlatform([...baseAddOns(), new CostAddOn()])).not.toThrow();
    expect(composePlatform([...baseAddOns(), new CostAddOn()]).catalog.namespaces.map((n) => n.name)).toContain('kube-system');
  });
});

describe('capacity and right-sizing', () => {
  it('recommends right-sizing (updateMode Off) for every Deployment of the catalog, and those Deployments exist', () => {
    const vpas = ofKind(out, 'VerticalPodAutoscaler');
    const expected = FIXTURE_SERVICES.services.flatMap((s) => s.versions.map((v) => `${s.namespace}/${workloadName(s, v)}`));
    expect(vpas.map((v) => `${v.metadata.namespace}/${v.spec.targetRef.name}`).sort()).toEqual([...new Set(expected)].sort());
    const deployments = new Set(ofKind(out, 'Deployment').map((d) => `${d.metadata.namespace}/${d.metadata.name}`));
    for (const v of vpas) {
      expect(v.spec.updatePolicy.updateMode).toBe('Off');
      expect(v.spec.targetRef.kind).toBe('Deployment');
      expect(deployments).toContain(`${v.metadata.namespace}/${v.spec.targetRef.name}`);
    }
  });

  it('mixes spot and on-demand Karpenter capacity with consolidation where Karpenter runs (EKS), on hardened nodes', () => {
    const pools = out.objects.filter(kindIs('NodePool', 'karpenter.sh'));
    expect(new Set(pools.map((p) => p.cluster))).toEqual(new Set([aws]));
    const capacityTypes = (p: RenderedObject) =>
      p.manifest.spec.template.spec.requirements.find((r: { key: string }) => r.key === 'karpenter.sh/capacity-type').values;
    const general = pools.find((p) => p.manifest.metadata.name === 'general')!;
    expect(capacityTypes(general)).toEqual(['spot', 'on-demand']);
    expect(general.manifest.spec.disruption.consolidationPolicy).toBe('WhenEmptyOrUnderutilized');
    expect(pools.some((p) => capacityTypes(p).join() === 'on-demand')).toBe(true);
    const [nodeClass] = ofKind(out, 'EC2NodeClass');
    expect(nodeClass.spec.metadataOptions).toMatchObject({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
    expect(nodeClass.spec.blockDeviceMappings[0].ebs).toMatchObject({ encrypted: true, volumeType: 'gp3' });
    // The node role Terraform creates for the cluster (lib/core/cloud.ts).
    expect(nodeClass.spec.role).toBe(karpenterNames(FixtureClusters.aws).nodeRole);
    expect(helmApp(out, aws, 'karpenter')).toBeDefined();
    expect(() => helmApp(out, FixtureClusters.azure.name, 'karpenter')).toThrow();
  });
});

describe('cost allocation', () => {
  const obj = (kind: string, name: string, namespace?: string, labels?: Record<string, string>): RenderedObject => ({
    environment: ENV,
    folder: 'x',
    file: `${ENV}/x/x.yaml`,
    manifest: { apiVersion: 'v1', kind, metadata: { name, namespace, labels } },
  });

  it('holds for everything the add-ons render', () => {
    expect(costAllocationCheck.check(renderAddOns(platformAddOns(), { platform, input: TENANT_PER_TIER }).objects)).toEqual([]);
  });

  it('accepts a label on the object or on its namespace, and names the object otherwise', () => {
    const labelled = obj('Namespace', 'tenant-a', undefined, { 'ceres.io/cost-center': 'a' });
    expect(costAllocationCheck.check([labelled, obj('ConfigMap', 'c', 'tenant-a')])).toEqual([]);
    expect(costAllocationCheck.check([obj('ConfigMap', 'c', 'other', { 'ceres.io/cost-center': 'platform' })])).toEqual([]);
    expect(costAllocationCheck.check([obj('Namespace', 'other'), obj('ConfigMap', 'c', 'other')])).toEqual([
      expect.stringMatching(/^ConfigMap other\/c .*ceres\.io\/cost-center/),
    ]);
  });
});

describe('cost report', () => {
  it('prices a tier’s quota from the price table', () => {
    const prices = PRICE_TABLE.aws;
    const starter = tierCost('starter', prices);
    expect(starter.total).toBeCloseTo((2 * prices.vcpuHour + 4 * prices.memoryGibHour) * 730 + 50 * prices.storageGibMonth, 6);
    expect(tierCost('enterprise', prices).total).toBeGreaterThan(tierCost('professional', prices).total);
    expect(tierCost('professional', prices).total).toBeGreaterThan(starter.total);
  });

  it('lists every tenant of the environment with its tier, deterministically, beside dist and unsynced', () => {
    const report = out.files.get(`${ENV}/reports/cost.md`)!;
    for (const t of TENANT_PER_TIER.tenants) expect(report).toMatch(new RegExp(`\\| ${t.tenantId} \\| .*${t.subscriptionLevel}`));
    expect(report).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(report).toBe(costReport(out.environment, TENANT_PER_TIER.tenants));
    const apps = out.objects.filter(kindIs('Application', 'argoproj.io'));
    expect(apps.some((a) => a.manifest.spec.source?.path === `dist/${ENV}/reports`)).toBe(false);
  });

  it('derives the spot share from the node pools', () => {
    // FixtureClusters.aws: 2 × t3.large (2 vCPU) on demand, 2 × c5.xlarge (4 vCPU) spot → 8 / 12.
    expect(spotShare(fixturePlatform().environments[0])).toBeCloseTo(8 / 12, 6);
  });
});

describe('the YAML', () => {
  it('matches the reviewed Karpenter capacity, right-sizing recommendations and cost report', () => {
    expect(yamlFiles(out, new RegExp(`^${ENV}/(clusters/${aws}/capacity/|rightsizing/|reports/)`))).toMatchSnapshot();
    expect(yamlOf([helmApp(out, aws, 'karpenter'), helmApp(out, aws, 'vpa')])).toMatchSnapshot();
  });
});
