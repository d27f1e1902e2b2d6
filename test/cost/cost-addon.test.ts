import { platformAddOns } from '../../apps/platform/main';
import { RenderedObject } from '../../lib/core/checks';
import { karpenterNames } from '../../lib/core/cloud';
import { composePlatform } from '../../lib/core/composition';
import { workloadName } from '../../lib/core/services';
import { CostAddOn } from '../../lib/cost';
import { costAllocationCheck } from '../../lib/cost/cost-allocation-check';
import { InputError } from '../../lib/core/errors';
import { ClusterConfig } from '../../lib/core/model';
import { clusterPricing, PLATFORM_MODEL_FILE } from '../../lib/cost/cluster-pricing';
import { costLabelAllowlist, ksmLabel, NODE_COST_SERIES, PRICE_SERIES, SERVICE_COST_SERIES } from '../../lib/cost/cost-rules';
import { clusterCost, costReport, environmentCost, tierCost } from '../../lib/cost/cost-report';
import { HOURS_PER_MONTH, PRICE_TABLE, VCPU_TO_GIB_PRICE_RATIO } from '../../lib/cost/price-table';
import { SPOT_NODE_LABELS } from '../../lib/core/cloud';
import { ObservabilityAddOn } from '../../lib/observability';
import { platform as livePlatform } from '../../apps/platform/platform';
import { GitOpsAddOn } from '../../lib/gitops';
import { PlatformGuardrailsAddOn } from '../../lib/hardening';
import { WorkloadsAddOn } from '../../lib/workloads';
import {
  appliedBy,
  baseAddOns,
  FIXTURE_SERVICES,
  FixtureClusters,
  fixturePlatform,
  helmApp,
  helmValues,
  kindIs,
  ofKind,
  renderAddOns,
  TENANT_PER_TIER,
  yamlFiles,
  yamlOf,
} from '../support/harness';

/**
 * The cost add-on: Karpenter capacity on clusters that run it, right-sizing recommendations for every
 * catalog workload, the cost-allocation check, the cost report, and the cost rules each cluster's
 * Prometheus runs (rendered by the observability add-on). A tenant of each tier; an EKS, an AKS and a
 * GKE Autopilot cluster.
 */
const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure, FixtureClusters.gcp] });
const addOns = () => [...baseAddOns(), new PlatformGuardrailsAddOn(), new WorkloadsAddOn(), new CostAddOn(), new ObservabilityAddOn(), new GitOpsAddOn()];
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

const eu = (cloud: 'aws' | 'azure' | 'gcp') => Object.values(PRICE_TABLE[cloud])[0];

describe('prices per cloud and region', () => {
  it('prices every cluster of the platform model (every region and instance type it uses has a price)', () => {
    for (const env of livePlatform.environments) for (const c of env.clusters) expect(() => clusterPricing(c, livePlatform)).not.toThrow();
  });

  it('names the model field when an instance type or a region has no price', () => {
    const aws = FixtureClusters.aws;
    const unknownType: ClusterConfig = { ...aws, nodePools: [aws.nodePools[0], { ...aws.nodePools[1], instanceType: 'x9.huge' }] };
    const p = fixturePlatform({ clusters: [unknownType] });
    expect(() => clusterPricing(p.environments[0].clusters[0], p)).toThrow(InputError);
    try {
      clusterPricing(p.environments[0].clusters[0], p);
    } catch (e) {
      expect((e as InputError).issues).toEqual([
        expect.objectContaining({
          file: PLATFORM_MODEL_FILE,
          path: 'environments[0].clusters[0].nodePools[1].instanceType',
          message: expect.stringMatching(/x9\.huge/),
        }),
      ]);
    }
    const unknownRegion = { ...FixtureClusters.azure, region: 'mars-north' };
    expect(() => clusterPricing(unknownRegion)).toThrow(/region.*"mars-north"/);
  });

  it('charges requests so that a fully packed on-demand cluster adds up to its node bill', () => {
    // test-azure: on-demand Standard_D4s_v5 pools only.
    const { unit } = clusterPricing(FixtureClusters.azure);
    const d4 = eu('azure').instances.Standard_D4s_v5;
    expect(d4.vcpus * unit.vcpuHour + d4.memoryGib * unit.memoryGibHour).toBeCloseTo(d4.onDemandHour, 9);
    expect(unit.vcpuHour / unit.memoryGibHour).toBeCloseTo(VCPU_TO_GIB_PRICE_RATIO, 9);
    // With spot pools in the mix, the cluster's requests cost less than at on-demand prices.
    const aws = clusterPricing(FixtureClusters.aws);
    const onDemand = clusterPricing({ ...FixtureClusters.aws, nodePools: FixtureClusters.aws.nodePools.map((p) => ({ ...p, spot: false })) });
    expect(aws.unit.vcpuHour).toBeLessThan(onDemand.unit.vcpuHour);
  });

  it('bills GKE Autopilot per pod request at the region’s Autopilot prices, spot pods at the spot discount', () => {
    const gke = clusterPricing(FixtureClusters.gcp);
    expect(gke.billing).toBe('pods');
    expect(gke.unit.vcpuHour).toBe(eu('gcp').pods!.vcpuHour);
    expect(gke.spotUnit.vcpuHour).toBeCloseTo(eu('gcp').pods!.vcpuHour * (1 - eu('gcp').spotDiscount), 12);
  });
});

describe('spot per cloud', () => {
  it('runs the stateless Argo CD repo server as GKE Autopilot Spot Pods, by the label the cost rules read, and nowhere else', () => {
    const gcp = helmValues(out, FixtureClusters.gcp.name, 'argo-cd').repoServer;
    const label = SPOT_NODE_LABELS.gcp[0];
    expect(gcp.nodeSelector).toEqual({ [label.key]: label.value });
    expect(gcp.terminationGracePeriodSeconds).toBeLessThanOrEqual(25);
    for (const c of [FixtureClusters.aws, FixtureClusters.azure]) expect(helmValues(out, c.name, 'argo-cd').repoServer.nodeSelector).toBeUndefined();
    // Node clouds: spot is node pools (AWS Karpenter and spot node groups, Azure Spot VM scale sets), priced at the spot discount.
    const azureSpot = clusterPricing({
      ...FixtureClusters.azure,
      nodePools: [
        ...FixtureClusters.azure.nodePools,
        { name: 'spot', purpose: 'general', instanceType: 'Standard_D4s_v5', min: 0, desired: 1, max: 3, spot: true },
      ],
    });
    const pool = azureSpot.pools.find((p) => p.pool.spot)!;
    expect(pool.nodeHour).toBeCloseTo(pool.instance.onDemandHour * (1 - eu('azure').spotDiscount), 12);
  });
});

describe('cost rules per cluster', () => {
  const rulesOf = (cluster: string) => {
    const rule = appliedBy(out, cluster).find((o) => o.manifest.kind === 'PrometheusRule' && o.manifest.metadata.name === 'ceres-prices')!;
    return rule.manifest.spec.groups.flatMap((g: any) => g.rules) as { record: string; expr: string }[];
  };
  const instancePrices = (cluster: string) =>
    rulesOf(cluster)
      .filter((r) => r.record === NODE_COST_SERIES.instancePrice)
      .map((r) => {
        const [, value, type, capacity] =
          /^label_replace\(label_replace\(vector\(([\d.e-]+)\), "instance_type", "([^"]+)", "", ""\), "capacity", "([^"]+)", "", ""\)$/.exec(r.expr)!;
        return { type, capacity, value: Number(value) };
      });

  it("prices an Azure cluster's nodes at Azure's prices for its own instance types, and an AWS cluster's at AWS's", () => {
    const azure = instancePrices(FixtureClusters.azure.name);
    const d4 = eu('azure').instances.Standard_D4s_v5.onDemandHour;
    expect(azure).toEqual([
      { type: 'Standard_D4s_v5', capacity: 'on-demand', value: d4 },
      { type: 'Standard_D4s_v5', capacity: 'spot', value: Number((d4 * (1 - eu('azure').spotDiscount)).toPrecision(6)) },
    ]);
    const aws = instancePrices(FixtureClusters.aws.name);
    for (const p of FixtureClusters.aws.nodePools) {
      expect(aws).toContainEqual({ type: p.instanceType, capacity: 'on-demand', value: eu('aws').instances[p.instanceType].onDemandHour });
    }
    // The spot node group's interchangeable types (Terraform) are priced too, at the model type's price.
    expect(aws.filter((p) => p.capacity === 'spot').map((p) => p.type)).toContain('c6i.xlarge');
    expect(aws.some((p) => p.type.startsWith('Standard_'))).toBe(false);
  });

  it("reads each cloud's spot label, which Karpenter's NodePools and the AKS spot pools carry", () => {
    const info = (cluster: string) => rulesOf(cluster).find((r) => r.record === NODE_COST_SERIES.nodeInfo)!.expr;
    const pools = out.objects.filter(kindIs('NodePool', 'karpenter.sh'));
    const capacityKeys = new Set(pools.flatMap((p) => p.manifest.spec.template.spec.requirements.map((r: { key: string }) => r.key)));
    expect(capacityKeys).toContain(SPOT_NODE_LABELS.aws[0].key);
    expect(info(FixtureClusters.aws.name)).toContain(`"${ksmLabel(SPOT_NODE_LABELS.aws[0].key)}", "spot"`);
    expect(info(FixtureClusters.azure.name)).toContain(`"${ksmLabel(SPOT_NODE_LABELS.azure[0].key)}", "spot"`);
    expect(info(FixtureClusters.azure.name)).not.toContain('karpenter');
    // GKE Autopilot bills pods: unit prices only, no node cost.
    expect(rulesOf(FixtureClusters.gcp.name).map((r) => r.record)).toEqual(Object.values(PRICE_SERIES));
  });

  it('only reads node and pod labels that kube-state-metrics is told to export', () => {
    for (const cluster of [FixtureClusters.aws, FixtureClusters.azure, FixtureClusters.gcp]) {
      const allowlist: string[] = helmValues(out, cluster.name, 'kube-prometheus-stack')['kube-state-metrics'].metricLabelsAllowlist;
      expect(allowlist).toEqual(costLabelAllowlist());
      const exported = new Set(allowlist.flatMap((entry) => /^\w+=\[(.*)\]$/.exec(entry)![1].split(',').map(ksmLabel)));
      const alerts = appliedBy(out, cluster.name).find((o) => o.manifest.kind === 'PrometheusRule' && o.manifest.metadata.name === 'ceres-alerts')!;
      const exprs = [...rulesOf(cluster.name).map((r) => r.expr), JSON.stringify(alerts.manifest.spec)].join('\n');
      const read = new Set(exprs.match(/\blabel_[A-Za-z0-9_]+/g)?.filter((l) => l !== 'label_replace'));
      expect(read.size).toBeGreaterThan(0);
      for (const l of read) expect({ label: l, exported: exported.has(l) }).toEqual({ label: l, exported: true });
    }
  });

  it('costs each service by the label its pods carry', () => {
    const alerts = ofKind(out, 'PrometheusRule').find((m) => m.metadata.name === 'ceres-alerts')!;
    const rule = alerts.spec.groups.flatMap((g: any) => g.rules).find((r: any) => r.record === SERVICE_COST_SERIES);
    expect(rule.expr).toContain(`"${ksmLabel('app')}"`);
    const deployments = ofKind(out, 'Deployment').filter((d) => FIXTURE_SERVICES.services.some((s) => s.namespace === d.metadata.namespace));
    expect(deployments.length).toBeGreaterThan(0);
    for (const d of deployments) expect(d.spec.template.metadata.labels.app).toBeTruthy();
  });

  it('prices the same request differently on different clouds', () => {
    const series = (cluster: string) => rulesOf(cluster).find((r) => r.record === PRICE_SERIES.vcpuHour)!.expr;
    expect(new Set([FixtureClusters.aws, FixtureClusters.azure, FixtureClusters.gcp].map((c) => series(c.name))).size).toBe(3);
  });
});

describe('cost report', () => {
  it('prices a tier’s quota at a cluster’s unit prices', () => {
    const { unit } = clusterPricing(FixtureClusters.aws);
    const starter = tierCost('starter', unit);
    expect(starter.total).toBeCloseTo((2 * unit.vcpuHour + 4 * unit.memoryGibHour) * HOURS_PER_MONTH + 50 * unit.storageGibMonth, 6);
    expect(tierCost('enterprise', unit).total).toBeGreaterThan(tierCost('professional', unit).total);
    expect(tierCost('professional', unit).total).toBeGreaterThan(starter.total);
  });

  it('lists every tenant of the environment with its tier, deterministically, beside dist and unsynced', () => {
    const report = out.files.get(`${ENV}/reports/cost.md`)!;
    for (const t of TENANT_PER_TIER.tenants) expect(report).toMatch(new RegExp(`\\| ${t.tenantId} \\| .*${t.subscriptionLevel}`));
    expect(report).toBe(costReport(out.environment, TENANT_PER_TIER.tenants, platform));
    const apps = out.objects.filter(kindIs('Application', 'argoproj.io'));
    expect(apps.some((a) => a.manifest.spec.source?.path === `dist/${ENV}/reports`)).toBe(false);
  });

  it('adds up every cluster of the environment across clouds: the totals are the sums of the clusters', () => {
    const cost = environmentCost(out.environment, platform);
    expect(cost.clusters.map((c) => c.pricing.cluster.cloud)).toEqual(['aws', 'azure', 'gcp']);
    for (const k of ['nodes', 'controlPlane', 'total', 'spotSavings', 'onDemand', 'baseline', 'commitmentSavings'] as const) {
      expect(cost.total[k]).toBeCloseTo(
        cost.clusters.reduce((s, c) => s + c[k], 0),
        9,
      );
    }
    // The report's table says the same: its "all" row is the sum of its cluster rows.
    const report = out.files.get(`${ENV}/reports/cost.md`)!;
    const section = report.split('## All clusters (multi-cloud)')[1].split('\n## ')[0];
    const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Cluster'));
    const money = (row: string) =>
      row
        .split('|')
        .map((c) => c.trim())
        .filter((c) => /^\$[\d.]+$/.test(c))
        .map((c) => Number(c.slice(1)));
    const all = rows.find((r) => r.startsWith('| **all**'))!;
    const clusterRows = rows.filter((r) => r !== all);
    expect(clusterRows).toHaveLength(3);
    const totalColumn = (row: string) => money(row)[money(row).length - 3];
    expect(totalColumn(all)).toBeCloseTo(
      clusterRows.reduce((s, r) => s + totalColumn(r), 0),
      1,
    );
    // The budget line checks the same cross-cloud total against the environment's budget.
    expect(report).toContain(`modelled total is $${cost.total.total.toFixed(2)} of the ${ENV} budget`);
  });

  it('sizes reserved / committed-use coverage on the steady on-demand baseline: on-demand pools at their minimum', () => {
    const c = clusterCost(FixtureClusters.aws);
    const region = eu('aws');
    const onDemandPools = FixtureClusters.aws.nodePools.filter((p) => !('spot' in p && p.spot));
    const baseline = onDemandPools.reduce((s, p) => s + p.min * region.instances[p.instanceType].onDemandHour * HOURS_PER_MONTH, 0);
    expect(c.baseline).toBeCloseTo(baseline, 9);
    expect(c.commitmentSavings).toBeCloseTo(baseline * region.commitment!.discount, 9);
    // test-azure's apps pool scales from 1 to its desired 2: only the minimum is committable.
    const azure = clusterCost(FixtureClusters.azure);
    expect(azure.baseline).toBeLessThan(azure.onDemand);
    const spot = FixtureClusters.aws.nodePools.find((p) => 'spot' in p && p.spot)!;
    expect(c.spotSavings).toBeCloseTo(spot.desired * region.instances[spot.instanceType].onDemandHour * region.spotDiscount * HOURS_PER_MONTH, 9);
  });
});

describe('the YAML', () => {
  it('matches the reviewed Karpenter capacity, cost rules per cluster, right-sizing recommendations and cost report', () => {
    expect(yamlFiles(out, new RegExp(`^${ENV}/(clusters/${aws}/capacity/|clusters/[^/]+/cost-prices/|rightsizing/|reports/)`))).toMatchSnapshot();
    expect(yamlOf([helmApp(out, aws, 'karpenter'), helmApp(out, aws, 'vpa')])).toMatchSnapshot();
  });
});
