import { RenderedObject } from '../../lib/core/checks';
import { workloadName } from '../../lib/core/services';
import { platform } from '../../apps/platform/platform';
import { serviceCatalog } from '../../apps/platform/services';
import { costAllocationCheck } from '../../lib/cost/cost-allocation-check';
import { costReport, spotShare, tierCost } from '../../lib/cost/cost-report';
import { PRICE_TABLE } from '../../lib/cost/price-table';
import { kindIs, LooseObject, renderedPlatform } from '../gitops/support';

const prod = () => renderedPlatform().envs.get('prod')!.objects;

describe('capacity and right-sizing', () => {
  it('recommends right-sizing (updateMode Off) for every Deployment of the catalog', () => {
    const vpas = prod().filter(kindIs('VerticalPodAutoscaler', 'autoscaling.k8s.io'));
    const expected = serviceCatalog.services.flatMap((s) => s.versions.map((v) => `${s.namespace}/${workloadName(s, v)}`));
    expect(vpas.map((v) => `${v.manifest.metadata.namespace}/${v.manifest.spec.targetRef.name}`).sort()).toEqual([...new Set(expected)].sort());
    for (const v of vpas) {
      expect(v.manifest.spec.updatePolicy.updateMode).toBe('Off');
      expect(v.manifest.spec.targetRef.kind).toBe('Deployment');
    }
  });

  it('mixes spot and on-demand Karpenter capacity with consolidation on the AWS hub, on hardened nodes', () => {
    const pools = prod().filter(kindIs('NodePool', 'karpenter.sh'));
    const capacityTypes = (p: LooseObject) => p.manifest.spec.template.spec.requirements.find((r: { key: string }) => r.key === 'karpenter.sh/capacity-type').values;
    const general = pools.find((p) => p.manifest.metadata.name === 'general')!;
    expect(capacityTypes(general)).toEqual(['spot', 'on-demand']);
    expect(general.manifest.spec.disruption.consolidationPolicy).toBe('WhenEmptyOrUnderutilized');
    expect(pools.some((p) => capacityTypes(p).join() === 'on-demand')).toBe(true);
    const [nodeClass] = prod().filter(kindIs('EC2NodeClass', 'karpenter.k8s.aws'));
    expect(nodeClass.manifest.spec.metadataOptions).toMatchObject({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
    expect(nodeClass.manifest.spec.blockDeviceMappings[0].ebs).toMatchObject({ encrypted: true, volumeType: 'gp3' });
    expect(nodeClass.manifest.spec.role).toBe('ceres-prod-aws-karpenter-node');
  });
});

describe('cost allocation', () => {
  const obj = (kind: string, name: string, namespace?: string, labels?: Record<string, string>): RenderedObject => ({
    environment: 'prod',
    folder: 'x',
    file: 'prod/x/x.yaml',
    manifest: { apiVersion: 'v1', kind, metadata: { name, namespace, labels } },
  });

  it('holds for everything the platform renders', () => {
    for (const env of renderedPlatform().envs.values()) expect(costAllocationCheck.check(env.objects)).toEqual([]);
  });

  it('accepts a label on the object or on its namespace, and names the object otherwise', () => {
    const labelled = obj('Namespace', 'tenant-a', undefined, { 'ceres.io/cost-center': 'a' });
    expect(costAllocationCheck.check([labelled, obj('ConfigMap', 'c', 'tenant-a')])).toEqual([]);
    expect(costAllocationCheck.check([obj('ConfigMap', 'c', 'other', { 'ceres.io/cost-center': 'platform' })])).toEqual([]);
    expect(costAllocationCheck.check([obj('Namespace', 'other'), obj('ConfigMap', 'c', 'other')])).toEqual([expect.stringMatching(/^ConfigMap other\/c .*ceres\.io\/cost-center/)]);
  });
});

describe('cost report', () => {
  it('prices a tier’s quota from the price table', () => {
    const aws = PRICE_TABLE.aws;
    const starter = tierCost('starter', aws);
    expect(starter.total).toBeCloseTo((2 * aws.vcpuHour + 4 * aws.memoryGibHour) * 730 + 50 * aws.storageGibMonth, 6);
    expect(tierCost('enterprise', aws).total).toBeGreaterThan(tierCost('professional', aws).total);
    expect(tierCost('professional', aws).total).toBeGreaterThan(starter.total);
  });

  it('lists every tenant of the environment with its tier, deterministically, beside dist and unsynced', () => {
    const { result } = renderedPlatform();
    const report = result.files.get('prod/reports/cost.md')!;
    for (const t of result.input.tenants.filter((x) => x.environments.includes('prod'))) expect(report).toContain(`| ${t.tenantId} | `);
    expect(report).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    const env = platform.environments.find((e) => e.name === 'prod')!;
    expect(costReport(env, result.input.tenants)).toBe(costReport(env, result.input.tenants));
    const apps = renderedPlatform().envs.get('prod')!.objects.filter(kindIs('Application', 'argoproj.io'));
    expect(apps.some((a) => a.manifest.spec.source?.path === 'dist/prod/reports')).toBe(false);
  });

  it('derives the spot share from the node pools', () => {
    const dev = platform.environments.find((e) => e.name === 'dev')!;
    // dev: 2 × t3.large (2 vCPU) on demand, 2 × c5.xlarge (4 vCPU) spot → 8 / 12.
    expect(spotShare(dev)).toBeCloseTo(8 / 12, 6);
  });
});
