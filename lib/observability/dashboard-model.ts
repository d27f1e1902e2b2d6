/**
 * A small, typed subset of the Grafana dashboard JSON model: enough for time series, stats and
 * tables over Prometheus, laid out on Grafana's 24-column grid. Deterministic: ids and positions
 * come from the panel order only.
 */

export interface PanelSpec {
  /** Panel title. */
  readonly title: string;
  /** Grafana panel type: a graph over time, a single value, or a table. */
  readonly type: 'timeseries' | 'stat' | 'table';
  /** PromQL queries, each with its legend. */
  readonly queries: readonly { readonly expr: string; readonly legend?: string }[];
  /** Grafana unit (`percentunit`, `ms`, `reqps`, `currencyUSD`, `bytes`, `short`). @default 'short' */
  readonly unit?: string;
  /** Width in grid columns (of 24). @default 12 */
  readonly width?: number;
}

export interface DashboardSpec {
  /** Stable Grafana uid (URLs and links use it); also names the ConfigMap `dashboard-<uid>`. */
  readonly uid: string;
  /** Dashboard title shown in Grafana. */
  readonly title: string;
  /** Grafana tags, for search and dashboard links. */
  readonly tags: readonly string[];
  /** Template variables, each a Prometheus `label_values(...)` query. @default [] */
  readonly variables?: readonly { readonly name: string; readonly label: string; readonly query: string }[];
  /** Panels, laid out left to right and top to bottom by width. */
  readonly panels: readonly PanelSpec[];
}

const PANEL_HEIGHT = 8;
const DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;

/** The Grafana dashboard JSON of a spec. */
export function dashboardJson(spec: DashboardSpec): Record<string, unknown> {
  let x = 0;
  let y = 0;
  const panels = spec.panels.map((p, i) => {
    const w = p.width ?? 12;
    if (x + w > 24) {
      x = 0;
      y += PANEL_HEIGHT;
    }
    const gridPos = { h: PANEL_HEIGHT, w, x, y };
    x += w;
    return {
      id: i + 1,
      type: p.type,
      title: p.title,
      datasource: DATASOURCE,
      gridPos,
      fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
      options: p.type === 'table' ? { showHeader: true } : {},
      targets: p.queries.map((q, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: DATASOURCE,
        expr: q.expr,
        legendFormat: q.legend ?? '',
        ...(p.type === 'table' ? { format: 'table', instant: true } : {}),
      })),
    };
  });
  return {
    uid: spec.uid,
    title: spec.title,
    tags: [...spec.tags],
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '1m',
    time: { from: 'now-24h', to: 'now' },
    timezone: 'utc',
    templating: {
      list: (spec.variables ?? []).map((v) => ({
        name: v.name,
        label: v.label,
        type: 'query',
        datasource: DATASOURCE,
        query: { query: v.query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
        refresh: 2,
        includeAll: true,
        multi: true,
        sort: 1,
      })),
    },
    panels,
  };
}
