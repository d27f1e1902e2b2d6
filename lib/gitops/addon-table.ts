import { PlatformCatalog } from '../core/addon';
import { describePlacement } from '../core/topology';

/**
 * The add-on table of README.md and docs/gitops.md, from the catalog: every Helm chart and every
 * directory of upstream git manifests of the app of apps' add-ons file — name, source, pinned
 * version, namespace and the clusters it goes to come from the code; the notes column is kept from
 * the document (written by hand). `npm run docs` rewrites the tables; a test fails when one is stale.
 */

/** The header line that starts the table. */
export const ADDON_TABLE_HEADER = '| Add-on | Chart (repository) | Version | Namespace | Clusters | Notes |';

const host = (url: string) => url.replace(/^https?:\/\//, '').replace(/\/$/, '');

/** `doc` with its add-on table's rows generated from `catalog` (notes kept by add-on name); throws when it has no table. */
export function withAddOnTable(doc: string, catalog: PlatformCatalog): string {
  const lines = doc.split('\n');
  const header = lines.findIndex((l) => l.startsWith(ADDON_TABLE_HEADER));
  if (header < 0) throw new Error('no add-on table (its header line is missing)');
  let end = header + 2;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  const notes = new Map(lines.slice(header + 2, end).map((l) => [l.split('|')[1].trim(), l.split('|').slice(6, -1).join('|').trim()]));
  const inAddOnsFile = (file: string | undefined) => (file ?? 'addons') === 'addons';
  const rows = [
    ...catalog.charts
      .filter((c) => inAddOnsFile(c.file))
      .map((c) => [c.name, `${c.chart.chart} (${host(c.chart.repoURL)})`, c.chart.version, c.namespace, describePlacement(c.placement)]),
    ...catalog.manifests
      .filter((m) => inAddOnsFile(m.file))
      .map((m) => {
        const where = host(m.source.repoURL).split('/');
        const repo = where.pop();
        return [
          m.name,
          `${repo} \`${m.source.path}/\` (git manifests, ${where.join('/')}; no chart)`,
          m.source.tag,
          m.namespace,
          describePlacement(m.placement),
        ];
      }),
  ].map((cells) => `| ${cells.join(' | ')} | ${notes.get(cells[0]) ?? ''} |`);
  lines.splice(header + 2, end - header - 2, ...rows);
  return lines.join('\n');
}
