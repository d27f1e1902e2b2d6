import { platform } from '../../apps/platform/platform';
import { cloudProvidedCrdGroups } from '../../lib/core/cloud';
import { needsStorageClasses } from '../../lib/data/storage';
import { resources, stack } from '../infra/helpers';
import { defaultSynthesis } from '../support/synthesis-cache';

describe('block storage', () => {
  const clusters = platform.environments.flatMap((e) => e.clusters.map((c) => ({ env: e.name, cluster: c })));

  it.each(clusters.map((x) => [x.cluster.name, x] as const))('%s: exactly one default StorageClass where the cloud brings none, encrypted', (_name, { env, cluster }) => {
    const objects = defaultSynthesis().environments.find((e) => e.name === env)!.view.clusters.get(cluster.name)!.map((o) => o.manifest as any);
    const defaults = objects.filter((m) => m.kind === 'StorageClass' && m.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
    expect(defaults.length).toBe(needsStorageClasses(cluster) ? 1 : 0);
    for (const sc of defaults) {
      expect(sc.parameters.encrypted).toBe('true');
      expect(sc.volumeBindingMode).toBe('WaitForFirstConsumer');
    }
  });

  it('installs on every EKS cluster the CSI driver (with its Pod Identity) and the snapshot controller whose CRDs the model promises', () => {
    for (const { env, cluster } of clusters.filter((x) => x.cluster.cloud === 'aws')) {
      const addons = resources(stack(`${env}-aws`), 'aws_eks_addon');
      const names = addons.map((a) => a.addon_name);
      expect(names).toEqual(expect.arrayContaining(['aws-ebs-csi-driver', 'snapshot-controller']));
      expect(cloudProvidedCrdGroups(cluster)).toContain('snapshot.storage.k8s.io');
      const ebs = addons.find((a) => a.addon_name === 'aws-ebs-csi-driver');
      expect(ebs!.pod_identity_association[0].service_account).toBe('ebs-csi-controller-sa');
    }
  });
});
