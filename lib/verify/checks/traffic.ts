import { KubeManifest } from '../../core/checks';
import { primaryCluster } from '../../core/topology';
import { oidcIssuerVariable } from '../../core/database-topology';
import { answeringRecordName, DNS01_SOLVER, FailoverOutputs, ingressAddressVariable, recordCovers } from '../../core/traffic-failover';
import { allObjects } from '../state';
import { ClusterState, describeManifest, Finding, HelmRelease, StateObject, VerifyCheck, VerifyContext } from '../types';
import { references, stackFor, TfResource, TfStack } from './identity';

/**
 * `traffic/failover-records`: the public hosts fail over to an ingress that exists. Checked once per
 * environment (on its primary cluster's state):
 * - every public host (a server host of an Istio Gateway, a host of a VirtualService bound to one) lies in
 *   a public zone of the environment's AWS stack and is answered by a record of it (exact or wildcard);
 * - a failover record set has exactly one PRIMARY and one SECONDARY, the PRIMARY on the environment's
 *   primary cluster, each with a health check;
 * - each record's target is an ingress gateway Service rendered on a cluster of the environment, of the
 *   record's cloud: on AWS the Network Load Balancer the cloud provider tags with the Service and the
 *   cluster (the stack's `aws_lbs` lookup), on Azure the static public IP its stack creates and outputs as
 *   `ingress_address`, which the Service names (`azure-pip-name`, `azure-load-balancer-resource-group`);
 * - the health check probes that same address, on a port the Service exposes and whose path the gateway
 *   pods answer (the readiness probe of istiod's `gateway` injection template, where istiod is rendered),
 *   and a declared flow admits the internet to the gateway pods on that port.
 */
export const CHECK = 'traffic/failover-records';

/** A public host and where it is declared. */
interface PublicHost {
  readonly host: string;
  readonly state: ClusterState;
  readonly object: StateObject;
}

/** What a record points at. */
type Target =
  | { readonly cloud: 'aws'; readonly cluster: string; readonly service: string; readonly lb: string }
  | { readonly cloud: 'azure'; readonly cluster: string; readonly variable: string; readonly publicIp?: TfResource; readonly resourceGroup?: string };

const literal = (v: unknown): string | undefined => (typeof v === 'string' && !v.includes('${') ? v : undefined);
const isIstio = (m: KubeManifest, kind: string) => m.kind === kind && m.apiVersion.startsWith('networking.istio.io/');
const stripNamespace = (h: string) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h);

/**
 * Hosts the public gateways of a cluster serve: the servers' hosts of Gateways selecting the pods of a
 * gateway release behind a LoadBalancer Service (not the egress gateway's, whose hosts are other
 * people's), and the hosts of VirtualServices bound to such a Gateway.
 */
export function publicHostsOf(state: ClusterState): PublicHost[] {
  const out: PublicHost[] = [];
  const publicPods = state.releases
    .filter((r) => r.chart === 'gateway' && (r.values as { service?: { type?: string } }).service?.type === 'LoadBalancer')
    .map((r): Record<string, string> => ({ ...((r.values as { labels?: Record<string, string> }).labels ?? {}), app: r.releaseName }));
  const objects = allObjects(state);
  const gateways = objects.filter((o) => {
    if (!isIstio(o.manifest, 'Gateway')) return false;
    const selector: Record<string, string> = o.manifest.spec?.selector ?? {};
    return Object.keys(selector).length > 0 && publicPods.some((labels) => Object.entries(selector).every(([k, v]) => labels[k] === v));
  });
  const refs = new Set(gateways.map((g) => `${g.manifest.metadata.namespace}/${g.manifest.metadata.name}`));
  for (const g of gateways)
    for (const s of g.manifest.spec?.servers ?? []) for (const h of s.hosts ?? []) out.push({ host: stripNamespace(h), state, object: g });
  for (const o of objects) {
    const m = o.manifest;
    if (!isIstio(m, 'VirtualService')) continue;
    const bound = (m.spec?.gateways ?? []).some((g: string) => refs.has(g.includes('/') ? g : `${m.metadata.namespace}/${g}`));
    if (bound) for (const h of m.spec?.hosts ?? []) out.push({ host: h, state, object: o });
  }
  return out.filter((h) => h.host !== '*' && !h.host.startsWith('*.') && h.host.includes('.') && !h.host.endsWith('.svc.cluster.local'));
}

/** The ingress gateway Service of a cluster: rendered by its chart, else as its values describe it. */
interface GatewayService {
  readonly namespace: string;
  readonly name: string;
  readonly type?: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly ports: readonly { readonly port?: number; readonly targetPort?: number | string }[];
  readonly file: string;
  readonly rendered: boolean;
}

function gatewayServices(state: ClusterState): GatewayService[] {
  const out: GatewayService[] = [];
  for (const r of state.releases.filter((x) => x.chart === 'gateway')) {
    if (r.rendered) {
      for (const o of r.rendered.filter((x) => x.manifest.kind === 'Service')) {
        const m = o.manifest;
        out.push({
          namespace: m.metadata.namespace ?? r.namespace,
          name: m.metadata.name ?? '',
          type: m.spec?.type,
          annotations: m.metadata.annotations ?? {},
          ports: m.spec?.ports ?? [],
          file: o.file,
          rendered: true,
        });
      }
    } else {
      // The chart names its Service after the release (templates/_helpers.tpl `gateway.name`).
      const service = (r.values as { service?: { type?: string; annotations?: Record<string, string>; ports?: GatewayService['ports'] } }).service ?? {};
      out.push({
        namespace: r.namespace,
        name: r.releaseName,
        type: service.type,
        annotations: service.annotations ?? {},
        ports: service.ports ?? [],
        file: r.file,
        rendered: false,
      });
    }
  }
  return out;
}

/** The path and port of the readiness probe istiod injects into gateway pods, from the rendered injector ConfigMap. */
export function gatewayReadiness(istiod: HelmRelease | undefined): { path: string; port: number } | undefined {
  const cm = istiod?.rendered?.find((o) => o.manifest.kind === 'ConfigMap' && o.manifest.metadata.name === 'istio-sidecar-injector')?.manifest;
  const config: unknown = cm?.data?.config;
  if (typeof config !== 'string') return undefined;
  const start = /^( *)gateway: \|\s*$/m.exec(config);
  if (!start) return undefined;
  const rest = config.slice(start.index + start[0].length);
  const end = new RegExp(`^${start[1]}[A-Za-z0-9-]+: \\|`, 'm').exec(rest);
  const template = end ? rest.slice(0, end.index) : rest;
  const probe = /readinessProbe:\s*\n\s*httpGet:\s*\n\s*path: (\S+)\s*\n\s*port: (\d+)/.exec(template);
  return probe ? { path: probe[1], port: Number(probe[2]) } : undefined;
}

function variablesOf(ctx: VerifyContext, stack: TfStack): Record<string, unknown> {
  return ((ctx.terraform.get(stack.file) as { variable?: Record<string, unknown> } | undefined)?.variable ?? {}) as Record<string, unknown>;
}

/** Addresses named anywhere in a Terraform expression (`${tolist(data.aws_lbs.x.arns)[0]}` → `data.aws_lbs.x`). */
function addressesIn(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  const out: string[] = [];
  for (const span of value.matchAll(/\$\{([^}]*)\}/g)) {
    for (const m of span[1].matchAll(/(?<![\w.])((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+)/g)) out.push(m[1]);
  }
  return out;
}

const refTo = (stack: TfStack, value: unknown, type: string): TfResource | undefined =>
  addressesIn(value)
    .map((a) => stack.byAddress.get(a))
    .find((r) => r?.type === type);

/** What a Route 53 record points at, as far as the stacks say. */
function targetOf(record: TfResource, aws: TfStack, ctx: VerifyContext, env: string): Target | string {
  const alias = [record.body.alias].flat()[0];
  if (alias) {
    const lb = refTo(aws, alias.name, 'data.aws_lb');
    const lbs = lb && refTo(aws, lb.body.arn, 'data.aws_lbs');
    const tags: Record<string, string> = lbs?.body.tags ?? {};
    const service = tags['kubernetes.io/service-name'];
    const clusterKey = Object.keys(tags).find((k) => k.startsWith('kubernetes.io/cluster/') && tags[k] === 'owned');
    if (!lb || !service || !clusterKey) return `its alias ${alias.name} is not a load balancer found by the tags of a Service and a cluster (data.aws_lbs)`;
    return { cloud: 'aws', cluster: clusterKey.slice('kubernetes.io/cluster/'.length), service, lb: lb.address };
  }
  const records: unknown[] = record.body.records ?? [];
  const variable = records.length === 1 && typeof records[0] === 'string' ? /^\$\{var\.([A-Za-z0-9_-]+)\}$/.exec(records[0])?.[1] : undefined;
  if (!variable || !(variable in variablesOf(ctx, aws))) return `its value ${JSON.stringify(records)} is not an ingress address variable of the stack`;
  const cluster = ctx.clusters.find((c) => c.environment.name === env && ingressAddressVariable(c.cluster) === variable)?.cluster;
  if (!cluster) return `variable ${variable} names no cluster of the environment`;
  if (cluster.cloud !== 'azure')
    return `variable ${variable} is the address of ${cluster.name}, a ${cluster.cloud} cluster: only Azure ingress addresses are given to the AWS stack`;
  const stack = stackFor(ctx, env, 'azure');
  const output = stack?.outputs?.[FailoverOutputs.ingressAddress];
  const publicIp = stack && output ? refTo(stack, output.value, 'azurerm_public_ip') : undefined;
  const group = publicIp && stack ? refTo(stack, publicIp.body.resource_group_name, 'azurerm_resource_group') : undefined;
  return {
    cloud: 'azure',
    cluster: cluster.name,
    variable,
    publicIp,
    resourceGroup: literal(publicIp?.body.resource_group_name) ?? literal(group?.body.name),
  };
}

export function failoverRecordFindings(state: ClusterState, ctx: VerifyContext): Finding[] {
  const env = state.environment;
  const out: Finding[] = [];
  const peers = ctx.clusters.filter((c) => c.environment.name === env.name);
  const hosts = peers.flatMap(publicHostsOf);
  const primary = primaryCluster(env);
  const aws = stackFor(ctx, env.name, 'aws');
  // A finding belongs to the cluster it concerns: a host to the cluster serving it, a record's target to
  // the target cluster, the record set itself to the primary cluster; each cluster reports its own.
  const finding = (
    message: string,
    fix: string,
    where?: { state?: ClusterState; cluster?: string; object?: StateObject; file?: string; object_?: string },
  ): Finding => ({
    check: CHECK,
    environment: env.name,
    cluster: where?.state?.cluster.name ?? where?.cluster ?? primary.name,
    file: where?.object?.file ?? where?.file,
    object: where?.object ? describeManifest(where.object.manifest) : where?.object_,
    message,
    fix,
  });
  const FIX_MODEL = 'the records come from trafficFailover() (lib/core/traffic-failover.ts) and lib/infra/aws/public-dns.ts';

  const zones = (aws?.resources ?? []).filter((r) => r.type === 'aws_route53_zone' && !r.body.vpc);
  const publicRecords = (aws?.resources ?? []).filter(
    (r) => r.type === 'aws_route53_record' && zones.some((z) => references(r.body.zone_id).includes(z.address)),
  );
  const zoneName = (z: TfResource) => literal(z.body.name) ?? '';

  // Every public host is answered.
  const seen = new Set<string>();
  for (const h of publicHostsOf(state)) {
    if (seen.has(h.host)) continue;
    seen.add(h.host);
    const zone = zones.find((z) => h.host === zoneName(z) || h.host.endsWith(`.${zoneName(z)}`));
    if (!zone) {
      out.push(
        finding(
          `public host ${h.host} lies in no public zone of the ${env.name} AWS stack (${zones.map(zoneName).join(', ') || 'none'}): nothing answers for it, nothing fails it over`,
          `serve hosts under the environment's baseDomain (${env.baseDomain}), or give the environment an AWS primary with an ingress (${FIX_MODEL})`,
          { state: h.state, object: h.object },
        ),
      );
      continue;
    }
    const covering = publicRecords.filter((r) => references(r.body.zone_id).includes(zone.address) && recordCovers(String(r.body.name), h.host));
    if (!covering.length) {
      out.push(
        finding(`public host ${h.host} has no record in zone ${zoneName(zone)}`, `add a record for it (${FIX_MODEL})`, { state: h.state, object: h.object }),
      );
      continue;
    }
    // The record that answers (the nearest wildcard or the exact name) sends every client to a
    // cluster whose gateway serves the host: else they get the gateway's 404.
    const answering = answeringRecordName(
      covering.map((r) => String(r.body.name)),
      h.host,
    );
    for (const record of covering.filter((r) => String(r.body.name) === answering)) {
      const target = targetOf(record, aws!, ctx, env.name);
      if (typeof target === 'string') continue; // reported with the record set below
      const targetState = peers.find((p) => p.cluster.name === target.cluster);
      if (!targetState || publicHostsOf(targetState).some((x) => x.host === h.host)) continue;
      const role = [record.body.failover_routing_policy].flat()[0]?.type as string | undefined;
      out.push(
        finding(
          `public host ${h.host} is served on ${state.cluster.name}, but record ${answering}${role ? ` (${role})` : ''} sends its clients to ${target.cluster}, whose ingress gateway does not serve it: they get 404${role === 'SECONDARY' ? ' after a failover' : ''}`,
          `serve the host on every cluster its record targets (a folder every such cluster syncs), or give it a record of its own cluster (consoleRecordName, ${FIX_MODEL})`,
          { state: h.state, object: h.object },
        ),
      );
    }
  }

  // Every record set that answers a public host targets a live ingress.
  const relevant = publicRecords.filter((r) => hosts.some((h) => recordCovers(String(r.body.name), h.host)));
  const sets = new Map<string, TfResource[]>();
  for (const r of relevant) sets.set(String(r.body.name), [...(sets.get(String(r.body.name)) ?? []), r]);
  for (const [name, records] of [...sets].sort(([a], [b]) => a.localeCompare(b))) {
    const at = (r: TfResource, cluster?: string) => ({ file: aws!.file, object_: r.address, cluster });
    const roles = records.map((r) => [r.body.failover_routing_policy].flat()[0]?.type as string | undefined);
    if (roles.some((x) => x)) {
      if (roles.filter((x) => x === 'PRIMARY').length !== 1 || roles.filter((x) => x === 'SECONDARY').length !== 1 || roles.length !== 2)
        out.push(
          finding(
            `record set ${name} has failover roles ${JSON.stringify(roles)}: Route 53 needs exactly one PRIMARY and one SECONDARY`,
            FIX_MODEL,
            at(records[0]),
          ),
        );
    } else if (records.length > 1) out.push(finding(`record set ${name} has ${records.length} records without a routing policy`, FIX_MODEL, at(records[0])));
    for (const [i, record] of records.entries()) {
      const role = roles[i];
      const target = targetOf(record, aws!, ctx, env.name);
      if (typeof target === 'string') {
        out.push(finding(`record ${name} (${role ?? 'simple'}): ${target}`, FIX_MODEL, at(record)));
        continue;
      }
      if (role === 'PRIMARY' && target.cluster !== primary.name)
        out.push(
          finding(
            `the PRIMARY record of ${name} targets ${target.cluster}, not the environment's primary cluster ${primary.name}`,
            'the primary cloud takes the traffic while it is healthy',
            at(record),
          ),
        );
      const targetState = peers.find((p) => p.cluster.name === target.cluster);
      if (!targetState || targetState.cluster.cloud !== target.cloud) {
        out.push(
          finding(`record ${name} (${role ?? 'simple'}) targets ${target.cluster}, which is no ${target.cloud} cluster of ${env.name}`, FIX_MODEL, at(record)),
        );
        continue;
      }
      const services = gatewayServices(targetState);
      let service: GatewayService | undefined;
      if (target.cloud === 'aws') {
        service = services.find((s) => `${s.namespace}/${s.name}` === target.service);
        if (!service || service.type !== 'LoadBalancer' || service.annotations['service.beta.kubernetes.io/aws-load-balancer-type'] !== 'nlb') {
          out.push(
            finding(
              `record ${name} (${role ?? 'simple'}) looks for the Network Load Balancer of Service ${target.service} on ${target.cluster}, but no gateway Service there is a LoadBalancer of that name annotated aws-load-balancer-type: nlb: the lookup finds nothing (or a Classic ELB it cannot see) and the record is never created`,
              'set the annotations of ingressServiceAnnotations() (lib/core/traffic-failover.ts) on the ingress gateway chart values (lib/mesh/istio-values.ts)',
              at(record, target.cluster),
            ),
          );
          continue;
        }
      } else {
        if (!target.publicIp) {
          out.push(
            finding(
              `record ${name} (${role ?? 'simple'}) reads variable ${target.variable}, but ${target.cluster}'s stack outputs no ingress_address of a public IP it creates`,
              'create the address in the Azure stack (lib/infra/azure/ingress-address.ts)',
              at(record, target.cluster),
            ),
          );
          continue;
        }
        const pipName = literal(target.publicIp.body.name);
        service = services.find(
          (s) =>
            s.type === 'LoadBalancer' &&
            s.annotations['service.beta.kubernetes.io/azure-pip-name'] === pipName &&
            s.annotations['service.beta.kubernetes.io/azure-load-balancer-resource-group'] === target.resourceGroup,
        );
        if (!service) {
          out.push(
            finding(
              `record ${name} (${role ?? 'simple'}) points at public IP ${pipName} (resource group ${target.resourceGroup}), but no LoadBalancer gateway Service on ${target.cluster} names it (azure-pip-name, azure-load-balancer-resource-group): the load balancer would get another address`,
              'set the annotations of ingressServiceAnnotations() (lib/core/traffic-failover.ts) on the ingress gateway chart values',
              at(record, target.cluster),
            ),
          );
          continue;
        }
      }
      // A secondary's certificates: an HTTP-01 challenge is answered where the name resolves, the primary;
      // its DNS-01 solver must hold a role of the zone's stack that trusts its cluster and may write the zone.
      if (role === 'SECONDARY') {
        for (const problem of dns01Problems(targetState, aws!, (host) => recordCovers(name, host)))
          out.push(finding(problem, 'see DNS01_SOLVER and dnsChallengeSolvers() in lib/core/traffic-failover.ts', at(record, target.cluster)));
        const http01Only = http01OnlyCertificates(targetState, (host) => recordCovers(name, host));
        if (http01Only.length)
          out.push({
            ...finding(
              `${target.cluster} takes ${name} only after a failover, but its certificates ${http01Only.join(', ')} are issued by HTTP-01 challenges, which the CA validates through the name's current answer, the primary: they cannot be issued or renewed while the primary is healthy, so the failover would serve no valid certificate`,
              'issue the secondary’s certificates with a DNS-01 solver on the zone (Route 53, a federated identity for the secondary’s cert-manager): docs/disaster-recovery.md, "Known gaps"',
              at(record, target.cluster),
            ),
            severity: 'warning',
          });
      }
      // The health check probes this target, on what the gateway serves.
      const health = refTo(aws!, record.body.health_check_id, 'aws_route53_health_check');
      if (!health) {
        if (role) out.push(finding(`failover record ${name} (${role}) has no health check: Route 53 would never fail it over`, FIX_MODEL, at(record)));
        continue;
      }
      const h = health.body;
      const probesTarget = target.cloud === 'aws' ? addressesIn(h.fqdn).includes(target.lb) : h.ip_address === `\${var.${target.variable}}`;
      if (!probesTarget)
        out.push(finding(`health check ${health.address} of ${name} (${role ?? 'simple'}) does not probe the record's own target`, FIX_MODEL, at(record)));
      const port = Number(h.port);
      if (!service.ports.some((p) => p.port === port))
        out.push(
          finding(
            `health check ${health.address} probes port ${port}, which the gateway Service on ${target.cluster} does not expose (${service.ports.map((p) => p.port).join(', ')})`,
            'probe the status port the Service exposes (INGRESS_HEALTH_CHECK, lib/core/traffic-failover.ts)',
            at(record, target.cluster),
          ),
        );
      if (h.type === 'HTTP' || h.type === 'HTTPS') {
        const readiness = gatewayReadiness(targetState.releases.find((r) => r.chart === 'istiod'));
        const servicePort = service.ports.find((p) => p.port === port);
        if (readiness && (readiness.port !== Number(servicePort?.targetPort ?? port) || readiness.path !== h.resource_path))
          out.push(
            finding(
              `health check ${health.address} asks ${h.type} ${h.resource_path} on port ${port}, but the gateway pods on ${target.cluster} answer readiness on ${readiness.path} port ${readiness.port} (istiod's gateway injection template)`,
              'align INGRESS_HEALTH_CHECK (lib/core/traffic-failover.ts) with the gateway pods',
              at(record, target.cluster),
            ),
          );
      }
      const admitted = targetState.flows.some(
        (f) =>
          'external' in f.from &&
          'pods' in f.to &&
          f.to.pods.namespace === service!.namespace &&
          (f.to.ports ?? []).some((p) => p.port === Number(servicePort(service!, port))),
      );
      if (!admitted)
        out.push(
          finding(
            `no declared flow admits the internet to the gateway pods on ${target.cluster} on port ${port}: the health checkers would be refused`,
            'declare it (mesh/clients-to-ingress-gateway, lib/mesh/flows.ts)',
            at(record, target.cluster),
          ),
        );
    }
  }
  return out.filter((f) => f.cluster === state.cluster.name);
}

/** The issuers (`Kind/name`) of the Certificates for covered hosts, with their manifests. */
function coveredIssuers(state: ClusterState, covered: (host: string) => boolean): Map<string, KubeManifest | undefined> {
  const objects = allObjects(state);
  const out = new Map<string, KubeManifest | undefined>();
  for (const o of objects) {
    const m = o.manifest;
    if (m.kind !== 'Certificate' || !m.apiVersion.startsWith('cert-manager.io/')) continue;
    if (!(m.spec?.dnsNames ?? []).some(covered)) continue;
    const kind = m.spec?.issuerRef?.kind ?? 'Issuer';
    const issuer = objects.find((x) => x.manifest.kind === kind && x.manifest.metadata.name === m.spec?.issuerRef?.name)?.manifest;
    out.set(`${kind}/${m.spec?.issuerRef?.name}`, issuer);
  }
  return out;
}

/**
 * What stops the Route 53 DNS-01 solvers of the covered hosts' issuers on a cluster (cert-manager's
 * `auth.kubernetes.serviceAccountRef`): the ServiceAccount in cert-manager's namespace, a Role bound
 * to cert-manager's controller that lets it request that ServiceAccount's tokens, and in the zone's
 * AWS stack the role of the ARN, trusting this cluster's issuer for that ServiceAccount and audience
 * `sts.amazonaws.com`, with a policy that may change records of a zone of the stack.
 */
export function dns01Problems(state: ClusterState, aws: TfStack, covered: (host: string) => boolean): string[] {
  const problems: string[] = [];
  const objects = allObjects(state).map((o) => o.manifest);
  for (const [ref, issuer] of coveredIssuers(state, covered)) {
    for (const solver of issuer?.spec?.acme?.solvers ?? []) {
      const r53 = solver?.dns01?.route53;
      if (!r53) continue;
      const sa: string | undefined = r53.auth?.kubernetes?.serviceAccountRef?.name;
      const roleArn: string | undefined = r53.role;
      if (!sa || !roleArn) {
        problems.push(
          `${ref} solves DNS-01 through Route 53 without a role and a ServiceAccount token (auth.kubernetes.serviceAccountRef): the controller has no credentials for another cloud's zone`,
        );
        continue;
      }
      const ns = DNS01_SOLVER.namespace;
      if (!objects.some((m) => m.kind === 'ServiceAccount' && m.metadata.namespace === ns && m.metadata.name === sa))
        problems.push(`${ref} exchanges a token of ServiceAccount ${ns}/${sa}, which ${state.cluster.name} does not have`);
      const grants = objects
        .filter((m) => m.kind === 'Role' && m.metadata.namespace === ns)
        .filter((role) =>
          (role.rules ?? []).some(
            (rule: any) =>
              (rule.apiGroups ?? []).includes('') &&
              (rule.resources ?? []).includes('serviceaccounts/token') &&
              (rule.verbs ?? []).some((v: string) => v === 'create' || v === '*') &&
              (!rule.resourceNames || rule.resourceNames.includes(sa)),
          ),
        )
        .some((role) =>
          objects.some(
            (b) =>
              b.kind === 'RoleBinding' &&
              b.metadata.namespace === ns &&
              b.roleRef?.kind === 'Role' &&
              b.roleRef?.name === role.metadata.name &&
              (b.subjects ?? []).some(
                (x: any) => x.kind === 'ServiceAccount' && x.name === DNS01_SOLVER.controllerServiceAccount && (x.namespace ?? ns) === ns,
              ),
          ),
        );
      // With the charts rendered: the controller really runs as the ServiceAccount the binding names.
      const controller = objects.find(
        (m) => m.kind === 'Deployment' && m.metadata.namespace === ns && m.spec?.template?.metadata?.labels?.['app.kubernetes.io/component'] === 'controller',
      );
      const runsAs: string | undefined = controller?.spec?.template?.spec?.serviceAccountName;
      if (runsAs && runsAs !== DNS01_SOLVER.controllerServiceAccount)
        problems.push(
          `${ref}: cert-manager's controller runs as ServiceAccount ${ns}/${runsAs} (the rendered chart), but the token grant is bound to ${DNS01_SOLVER.controllerServiceAccount}: the TokenRequest is refused`,
        );
      if (!grants)
        problems.push(
          `${ref}: no Role bound to cert-manager's controller (${ns}/${DNS01_SOLVER.controllerServiceAccount}) lets it create tokens of ServiceAccount ${sa} (serviceaccounts/token): the TokenRequest is refused`,
        );
      const roleName = roleArn.replace(/^arn:aws:iam::\d+:role\//, '');
      const role = aws.resources.find((x) => x.type === 'aws_iam_role' && x.body.name === roleName);
      if (!role) {
        problems.push(`${ref} assumes role ${roleArn}, which ${aws.file} does not create`);
        continue;
      }
      const trust = JSON.stringify(role.body.assume_role_policy ?? '');
      const provider = references(role.body.assume_role_policy)
        .map((a) => aws.byAddress.get(a))
        .find((x) => x?.type === 'aws_iam_openid_connect_provider');
      const issuerVariable = oidcIssuerVariable(state.cluster);
      if (!provider || !String(provider.body.url ?? '').includes(`var.${issuerVariable}`))
        problems.push(
          `role ${roleName} of ${aws.file} does not trust ${state.cluster.name}'s service-account issuer (an OIDC provider of variable ${issuerVariable})`,
        );
      if (!trust.includes(`system:serviceaccount:${ns}:${sa}`) || !trust.includes(DNS01_SOLVER.audience))
        problems.push(
          `role ${roleName} of ${aws.file} does not admit ServiceAccount ${ns}/${sa} with audience ${DNS01_SOLVER.audience}: cert-manager's token is refused`,
        );
      const writesZone = aws.resources
        .filter((x) => x.type === 'aws_iam_role_policy' && references(x.body.role).includes(role.address))
        .some((policy) => {
          const text = String(policy.body.policy ?? '');
          return text.includes('route53:ChangeResourceRecordSets') && references(text).some((a) => aws.byAddress.get(a)?.type === 'aws_route53_zone');
        });
      if (!writesZone)
        problems.push(
          `role ${roleName} of ${aws.file} may not change records of a zone of the stack (route53:ChangeResourceRecordSets): no challenge can be presented`,
        );
    }
  }
  return problems;
}

/** `namespace/name` of the Certificates for covered hosts whose ClusterIssuer solves only HTTP-01 challenges. */
function http01OnlyCertificates(state: ClusterState, covered: (host: string) => boolean): string[] {
  const objects = allObjects(state);
  const out: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    if (m.kind !== 'Certificate' || !m.apiVersion.startsWith('cert-manager.io/')) continue;
    if (!(m.spec?.dnsNames ?? []).some(covered)) continue;
    const issuer = objects.find(
      (x) => x.manifest.kind === (m.spec?.issuerRef?.kind ?? 'Issuer') && x.manifest.metadata.name === m.spec?.issuerRef?.name,
    )?.manifest;
    const solvers: { http01?: unknown; dns01?: unknown }[] = issuer?.spec?.acme?.solvers ?? [];
    if (solvers.length && solvers.every((x) => x.http01 && !x.dns01)) out.push(`${m.metadata.namespace}/${m.metadata.name}`);
  }
  return out.sort();
}

function servicePort(service: GatewayService, port: number): number {
  const p = service.ports.find((x) => x.port === port);
  return typeof p?.targetPort === 'number' ? p.targetPort : port;
}

export const failoverRecordsCheck: VerifyCheck = {
  name: CHECK,
  description:
    'every public host has a DNS record whose failover targets (primary in the primary cloud) are ingress gateways that exist, health-checked on what they serve',
  run: (state, ctx) => failoverRecordFindings(state, ctx),
};
