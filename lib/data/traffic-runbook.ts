import { stackName } from '../core/cloud';
import { EnvironmentConfig } from '../core/model';
import {
  FAILOVER_RECORD_TTL,
  FailoverOutputs,
  INGRESS_HEALTH_CHECK,
  INGRESS_SERVICE,
  ingressAddressVariable,
  IngressSite,
  trafficFailover,
} from '../core/traffic-failover';

const tf = (env: EnvironmentConfig, site: IngressSite) => `dist/terraform/${stackName(env.name, site.cluster.cloud as 'aws' | 'azure')}`;

function describeAddress(site: IngressSite): string {
  const a = site.address;
  return a.kind === 'aws-nlb'
    ? `the Network Load Balancer of Service \`${a.serviceTag}\` (found by its tags \`kubernetes.io/service-name\`, \`${a.clusterTag}=owned\`)`
    : `static public IP \`${a.name}\` in \`${a.resourceGroup}\` (stack output \`${FailoverOutputs.ingressAddress}\`)`;
}

/**
 * The traffic part of an environment's runbook (lib/core/traffic-failover.ts): the zone and its
 * records, the one-time wiring of the stacks, what happens by itself when the primary's ingress fails,
 * how to move traffic deliberately (with a database failover, which must not fail back on its own),
 * and the fail-back. Empty for an environment without DNS failover. Every name is the model's (a
 * test checks them against the rendered stacks and the gateway Service).
 */
export function trafficRunbook(env: EnvironmentConfig): string {
  const failover = trafficFailover(env);
  if (!failover) return '';
  const [primary, secondary] = failover.sites;
  const aws = tf(env, primary);
  const seconds = INGRESS_HEALTH_CHECK.intervalSeconds * INGRESS_HEALTH_CHECK.failureThreshold;
  const healthId = (site: IngressSite) => `$(terraform -chdir=${aws} output -json ${FailoverOutputs.healthChecks} | jq -r '."${site.cluster.name}"')`;
  const lines: string[] = [
    '## Traffic',
    '',
    `Public zone \`${failover.zone}\` (Route 53, in \`${aws}\`), record \`${failover.recordName}\`${secondary ? ', failover routing' : ''}:`,
    '',
    '| Role | Cluster | Address | Health check |',
    '|---|---|---|---|',
    ...failover.sites.map(
      (s) =>
        `| ${secondary ? s.failover : 'only'} | \`${s.cluster.name}\` (${s.cluster.cloud}) | ${describeAddress(s)} | ${INGRESS_HEALTH_CHECK.protocol} \`:${INGRESS_HEALTH_CHECK.port}${INGRESS_HEALTH_CHECK.path}\` every ${INGRESS_HEALTH_CHECK.intervalSeconds} s, unhealthy after ${INGRESS_HEALTH_CHECK.failureThreshold} failures |`,
    ),
    '',
    `The health checks probe the ingress gateway pods' readiness (Envoy holds its configuration) through the load balancer. ${secondary ? `An unhealthy primary is detected in about ${seconds} s; resolvers follow within the records' TTL (${FAILOVER_RECORD_TTL} s): traffic moves in about ${Math.ceil((seconds + FAILOVER_RECORD_TTL + 30) / 60)} min.` : 'The environment has one ingress site: nothing to fail over to.'}`,
    '',
    '### Once: zone, addresses, records',
    '',
    `The secondary's stack first (its address), then the AWS stack with it (and with the variables of "Once: trust between the sites" above, where there are databases):`,
    '',
    '```sh',
  ];
  if (secondary) {
    lines.push(
      `terraform -chdir=${tf(env, secondary)} apply    # creates the static address ${secondary.address.kind === 'azure-public-ip' ? secondary.address.name : ''}`,
    );
  }
  const vars = secondary
    ? [`-var ${ingressAddressVariable(secondary.cluster)}="$(terraform -chdir=${tf(env, secondary)} output -raw ${FailoverOutputs.ingressAddress})"`]
    : [];
  lines.push(
    `terraform -chdir=${aws} apply${vars.length ? ' \\' : ''}`,
    ...vars.map((v) => `  ${v}`),
    `terraform -chdir=${aws} output -json ${FailoverOutputs.nameServers}    # NS records of ${failover.zone} in its parent zone (or at the registrar)`,
    `terraform -chdir=${aws} output -raw ${FailoverOutputs.dsRecord}        # the DS record in the parent zone (DNSSEC chain)`,
    '```',
    '',
    `The primary's load balancer exists once Argo CD has synced \`${INGRESS_SERVICE.name}\` on \`${primary.cluster.name}\`: apply \`${aws}\` again then (same variables); its record and health check are created only when the load balancer is found. Check:`,
    '',
    '```sh',
    `kubectl --context ${primary.cluster.name} -n ${INGRESS_SERVICE.namespace} get service ${INGRESS_SERVICE.name}    # EXTERNAL-IP: the NLB's name`,
    ...(secondary
      ? [
          `kubectl --context ${secondary.cluster.name} -n ${INGRESS_SERVICE.namespace} get service ${INGRESS_SERVICE.name}    # EXTERNAL-IP: the stack's address`,
        ]
      : []),
    ...failover.sites.map((s) => `aws route53 get-health-check-status --health-check-id "${healthId(s)}"`),
    '```',
    '',
  );
  if (!secondary) return lines.join('\n');
  lines.push(
    `### Failover: \`${primary.cluster.name}\`'s ingress fails`,
    '',
    `Nothing to do for traffic: when \`${primary.cluster.name}\`'s health check fails, Route 53 answers \`${failover.recordName}\` with \`${secondary.cluster.name}\`'s address (its own check passing). Check that \`${secondary.cluster.name}\` serves the hosts: \`curl -sI https://<host>/\` from outside, and its certificates in \`${INGRESS_SERVICE.namespace}\` are Ready (\`kubectl --context ${secondary.cluster.name} -n ${INGRESS_SERVICE.namespace} get certificates\`).`,
    '',
    `### Moving traffic deliberately (with a database failover)`,
    '',
    `Route 53 fails back by itself once \`${primary.cluster.name}\` passes its check again. After a database failover the primary database is on \`${secondary.cluster.name}\`, and applications on \`${primary.cluster.name}\` would reach a replica: pin the traffic on \`${secondary.cluster.name}\` by inverting the primary's health check (Route 53 then treats it as unhealthy), whether or not \`${primary.cluster.name}\` is still answering:`,
    '',
    '```sh',
    `aws route53 update-health-check --health-check-id "${healthId(primary)}" --inverted`,
    '```',
    '',
    `A later \`terraform apply\` of \`${aws}\` would revert the inversion: apply it only after the fail-back.`,
    '',
    `### Fail back to \`${primary.cluster.name}\``,
    '',
    `1. Once the databases are back on \`${primary.cluster.name}\` (the switchover back above) and its gateway is ready (\`kubectl --context ${primary.cluster.name} -n ${INGRESS_SERVICE.namespace} get pods\`), remove the pin:`,
    '',
    '   ```sh',
    `   aws route53 update-health-check --health-check-id "${healthId(primary)}" --no-inverted`,
    '   ```',
    '',
    `2. After ${INGRESS_HEALTH_CHECK.failureThreshold} successful checks Route 53 answers with \`${primary.cluster.name}\` again; clients move within the TTL. \`terraform -chdir=${aws} plan\` shows no change.`,
    '',
  );
  return lines.join('\n');
}
