/**
 * A small line diff (longest common subsequence) with unified-style hunks, enough to review a
 * Kubernetes object's YAML. Quadratic in the lines of one object, so objects beyond `maxCells`
 * line pairs fall back to "replaced" (a dashboard JSON blob, say).
 */
export interface LineDiffOptions {
  /** Unchanged lines shown around each change. @default 2 */
  readonly context?: number;
  /** Largest lines(a) × lines(b) diffed line by line. @default 4_000_000 */
  readonly maxCells?: number;
}

type Op = { readonly tag: ' ' | '-' | '+'; readonly line: string };

function ops(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = LCS length of a[i..] and b[j..], as one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ tag: ' ', line: a[i] });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) out.push({ tag: '-', line: a[i++] });
    else out.push({ tag: '+', line: b[j++] });
  }
  while (i < n) out.push({ tag: '-', line: a[i++] });
  while (j < m) out.push({ tag: '+', line: b[j++] });
  return out;
}

/** Changed lines of `before` → `after` with a little context; `...` separates hunks. Empty when equal. */
export function lineDiff(before: string, after: string, options: LineDiffOptions = {}): string[] {
  if (before === after) return [];
  const a = before.replace(/\n$/, '').split('\n');
  const b = after.replace(/\n$/, '').split('\n');
  if (a.length * b.length > (options.maxCells ?? 4_000_000)) {
    return [`- (${a.length} lines)`, `+ (${b.length} lines, replaced: too large for a line diff)`];
  }
  const all = ops(a, b);
  const context = options.context ?? 2;
  const keep = new Uint8Array(all.length);
  all.forEach((o, k) => {
    if (o.tag === ' ') return;
    for (let d = Math.max(0, k - context); d <= Math.min(all.length - 1, k + context); d++) keep[d] = 1;
  });
  const out: string[] = [];
  let last = -1;
  all.forEach((o, k) => {
    if (!keep[k]) return;
    if (last >= 0 && k > last + 1) out.push('...');
    out.push(`${o.tag} ${o.line}`);
    last = k;
  });
  return out;
}
