import { TierValues, TIERS_IN_ORDER } from './tier-table';

const ROWS: readonly [string, (t: TierValues) => string | number][] = [
  ['CPU requests (sum)', (t) => t.quota.requestsCpu],
  ['CPU limits (sum)', (t) => t.quota.limitsCpu],
  ['Memory requests (sum)', (t) => t.quota.requestsMemory],
  ['Memory limits (sum)', (t) => t.quota.limitsMemory],
  ['Storage (PVC requests)', (t) => t.quota.storage],
  ['PersistentVolumeClaims', (t) => t.quota.persistentVolumeClaims],
  ['Pods', (t) => t.quota.pods],
  ['Services', (t) => t.quota.services],
  ['LoadBalancer Services', (t) => t.quota.loadBalancers],
  ['NodePort Services', () => 0],
  ['ConfigMaps', (t) => t.quota.configMaps],
  ['Secrets', (t) => t.quota.secrets],
  ['Container default request', (t) => `${t.limitRange.defaultRequest.cpu} / ${t.limitRange.defaultRequest.memory}`],
  ['Ingress requests per second per host (per gateway replica)', (t) => `${t.ingressRequestsPerSecond}`],
  ['Container default limit', (t) => `${t.limitRange.defaultLimit.cpu} / ${t.limitRange.defaultLimit.memory}`],
  ['Container min request', (t) => `${t.limitRange.min.cpu} / ${t.limitRange.min.memory}`],
  ['Container max limit', (t) => `${t.limitRange.max.cpu} / ${t.limitRange.max.memory}`],
  ['PriorityClass (value)', (t) => `${t.priorityClass.name} (${t.priorityClass.value})`],
  ['Database instance (cpu / memory)', (t) => `${t.databaseInstance.cpu} / ${t.databaseInstance.memory}`],
];

/** The tier table as Markdown (docs/tenants.md embeds it; a test keeps the two equal). */
export function tierTableMarkdown(): string {
  const header = `| | ${TIERS_IN_ORDER.map((t) => t.level).join(' | ')} |`;
  const rule = `|---|${TIERS_IN_ORDER.map(() => '---').join('|')}|`;
  const rows = ROWS.map(([label, value]) => `| ${label} | ${TIERS_IN_ORDER.map((t) => String(value(t))).join(' | ')} |`);
  return [header, rule, ...rows].join('\n');
}
