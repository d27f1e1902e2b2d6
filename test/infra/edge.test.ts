import { synthesizeInfra } from '../../apps/infra/main';
import { platform } from '../../apps/platform/platform';
import type { PlatformConfig } from '../../lib/core/model';
import { defaultFiles } from './helpers';

describe('edge sites', () => {
  it('are accepted in the model but get no Terraform stack', () => {
    const edge = platform.environments.flatMap((e) => e.clusters).filter((c) => c.cloud === 'edge');
    expect(edge.length).toBeGreaterThan(0);
    for (const file of defaultFiles().keys()) expect(file).not.toMatch(/edge/);
    for (const text of defaultFiles().values()) expect(text).not.toContain('ceres-prod-edge-lyon');
  });

  it('produce nothing in an environment that only has edge sites', () => {
    const prod = platform.environments.find((e) => e.name === 'prod')!;
    const edgeOnly: PlatformConfig = {
      ...platform,
      environments: [{ ...prod, clusters: prod.clusters.filter((c) => c.cloud === 'edge') }],
    };
    expect(synthesizeInfra(edgeOnly).size).toBe(0);
  });
});
