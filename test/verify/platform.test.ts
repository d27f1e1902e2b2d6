/**
 * `npm run verify` over the committed platform (without Helm rendering, as CI runs it), and over
 * deliberately broken variants of it: each break is one that would stop the platform from coming up
 * on a real cluster, and verify must name it.
 */
import { verifySynthesis } from '../../apps/verify';
import { platform } from '../../apps/platform/platform';
import { SynthesisResult } from '../../apps/synthesize';
import { defaultSynthesis } from '../support/synthesis-cache';
import { CopyOnWrite } from '../support/copy-on-write';
import { verifyChecks } from '../../lib/verify/checks';
import { ClusterState, Finding, VerifyContext } from '../../lib/verify/types';

/** The day the support windows are judged on (pinned: the test must not change with the calendar). */
const AS_OF = '2026-12-03';

let cached: SynthesisResult | undefined;
const synthesis = () => (cached ??= defaultSynthesis());

type Manifest = any;

/** A broken copy of a synthesis, and the clusters whose objects the break touched. */
type Broken = Pick<SynthesisResult, 'environments' | 'files' | 'input'> & { readonly touched: ReadonlySet<string> };

/**
 * A copy of prod's synthesis (the environment with every kind of cluster and tenant) whose manifests
 * `edit` may change in place; the original stays intact.
 */
function broken(edit: (manifests: Manifest[], files: Map<string, string>) => void): Broken {
  const base = { ...synthesis(), environments: synthesis().environments.filter((e) => e.name === 'prod') };
  const copies = new Map<object, CopyOnWrite>();
  const manifests = base.environments.flatMap((e) => [...e.objects, ...[...e.view.clusters.values()].flat()].map((o) => o.manifest));
  for (const m of manifests) if (!copies.has(m)) copies.set(m, new CopyOnWrite(m));
  const files = new Map(base.files);
  edit(
    [...copies.values()].map((c) => c.view),
    files,
  );
  const current = (m: object) => copies.get(m)?.current ?? m;
  const changed = new Set(
    [...copies].filter(([original, c]) => c.written && JSON.stringify(original) !== JSON.stringify(c.current)).map(([original]) => original),
  );
  const environments = base.environments.map((e) => ({
    ...e,
    objects: e.objects.map((o) => ({ ...o, manifest: current(o.manifest) })),
    view: { clusters: new Map([...e.view.clusters].map(([c, objects]) => [c, objects.map((o) => ({ ...o, manifest: current(o.manifest) }))])) },
  }));
  const filesChanged = [...files].some(([p, c]) => base.files.get(p) !== c) || files.size !== base.files.size;
  const touched = new Set(
    base.environments.flatMap((e) =>
      [...e.view.clusters].filter(([, objects]) => filesChanged || objects.some((o) => changed.has(o.manifest))).map(([c]) => c),
    ),
  );
  expect(touched.size).toBeGreaterThan(0); // a break that changes nothing tests nothing
  return { environments, files, input: base.input, touched };
}

/** Verify's findings (warnings left out) of the checks `select` picks, on a broken copy. */
type Run = (select: (check: string) => boolean) => Finding[];

/**
 * Verify on a broken copy, check by check: a check runs when a test first asks for its findings,
 * once, and only on the clusters the break touched (the others are what the committed platform has,
 * where the test above finds nothing). All checks on every break cost several seconds a file, for
 * findings nobody reads.
 */
const errors = (findings: readonly Finding[]) => findings.filter((f) => f.severity !== 'warning');
const run = (s: Broken): Run => {
  const found = new Map<string, Finding[]>();
  return (select) => {
    const names = verifyChecks()
      .map((c) => c.name)
      .filter(select);
    expect(names.length).toBeGreaterThan(0); // a check that does not exist finds nothing
    const pending = verifyChecks()
      .filter((c) => names.includes(c.name) && !found.has(c.name))
      .map((c) => ({ ...c, run: (state: ClusterState, ctx: VerifyContext) => (s.touched.has(state.cluster.name) ? c.run(state, ctx) : []) }));
    if (pending.length) {
      const findings = errors(verifySynthesis(s, { asOf: AS_OF, checks: pending }).findings);
      for (const c of pending) found.set(c.name, []);
      for (const f of findings) found.get(f.check)?.push(f);
    }
    return names.flatMap((n) => found.get(n) ?? []);
  };
};
const named = (check: string, findings: Run) => findings((c) => c === check);
const kind = (k: string, name?: string, namespace?: string) => (m: Manifest) =>
  m.kind === k && (name === undefined || m.metadata.name === name) && (namespace === undefined || m.metadata.namespace === namespace);

describe('npm run verify on the committed platform', () => {
  it('finds nothing that fails (rendering skipped, as in CI)', () => {
    const report = verifySynthesis(synthesis(), { asOf: AS_OF });
    expect(errors(report.findings).map((f) => `${f.check} ${f.cluster} ${f.object}: ${f.message}`)).toEqual([]);
    expect(report.checks.length).toBeGreaterThanOrEqual(15);
    // Every cluster of every environment was verified.
    expect(report.clusters.map((c) => c.cluster).sort()).toEqual(platform.environments.flatMap((e) => e.clusters.map((c) => c.name)).sort());
  });

  it('checks the flows the add-ons declare, on every cluster that runs them', () => {
    const seen = new Map<string, { flows: string[]; namespaces: string[]; meshed: boolean }>();
    const collector = {
      name: 'test/collect',
      description: 'records each cluster state',
      run: (state: any) => {
        const namespaces = state.objects
          .filter((o: any) => o.manifest.kind === 'Namespace' && o.manifest.metadata.labels?.['ceres.io/tenant'])
          .map((o: any) => o.manifest.metadata.name);
        seen.set(state.cluster.name, { flows: state.flows.map((f: any) => f.name), namespaces, meshed: state.releases.some((r: any) => r.chart === 'istiod') });
        return [];
      },
    };
    verifySynthesis(synthesis(), { asOf: AS_OF, checks: [collector] });
    expect(seen.size).toBe(platform.environments.flatMap((e) => e.clusters).length);
    let checked = 0;
    for (const [cluster, s] of seen) {
      // Every tenant a meshed cluster runs has its sidecar, ingress and scrape flows declared.
      if (!s.meshed) continue;
      for (const ns of s.namespaces) {
        expect({ cluster, ns, flows: s.flows.filter((f) => f.endsWith(`/${ns}`) || f.includes(`/${ns}/`)).length >= 2 }).toEqual({ cluster, ns, flows: true });
        expect(s.flows).toContain(`mesh/sidecars-to-istiod/${ns}`);
        expect(s.flows).toContain(`mesh/ingress-to-tenant/${ns}`);
        checked++;
      }
      expect(s.flows).toContain('mesh/api-server-to-istiod-webhooks');
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('npm run verify catches a broken platform', () => {
  it('a chart repository missing from the platform AppProject (Istio never installs)', () => {
    const f = run(
      broken((ms) =>
        ms.filter(kind('AppProject', 'platform')).forEach((p) => (p.spec.sourceRepos = p.spec.sourceRepos.filter((r: string) => !r.includes('istio')))),
      ),
    );
    const found = named('argocd/source-permitted', f);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0].message).toContain('istio-release.storage.googleapis.com');
  });

  it('an AppProject synced after the Applications that use it', () => {
    const f = run(broken((ms) => ms.filter(kind('AppProject', 'platform')).forEach((p) => (p.metadata.annotations['argocd.argoproj.io/sync-wave'] = '100'))));
    expect(named('argocd/sync-order', f).length).toBeGreaterThan(0);
  });

  it('a workload that breaks Pod Security "restricted" in its namespace', () => {
    const f = run(
      broken((ms) =>
        ms
          .filter(kind('Deployment', undefined, 'ceres'))
          .forEach((d) => (d.spec.template.spec.securityContext = { ...d.spec.template.spec.securityContext, seccompProfile: undefined, runAsNonRoot: false })),
      ),
    );
    const found = named('admission/pod-security', f);
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((x) => x.message).join('\n')).toMatch(/restricted/);
  });

  it('sidecars from a registry the admission policy does not allow (istiod hub and policy disagree)', () => {
    const f = run(broken((ms) => ms.filter(kind('Application', 'istiod')).forEach((a) => (a.spec.source.helm.valuesObject.global.hub = 'docker.io/istio'))));
    const found = named('admission/kyverno', f).map((x) => x.message);
    expect(found.length).toBeGreaterThan(0);
    for (const m of found) expect(m).toMatch(/allowed-registries .*injected: "istio-proxy"/);
  });

  it('istiod told to use CNI the pre-1.24 way (every meshed pod gets a privileged istio-init)', () => {
    const f = run(
      broken((ms) =>
        ms.filter(kind('Application', 'istiod')).forEach((a) => {
          const v = a.spec.source.helm.valuesObject;
          delete v.cni;
          v.pilot = { ...(v.pilot ?? {}), cni: { enabled: true } };
        }),
      ),
    );
    expect(
      named('admission/pod-security', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('istio-init');
  });

  it('a flow with no allowance: tenant sidecars cannot send spans to Tempo', () => {
    const f = run(broken((ms) => ms.filter(kind('NetworkPolicy', 'allow-to-tracing')).forEach((np) => (np.spec.egress = []))));
    const found = named('flows/network-policy', f);
    expect(found.map((x) => x.message).join('\n')).toContain('observability/spans-to-tempo');
  });

  it('a Sidecar that no longer imports its own namespace (api cannot reach api-server)', () => {
    const f = run(
      broken((ms) =>
        ms.filter(kind('Sidecar', 'default', 'ceres')).forEach((s) => (s.spec.egress[0].hosts = s.spec.egress[0].hosts.filter((h: string) => h !== './*'))),
      ),
    );
    expect(
      named('flows/sidecar-egress', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('mesh/ceres/api-to-ceres/api-server');
  });

  it('no ALLOW policy for requests routed by the ingress gateway', () => {
    const f = run(
      broken((ms) =>
        ms
          .filter(kind('AuthorizationPolicy', 'api', 'ceres'))
          .forEach((p) => (p.spec.rules = p.spec.rules.filter((r: any) => !JSON.stringify(r).includes('istio-ingressgateway')))),
      ),
    );
    expect(
      named('flows/mesh-authorization', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('mesh/ingress-to/ceres/api');
  });

  it('a NetworkPolicy that lets one tenant reach another', () => {
    const f = run(
      broken((ms) => {
        const [a, b] = [
          ...new Set(ms.filter((m) => m.kind === 'Namespace' && m.metadata.labels?.['ceres.io/tenant']).map((m) => m.metadata.name as string)),
        ].sort();
        ms.filter(kind('NetworkPolicy', 'allow-same-namespace-ingress', a)).forEach((np) =>
          np.spec.ingress[0].from.push({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': b } } }),
        );
      }),
    );
    expect(named('flows/tenant-isolation', f).length).toBeGreaterThan(0);
  });

  it("a platform namespace loses a generated allowance: Argo CD's repo server cannot fetch its sources, kyverno's webhook refuses the API server", () => {
    const f = run(
      broken((ms) => {
        ms.filter(kind('NetworkPolicy', 'allow-out-gitops-repo-server-to-sources', 'argocd')).forEach(
          (np) => (np.spec.egress[0].ports = [{ port: 22, protocol: 'TCP' }]),
        );
        ms.filter(kind('NetworkPolicy', 'allow-in-hardening-api-server-to-kyverno', 'kyverno')).forEach(
          (np) => (np.spec.ingress[0].from = [{ ipBlock: { cidr: '192.0.2.0/24' } }]),
        );
      }),
    );
    const messages = named('flows/network-policy', f)
      .map((x) => x.message)
      .join('\n');
    expect(messages).toContain('gitops/repo-server-to-sources');
    expect(messages).toContain('hardening/api-server-to-kyverno');
  });

  it("ceres loses its egress to the cluster's managed databases", () => {
    const f = run(
      broken((ms) =>
        ms
          .filter(kind('NetworkPolicy', 'allow-to-data-endpoints', 'ceres'))
          .forEach((np) => (np.spec.egress[0].to = [{ ipBlock: { cidr: '192.168.0.0/24' } }])),
      ),
    );
    expect(
      named('flows/network-policy', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('workloads/ceres-to-postgres');
  });

  it('a backup location whose bucket Terraform does not create', () => {
    const f = run(
      broken((ms) =>
        ms
          .filter(kind('Application', 'velero'))
          .forEach((a) => (a.spec.source.helm.valuesObject.configuration.backupStorageLocation[0].bucket = 'ceres-backups')),
      ),
    );
    expect(
      named('identity/object-stores', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('ceres-backups');
  });

  it('a ServiceAccount name that differs from the one Terraform binds', () => {
    const f = run(
      broken((ms) => ms.filter(kind('Application', 'velero')).forEach((a) => (a.spec.source.helm.valuesObject.serviceAccount.server.name = 'velero'))),
    );
    expect(
      named('identity/service-accounts', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('velero-server');
  });

  it("an ExternalSecret reading another tenant's secret (its reader identity may read its own prefix only)", () => {
    // A tenant's secret (extracted) or a database's password (one value): either way another tenant's name.
    const f = run(
      broken((ms) =>
        ms.filter(kind('ExternalSecret')).forEach((es) => {
          if (es.spec.dataFrom) es.spec.dataFrom[0].extract.key = 'tenant-someone-else--smtp';
          else es.spec.data[0].remoteRef.key = 'tenant-someone-else--smtp';
        }),
      ),
    );
    expect(
      named('identity/external-secrets', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('tenant-someone-else--smtp');
  });

  it('an ExternalSecret naming a store its cluster does not have', () => {
    const f = run(broken((ms) => ms.filter(kind('ExternalSecret')).forEach((es) => (es.spec.secretStoreRef.name = 'shared-store'))));
    expect(
      named('identity/external-secrets', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('ClusterSecretStore shared-store');
  });

  it("a tenant RoleBinding naming another realm's group (realm, bindings and issuers must agree)", () => {
    const f = run(
      broken((ms) =>
        ms
          .filter((m) => kind('RoleBinding', 'tenant-admin')(m) && m.metadata.namespace.startsWith('tenant-'))
          .forEach((b) => (b.subjects[0].name = 'someone-elses-realm:tenant-admin')),
      ),
    );
    expect(
      named('identity/realms', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('someone-elses-realm:tenant-admin');
  });

  it('Keycloak served at another host than the issuers name, and a realm import for a Keycloak its cluster does not run', () => {
    const moved = run(
      broken((ms) => ms.filter(kind('Keycloak', 'keycloak', 'keycloak')).forEach((k) => (k.spec.hostname.hostname = 'https://login.ceres.io'))),
    );
    const messages = named('identity/keycloak', moved).map((x) => x.message);
    // Argo CD, Grafana, Kiali, the API server and every tenant's JWT rule on the Keycloak cluster trust an issuer nobody serves.
    for (const what of ['Argo CD', 'Grafana', 'Kiali', 'the API server of ceres-prod-aws', 'RequestAuthentication'])
      expect(messages.some((m) => m.startsWith(what) && m.includes('no Keycloak of prod is served at auth.ceres.io'))).toBe(true);
    const orphan = run(broken((ms) => ms.filter(kind('KeycloakRealmImport', 'ceres')).forEach((i) => (i.spec.keycloakCRName = 'other'))));
    const lost = named('identity/keycloak', orphan).map((x) => x.message);
    expect(lost).toContainEqual(expect.stringMatching(/^imports realm ceres into Keycloak keycloak\/other, which ceres-prod-aws does not run/));
    // …so the platform realm is imported nowhere, and everything that trusts it is named.
    expect(lost).toContainEqual(expect.stringMatching(/^Argo CD trusts realm ceres at auth\.ceres\.io, which the Keycloak on ceres-prod-aws does not import/));
  });

  it("a data host the cluster's Terraform does not create", () => {
    const f = run(broken((ms) => ms.filter(kind('ServiceEntry', 'data-postgres')).forEach((se) => (se.spec.hosts = ['postgres.elsewhere.internal']))));
    expect(
      named('identity/endpoints', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('postgres.elsewhere.internal');
  });

  it('a tier whose quota fits too few meshed pods', () => {
    const f = run(broken((ms) => ms.filter(kind('ResourceQuota', 'tenant-quota')).forEach((q) => (q.spec.hard['limits.cpu'] = '4'))));
    expect(
      named('capacity/tenant-pods', f)
        .map((x) => x.message)
        .join('\n'),
    ).toMatch(/fits the quota [0-9] times/);
  });

  it('LoadBalancers the quota allows but node ports it refuses', () => {
    const f = run(broken((ms) => ms.filter(kind('ResourceQuota', 'tenant-quota')).forEach((q) => (q.spec.hard['services.nodeports'] = '0'))));
    const found = named('capacity/tenant-pods', f).map((x) => x.message);
    // Only tiers that allow LoadBalancers are affected.
    expect(found.length).toBeGreaterThan(0);
    for (const m of found) expect(m).toContain('node ports');
  });

  it('a Kubernetes version the cloud no longer supports', () => {
    const old = JSON.parse(JSON.stringify(platform));
    for (const e of old.environments) for (const c of e.clusters) c.kubernetesVersion = '1.30';
    // The version check alone: the platform description is all that changed, and it reads nothing else.
    const report = verifySynthesis(synthesis(), { asOf: AS_OF, platform: old, checks: verifyChecks().filter((c) => c.name === 'versions/kubernetes') });
    expect(report.checks).toEqual(['versions/kubernetes']);

    // Every cluster: 1.30 is in no cloud's support table (and below the pinned Istio's range where the mesh runs).
    for (const c of platform.environments.flatMap((e) => e.clusters)) {
      expect(
        errors(report.findings)
          .filter((x) => x.check === 'versions/kubernetes')
          .filter((x) => x.cluster === c.name)
          .map((x) => x.message)
          .join('\n'),
      ).toContain('Kubernetes 1.30 is not in the support table');
    }
  });

  it('an Application whose destination namespace nothing creates', () => {
    const f = run(broken((ms) => ms.filter(kind('Application', 'velero')).forEach((a) => (a.spec.destination.namespace = 'backups-system'))));
    expect(
      f((check) => check.startsWith('argocd/'))
        .map((x) => x.message)
        .join('\n'),
    ).toContain('backups-system');
  });
});

describe('npm run verify guards the convergence fixes of issue 9', () => {
  it('tenants receive gateway traffic only through their ALLOW policy (4: allow-nothing alone refuses everything)', () => {
    const f = run(
      broken((ms) =>
        ms
          .filter(kind('AuthorizationPolicy', 'allow-gateway-and-namespace'))
          .forEach((p) => (p.spec.rules = [{ from: [{ source: { namespaces: ['nobody'] } }] }])),
      ),
    );
    expect(
      named('flows/mesh-authorization', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('mesh/ingress-to-tenant/');
  });

  it('tenant namespaces reach the Istio control plane (4)', () => {
    const f = run(
      broken((ms) => ms.filter(kind('NetworkPolicy', 'allow-to-istiod')).forEach((np) => (np.spec.egress[0].ports = [{ port: 15010, protocol: 'TCP' }]))),
    );
    expect(
      named('flows/network-policy', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('mesh/sidecars-to-istiod/tenant-');
  });
});

describe('npm run verify: certificates can be issued', () => {
  it('port 80 redirecting to HTTPS (the HTTP-01 challenge would be redirected)', () => {
    const f = run(
      broken((ms) =>
        ms
          .filter(kind('Gateway', 'ceres-ingress'))
          .forEach((g) => g.spec.servers.filter((s: any) => s.port.number === 80).forEach((s: any) => (s.tls = { httpsRedirect: true }))),
      ),
    );
    expect(
      named('certificates/issuable', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('istio/istio#33593');
  });

  it("no IngressClass for the solver's Ingress", () => {
    const f = run(broken((ms) => ms.filter(kind('IngressClass', 'istio')).forEach((c) => (c.spec.controller = 'example.com/other'))));
    expect(
      named('certificates/issuable', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('no controller serves the challenge');
  });

  it('a public route answering on port 80 (it would shadow the challenge path)', () => {
    const f = run(
      broken((ms) =>
        ms.filter(kind('VirtualService')).forEach((vs) => (vs.spec.http ?? []).forEach((r: any) => (r.match ?? []).forEach((m: any) => delete m.port))),
      ),
    );
    expect(
      named('certificates/issuable', f)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('shadowing the HTTP-01 challenge');
  });

  // Traffic failover (traffic/failover-records): the DNS records point at ingresses that exist.
  const editStack = (files: Map<string, string>, stack: string, edit: (json: any) => void) => {
    const path = `terraform/${stack}/cdk.tf.json`;
    const json = JSON.parse(files.get(path)!);
    edit(json);
    files.set(path, JSON.stringify(json));
  };
  const failoverRecords = (json: any) => Object.values<any>(json.resource.aws_route53_record).filter((r) => r.failover_routing_policy);
  const failoverMessages = (f: Run) =>
    named('traffic/failover-records', f)
      .map((x) => `${x.cluster}: ${x.message}`)
      .join('\n');

  it("the secondary's gateway Service without the stack's public IP (its load balancer would get another address)", () => {
    const f = run(
      broken((ms) =>
        ms
          .filter(kind('Application', 'istio-ingressgateway'))
          .filter((a) => a.spec.source.helm.valuesObject.service.annotations?.['service.beta.kubernetes.io/azure-pip-name'])
          .forEach((a) => delete a.spec.source.helm.valuesObject.service.annotations['service.beta.kubernetes.io/azure-pip-name']),
      ),
    );
    expect(failoverMessages(f)).toMatch(
      /^ceres-prod-azure: record \*\.ceres\.io \(SECONDARY\) points at public IP ceres-prod-azure-ingress .* no LoadBalancer gateway Service/m,
    );
  });

  it("the primary's gateway left on a Classic ELB (the stack's lookup of the NLB finds nothing)", () => {
    const f = run(
      broken((ms) =>
        ms
          .filter(kind('Application', 'istio-ingressgateway'))
          .filter((a) => a.spec.source.helm.valuesObject.service.annotations?.['service.beta.kubernetes.io/aws-load-balancer-type'])
          .forEach((a) => delete a.spec.source.helm.valuesObject.service.annotations['service.beta.kubernetes.io/aws-load-balancer-type']),
      ),
    );
    expect(failoverMessages(f)).toContain(
      'ceres-prod-aws: record *.ceres.io (PRIMARY) looks for the Network Load Balancer of Service istio-ingress/istio-ingressgateway',
    );
  });

  it('failover roles swapped: the secondary cloud would take the traffic', () => {
    const f = run(
      broken((_, files) =>
        editStack(files, 'prod-aws', (json) =>
          failoverRecords(json).forEach((r) => (r.failover_routing_policy.type = r.failover_routing_policy.type === 'PRIMARY' ? 'SECONDARY' : 'PRIMARY')),
        ),
      ),
    );
    expect(failoverMessages(f)).toContain("the PRIMARY record of *.ceres.io targets ceres-prod-azure, not the environment's primary cluster ceres-prod-aws");
  });

  it('a health check on a port the gateway does not expose, and a failover record without its health check', () => {
    const f = run(
      broken((_, files) =>
        editStack(files, 'prod-aws', (json) => {
          for (const check of Object.values<any>(json.resource.aws_route53_health_check)) check.port = 15020;
          delete failoverRecords(json).find((r) => r.failover_routing_policy.type === 'SECONDARY').health_check_id;
        }),
      ),
    );
    const messages = failoverMessages(f);
    expect(messages).toMatch(/^ceres-prod-aws: health check .* probes port 15020, which the gateway Service on ceres-prod-aws does not expose/m);
    expect(messages).toContain('failover record *.ceres.io (SECONDARY) has no health check');
  });

  it("the secondary's DNS-01 solver without its token grant, and a role trusting another ServiceAccount", () => {
    const f = run(
      broken((ms, files) => {
        const bindings = ms.filter((m) => m.kind === 'RoleBinding' && m.metadata.name === 'cert-manager-ceres-dns01-tokenrequest');
        expect(bindings.length).toBeGreaterThan(0);
        bindings.forEach((b) => (b.subjects = [{ kind: 'ServiceAccount', name: 'default', namespace: 'cert-manager' }]));
        editStack(files, 'prod-aws', (json) => {
          for (const role of Object.values<any>(json.resource.aws_iam_role).filter((r) => r.name.includes('dns01')))
            role.assume_role_policy = role.assume_role_policy.replace('cert-manager:ceres-dns01', 'cert-manager:someone-else');
        });
      }),
    );
    const messages = failoverMessages(f);
    expect(messages).toMatch(
      /^ceres-prod-azure: .*no Role bound to cert-manager's controller \(cert-manager\/cert-manager\) lets it create tokens of ServiceAccount ceres-dns01/m,
    );
    expect(messages).toMatch(
      /^ceres-prod-azure: role ceres-prod-aws-dns01-ceres-prod-azure of terraform\/prod-aws\/cdk\.tf\.json does not admit ServiceAccount cert-manager\/ceres-dns01/m,
    );
  });

  it('a public host outside the environment’s zone (nothing answers for it)', () => {
    const f = run(
      broken((ms) =>
        ms
          .filter(kind('Gateway', 'ceres-ingress'))
          .forEach((g) => g.spec.servers.push({ ...g.spec.servers[0], name: 'https-other', hosts: ['ceres/api.example.org'] })),
      ),
    );
    expect(failoverMessages(f)).toContain('public host api.example.org lies in no public zone of the prod AWS stack (ceres.io)');
  });

  it("a cluster's consoles without their own record (the failover wildcard sends their users to the primary, which does not serve them)", () => {
    const f = run(
      broken((_ms, files) =>
        editStack(files, 'prod-aws', (json) => {
          const records = json.resource.aws_route53_record;
          for (const [id, r] of Object.entries<any>(records)) if (String(r.name).startsWith('*.ceres-prod-azure.')) delete records[id];
        }),
      ),
    );
    expect(failoverMessages(f)).toMatch(
      /^ceres-prod-azure: public host argocd\.ceres-prod-azure\.ceres\.io is served on ceres-prod-azure, but record \*\.ceres\.io \(PRIMARY\) sends its clients to ceres-prod-aws, whose ingress gateway does not serve it: they get 404$/m,
    );
  });

  it("Argo CD's console route bound to a Gateway that does not serve its host (a sign-in would never come back)", () => {
    const f = run(
      broken((ms) => ms.filter(kind('VirtualService', 'console-argocd', 'argocd')).forEach((r) => (r.spec.gateways = ['istio-ingress/ceres-ingress']))),
    );
    const messages = named('identity/keycloak', f).map((x) => `${x.cluster}: ${x.message}`);
    expect(messages).toContain(
      'ceres-prod-aws: Argo CD sends sign-ins back to https://argocd.ceres-prod-aws.ceres.io/auth/callback, but no ingress Gateway HTTPS server and VirtualService of namespace argocd route argocd.ceres-prod-aws.ceres.io on ceres-prod-aws: the browser never gets back',
    );
  });
});
