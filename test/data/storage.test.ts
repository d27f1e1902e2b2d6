import { platform as livePlatform } from '../../apps/platform/platform';
import { cloudProvidedCrdGroups } from '../../lib/core/cloud';
import { EKS_DEFAULT_STORAGE_CLASS, needsStorageClasses, StorageAddOn } from '../../lib/data/storage';
import { GitOpsAddOn } from '../../lib/gitops';
import { resources, stack } from '../infra/helpers';
import { appliedBy, baseAddOns, EMPTY_INPUT, FixtureClusters, fixturePlatform, renderAddOns, yamlFiles } from '../support/harness';

/** The storage add-on: a default, encrypted StorageClass where the cloud brings none (EKS). */
const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure, FixtureClusters.gcp, FixtureClusters.edge] });
const out = renderAddOns([...baseAddOns(), new StorageAddOn(), new GitOpsAddOn()], { platform, input: EMPTY_INPUT });

describe('block storage', () => {
  it.each(platform.environments[0].clusters.map((c) => [c.name, c] as const))(
    '%s: exactly one default StorageClass where the cloud brings none, encrypted',
    (name, cluster) => {
      const defaults = appliedBy(out, name)
        .map((o) => o.manifest)
        .filter((m) => m.kind === 'StorageClass' && m.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
      expect(defaults.length).toBe(needsStorageClasses(cluster) ? 1 : 0);
      expect(needsStorageClasses(cluster)).toBe(cluster.cloud === 'aws');
      for (const sc of defaults) {
        expect(sc.metadata.name).toBe(EKS_DEFAULT_STORAGE_CLASS);
        expect(sc.parameters.encrypted).toBe('true');
        expect(sc.volumeBindingMode).toBe('WaitForFirstConsumer');
      }
    },
  );

  // End to end, over the embedded platform's Terraform stacks (the run's shared synthesis: rendering a
  // stack here would cost seconds); no tenant matters to it.
  it('installs on every EKS cluster of the embedded platform the CSI driver (with its Pod Identity) and the snapshot controller whose CRDs the model promises', () => {
    const eks = livePlatform.environments.flatMap((e) => e.clusters.filter((c) => c.cloud === 'aws').map((c) => ({ env: e.name, cluster: c })));
    expect(eks.length).toBeGreaterThan(0);
    for (const { env, cluster } of eks) {
      const addons = resources(stack(`${env}-aws`), 'aws_eks_addon');
      expect(addons.map((a) => a.addon_name)).toEqual(expect.arrayContaining(['aws-ebs-csi-driver', 'snapshot-controller']));
      expect(cloudProvidedCrdGroups(cluster)).toContain('snapshot.storage.k8s.io');
      expect(addons.find((a) => a.addon_name === 'aws-ebs-csi-driver')!.pod_identity_association[0].service_account).toBe('ebs-csi-controller-sa');
    }
  });

  it('matches the reviewed storage classes of the EKS cluster', () => {
    expect(yamlFiles(out, /\/storage\//)).toMatchSnapshot();
  });
});
