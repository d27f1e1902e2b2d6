/**
 * `data/replica-sources` over a synthesized two-site fixture platform (EKS primary, AKS secondary, one
 * database per tier) and over broken copies of it: each break is one that would leave a replica site
 * unable to replay, or let two sites write one archive, and verify must name it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize, SynthesisResult } from '../../apps/synthesize';
import { verifySynthesis } from '../../apps/verify';
import { oidcIssuerVariable, PLATFORM_DATABASE } from '../../lib/core/database-topology';
import { KEYCLOAK } from '../../lib/core/realm';
import { networkPolicyCheck } from '../../lib/verify/checks/flows';
import { replicaSourcesCheck } from '../../lib/verify/checks/replicas';
import { VerifyCheck } from '../../lib/verify/types';
import { Finding } from '../../lib/verify/types';
import { stacksOnlyCache } from '../support/fixture-stacks';
import { fixtureSynthesis } from '../support/synthesis-cache';
import { FixtureClusters, fixturePlatform } from '../support/harness';

const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure] });
const AWS = FixtureClusters.aws.name;
const AZURE = FixtureClusters.azure.name;
const ENV = platform.environments[0].name;

const TENANTS = ['starter', 'professional', 'enterprise']
  .map(
    (tier, i) => `apiVersion: ceres.io/v1
kind: CeresTenant
metadata: { name: t${i} }
spec: { displayName: T${i}, tenantId: t${i}-10${i}, keycloakRealm: t${i}-realm, databaseSchema: t${i}_db, subscriptionLevel: ${tier}, environments: [${ENV}] }
---
apiVersion: ceres.io/v1
kind: CeresDatabase
metadata: { name: t${i}-postgres }
spec: { type: postgres, replicas: 2, size: 10Gi, version: "16", tenantId: t${i}-10${i} }
`,
  )
  .join('---\n');

let synthesis: SynthesisResult;
beforeAll(() => {
  // What is checked here is what the fixture synthesized, not the synthesizing: stored for the run's
  // code, synthesized once (its stacks from the run's cache too).
  synthesis = fixtureSynthesis({ platform, TENANTS }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ceres-replicas-'));
    try {
      writeFileSync(join(dir, 'tenants.yaml'), TENANTS);
      return synthesize({ platform, tenantsDir: dir, cache: stacksOnlyCache() });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}, 120_000);

type Manifest = any;
const isPlatformDatabase = (m: Manifest) =>
  m.kind === 'Cluster' && m.metadata.namespace === PLATFORM_DATABASE.namespace && m.metadata.name === PLATFORM_DATABASE.name;

/** Findings of data/replica-sources on a copy of the synthesis that `edit` changed (manifests per cluster, Terraform files). */
function run(
  edit: (on: (cluster: string) => Manifest[], files: Map<string, string>, all: (cluster: string) => Manifest[]) => void = () => undefined,
  checks: readonly VerifyCheck[] = [replicaSourcesCheck],
): Finding[] {
  const environments = synthesis.environments.map((e) => ({
    ...e,
    objects: e.objects,
    view: {
      clusters: new Map([...e.view.clusters].map(([c, objects]) => [c, objects.map((o) => ({ ...o, manifest: JSON.parse(JSON.stringify(o.manifest)) }))])),
    },
  }));
  const files = new Map(synthesis.files);
  const on = (cluster: string) =>
    environments[0].view.clusters
      .get(cluster)!
      .map((o) => o.manifest)
      .filter((m: Manifest) => m.kind === 'Cluster' && m.apiVersion.startsWith('postgresql.cnpg.io/'));
  const all = (cluster: string) => environments[0].view.clusters.get(cluster)!.map((o) => o.manifest);
  edit(on, files, all);
  return verifySynthesis({ environments, files, input: synthesis.input }, { asOf: '2026-12-03', platform, checks }).findings.filter(
    (f) => f.severity !== 'warning',
  );
}
const messages = (f: readonly Finding[]) => f.map((x) => `${x.cluster} ${x.object}: ${x.message}`);
const tfEdit = (files: Map<string, string>, stack: string, fn: (json: any) => void) => {
  const path = `terraform/${ENV}-${stack}/cdk.tf.json`;
  const json = JSON.parse(files.get(path)!);
  fn(json);
  files.set(path, JSON.stringify(json));
};

describe('data/replica-sources', () => {
  it('finds nothing on the synthesized two-site platform, where every database has a site on each cluster', () => {
    expect(messages(run())).toEqual([]);
    // Three tenant databases, the platform database and Keycloak's.
    for (const c of [AWS, AZURE]) expect(synthesis.environments[0].view.clusters.get(c)!.filter((o) => o.manifest.kind === 'Cluster')).toHaveLength(5);
  });

  it('names a replica whose source reads another path than the primary archives to', () => {
    const f = run((on) => {
      on(AZURE)[0].spec.externalClusters.find((e: any) => e.name.endsWith('-aws')).barmanObjectStore.serverName = 'somewhere-else';
    });
    expect(messages(f).join('\n')).toMatch(new RegExp(`${AZURE} .*replays .*-aws from .*somewhere-else, but ${AWS} archives it to`));
  });

  it('names a source that is no Cluster on another cluster', () => {
    const f = run((on) => {
      const db = on(AZURE)[0];
      db.spec.externalClusters.push({ ...db.spec.externalClusters[0], name: 'ghost-site' });
      db.spec.replica.source = 'ghost-site';
    });
    expect(messages(f).join('\n')).toContain('site ghost-site is no Cluster');
  });

  it('names a replica field that names no externalClusters entry (the operator would refuse the Cluster)', () => {
    const f = run((on) => {
      on(AZURE)[0].spec.replica.primary = 'nowhere';
    });
    expect(messages(f).join('\n')).toMatch(/spec\.replica\.primary is nowhere, which no externalClusters entry names/);
    expect(messages(f).join('\n')).toMatch(/sites disagree on the primary/);
  });

  it('names two sites archiving to one path (two primaries would overwrite each other)', () => {
    const f = run((on) => {
      const primary = on(AWS)[0];
      const replica = on(AZURE).find((c: Manifest) => c.metadata.name === primary.metadata.name)!;
      replica.spec.backup.barmanObjectStore.destinationPath = primary.spec.backup.barmanObjectStore.destinationPath;
      replica.spec.backup.barmanObjectStore.serverName = primary.spec.backup.barmanObjectStore.serverName;
    });
    expect(messages(f).join('\n')).toMatch(/two primaries would overwrite each other's WAL/);
  });

  it("names a cross-cloud read the source's stack does not grant to this cluster's issuer", () => {
    const f = run((_, files) =>
      tfEdit(files, 'aws', (json) => {
        for (const name of Object.keys(json.resource.aws_iam_role)) if (name.includes('pgr-azure')) delete json.resource.aws_iam_role[name];
      }),
    );
    expect(messages(f).join('\n')).toContain(`federates no identity with ${AZURE}'s issuer (variable ${oidcIssuerVariable(FixtureClusters.azure)})`);
  });

  it('names a cross-cloud reader whose policy does not reach the archive', () => {
    const f = run((_, files) =>
      tfEdit(files, 'aws', (json) => {
        for (const p of Object.values<any>(json.resource.aws_iam_role_policy)) {
          if (p.name === 'archive-read') p.policy = p.policy.replace(/\/cnpg\/[^"]*\/\*/g, '/velero/*');
        }
      }),
    );
    expect(messages(f).join('\n')).toMatch(/policies do not allow s3:GetObject on arn:aws:s3:::.*\/cnpg\//);
  });

  it('names an Azure reader without a blob role on the container', () => {
    const f = run((_, files) =>
      tfEdit(files, 'azure', (json) => {
        for (const name of Object.keys(json.resource.azurerm_role_assignment)) if (name.includes('pgr-aws')) delete json.resource.azurerm_role_assignment[name];
      }),
    );
    expect(messages(f).join('\n')).toMatch(new RegExp(`${AWS} .*no role assignment gives .*pgr-aws`));
  });

  it('reaches the archives by a declared flow that the namespace egress policy allows (and names it when it does not)', () => {
    expect(messages(run(undefined, [networkPolicyCheck]))).toEqual([]);
    const f = run(
      (_, __, all) => {
        for (const m of all(AZURE)) {
          if (m.kind === 'NetworkPolicy' && m.metadata.name === 'allow-database-to-api-and-object-store') m.spec.egress = [];
        }
      },
      [networkPolicyCheck],
    );
    expect(f.map((x) => x.message).join('\n')).toMatch(/databases\/instances-to-archives\/tenant-/);
  });

  it("names an Azure archive whose firewall does not admit the reading cluster's egress IPs", () => {
    const f = run((_, files) =>
      tfEdit(files, 'azure', (json) => {
        for (const a of Object.values<any>(json.resource.azurerm_storage_account)) a.public_network_access_enabled = false;
      }),
    );
    expect(messages(f).join('\n')).toMatch(new RegExp(`${AWS} .*does not admit ${AWS}'s egress IPs \\(public network access off`));
  });

  it("names pods without the other cloud's credentials", () => {
    const f = run((on) => {
      const db = on(AZURE)[0];
      db.spec.env = db.spec.env.filter((e: any) => e.name !== 'AWS_ROLE_ARN');
      db.spec.projectedVolumeTemplate = undefined;
    });
    expect(messages(f).join('\n')).toMatch(/on aws from azure, but its pods lack AWS_ROLE_ARN, a projected token for audience sts\.amazonaws\.com/);
  });

  it('runs the platform database on both sites and names a site without it', () => {
    const platformOn = (c: string) => synthesis.environments[0].view.clusters.get(c)!.filter((o) => isPlatformDatabase(o.manifest));
    expect(platformOn(AWS).map((o) => o.manifest.spec.replica.self)).toEqual([`${PLATFORM_DATABASE.name}-aws`]);
    expect(platformOn(AZURE).map((o) => o.manifest.spec.replica.self)).toEqual([`${PLATFORM_DATABASE.name}-azure`]);
    const f = run((on) => {
      // The Azure site's platform Cluster renamed away: the model's site has none.
      on(AZURE).find(isPlatformDatabase)!.metadata.name = 'not-the-platform';
    });
    const text = messages(f).join('\n');
    expect(text).toContain(
      `${AZURE} is site ${PLATFORM_DATABASE.name}-azure of the platform database, but runs no Cluster ${PLATFORM_DATABASE.namespace}/${PLATFORM_DATABASE.name}`,
    );
    expect(text).toMatch(/the platform database of \S+ runs on aws only, though the environment has database sites on aws and azure/);
  });

  it("runs Keycloak's database on both sites, where the Keycloak operator runs, and names a site without it", () => {
    const isKeycloakDatabase = (m: Manifest) => m.kind === 'Cluster' && m.metadata.namespace === KEYCLOAK.namespace && m.metadata.name === KEYCLOAK.database;
    const on = (c: string) => synthesis.environments[0].view.clusters.get(c)!.filter((o) => isKeycloakDatabase(o.manifest));
    expect(on(AWS).map((o) => o.manifest.spec.replica)).toEqual([
      expect.objectContaining({ self: `${KEYCLOAK.database}-aws`, primary: `${KEYCLOAK.database}-aws` }),
    ]);
    expect(on(AZURE).map((o) => o.manifest.spec.replica)).toEqual([
      expect.objectContaining({ self: `${KEYCLOAK.database}-azure`, primary: `${KEYCLOAK.database}-aws` }),
    ]);
    const f = run((cnpg) => {
      cnpg(AZURE).find(isKeycloakDatabase)!.metadata.name = 'not-keycloak';
    });
    const text = messages(f).join('\n');
    expect(text).toContain(
      `${AZURE} is site ${KEYCLOAK.database}-azure of Keycloak's database, but runs no Cluster ${KEYCLOAK.namespace}/${KEYCLOAK.database}`,
    );
    expect(text).toMatch(/Keycloak's database of \S+ runs on aws only, though the environment has database sites on aws and azure/);
  });

  it("takes every site's credentials from one remote name, and names sites that differ", () => {
    const credentials = (c: string) =>
      synthesis.environments[0].view.clusters
        .get(c)!
        .map((o) => o.manifest)
        .filter(
          (m: Manifest) =>
            m.kind === 'ExternalSecret' && m.metadata.namespace === PLATFORM_DATABASE.namespace && m.metadata.name === `${PLATFORM_DATABASE.name}-app`,
        );
    for (const c of [AWS, AZURE]) expect(credentials(c).map((m: Manifest) => m.spec.data[0].remoteRef.key)).toEqual(['ceres--postgres-platform']);
    const differs = run((_, __, all) => {
      for (const m of all(AZURE))
        if (m.kind === 'ExternalSecret' && m.metadata.name === `${PLATFORM_DATABASE.name}-app`) m.spec.data[0].remoteRef.key = 'ceres--something-else';
    });
    expect(messages(differs).join('\n')).toMatch(
      /reads ceres--something-else on .*, but the same Secret on .* reads ceres--postgres-platform: the sites' credentials can differ/,
    );
    const generated = run((on) => {
      delete on(AZURE).find(isPlatformDatabase)!.spec.bootstrap.recovery.secret;
    });
    expect(messages(generated).join('\n')).toMatch(/its sites take their owner's credentials from different Secrets \(\(generated per site\), platform-app\)/);
    const untemplated = run((_, __, all) => {
      for (const m of all(AWS)) if (m.kind === 'ExternalSecret' && m.metadata.name === `${PLATFORM_DATABASE.name}-app`) delete m.spec.target.template;
    });
    const late = run((_, __, all) => {
      for (const m of all(AWS))
        if (m.kind === 'ExternalSecret' && m.metadata.name === `${PLATFORM_DATABASE.name}-app`) m.metadata.annotations['argocd.argoproj.io/sync-wave'] = '61';
    });
    expect(messages(late).join('\n')).toMatch(/ExternalSecret ceres\/platform-app \(Application \S+, wave 61\) must be synced before Cluster ceres\/platform/);
    expect(messages(untemplated).join('\n')).toMatch(
      /delivers platform-app as an Opaque Secret .* CloudNativePG needs a kubernetes.io\/basic-auth Secret whose username is the owner ceres/,
    );
  });
});
