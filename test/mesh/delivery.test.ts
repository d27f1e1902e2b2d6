import { platform } from '../../apps/platform/platform';
import { renderMesh } from './support/build';

describe('progressive delivery pace per environment', () => {
  it.each(platform.environments.map((e) => e.name))('%s: every canary holds its steps for the environment\'s interval and rolls back after its threshold', (env) => {
    const environment = platform.environments.find((e) => e.name === env)!;
    const canaries = renderMesh(env).objects.filter((o) => o.manifest.kind === 'Canary').map((o) => o.manifest);
    expect(canaries.length).toBeGreaterThan(0);
    const pace = environment.sizing.delivery!;
    for (const c of canaries) {
      expect(c.spec.analysis.interval).toBe(pace.canaryStepInterval);
      expect(c.spec.analysis.threshold).toBe(pace.canaryFailureThreshold);
      for (const m of c.spec.analysis.metrics) expect(m.interval).toBe(pace.canaryMetricWindow);
    }
  });

  it('holds production steps for hours, longer than staging and dev', () => {
    const hours = (d: string) => Number(d.slice(0, -1)) * ({ s: 1 / 3600, m: 1 / 60 } as Record<string, number>)[d.slice(-1)];
    const pace = (n: string) => hours(platform.environments.find((e) => e.name === n)!.sizing.delivery!.canaryStepInterval);
    expect(pace('prod')).toBeGreaterThanOrEqual(1);
    expect(pace('prod')).toBeGreaterThan(pace('staging'));
    expect(pace('staging')).toBeGreaterThan(pace('dev'));
  });
});
