import { tenantNames } from '../../lib/core/names';
import { placementApplies, tenantPlacement } from '../../lib/core/topology';
import { GitOpsAddOn } from '../../lib/gitops';
import { SealedSecretsAddOn } from '../../lib/secrets';
import { baseAddOns, FIXTURE_INPUT, FixtureClusters, fixturePlatform, helmApp, helmValues, ofKind, renderAddOns, yamlOf } from '../support/harness';

/**
 * The sealed-secrets add-on: the controller that opens the tenants' SealedSecrets, on every cluster,
 * with the environment's one sealing key (copied from the primary cluster at bootstrap).
 */
const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure, FixtureClusters.edge] });
const out = renderAddOns([...baseAddOns(), new SealedSecretsAddOn(), new GitOpsAddOn()], { platform });
const ENV = out.environment.name;
const primary = FixtureClusters.aws;

describe('the Sealed Secrets controller', () => {
  it('runs on every cluster, never generating a key of its own', () => {
    for (const c of platform.environments[0].clusters) {
      expect(helmApp(out, c.name, 'sealed-secrets').spec.destination.namespace).toBe('sealed-secrets');
      expect(helmValues(out, c.name, 'sealed-secrets').keyrenewperiod).toBe('0');
    }
  });

  it("tells every other cluster's bootstrap to copy the primary's sealing key before the controller starts, and not the primary's", () => {
    for (const c of platform.environments[0].clusters) {
      const readme = out.files.get(`${ENV}/clusters/${c.name}/bootstrap/README.md`)!;
      const copies = readme.includes(`kubectl --context ${primary.name} -n sealed-secrets get secret -l sealedsecrets.bitnami.com/sealed-secrets-key=active`);
      expect({ cluster: c.name, copies }).toEqual({ cluster: c.name, copies: c.name !== primary.name });
    }
  });

  it("opens the tenants' SealedSecrets, each in its tenant's namespace, on the clusters the tenant runs on", () => {
    const tenant = FIXTURE_INPUT.tenants[0];
    const ns = tenantNames(tenant.tenantId).namespace;
    const sealed = ofKind(out, 'SealedSecret');
    expect(sealed.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(tenant.secrets.filter((s) => 'sealed' in s).map((s) => `${ns}/${s.name}`));
    // The namespace-wide scope kubeseal uses by default: the Secret's name and namespace are bound.
    expect(sealed[0].spec.template.metadata).toMatchObject({ name: sealed[0].metadata.name, namespace: ns });
    // The tenant's folder, secrets included, goes where the tenant runs (its databases have folders of their own).
    const placement = tenantPlacement();
    for (const c of platform.environments[0].clusters) {
      const applied = out.view.clusters.get(c.name)!.some((o) => o.manifest.kind === 'SealedSecret');
      expect({ cluster: c.name, applied }).toEqual({ cluster: c.name, applied: placementApplies(placement, c) });
    }
    expect(platform.environments[0].clusters.filter((c) => placementApplies(placement, c)).length).toBeGreaterThan(0);
  });
});

describe('the YAML', () => {
  it('matches the reviewed sealed-secrets Application', () => {
    expect(yamlOf([helmApp(out, primary.name, 'sealed-secrets')])).toMatchSnapshot();
  });
});
