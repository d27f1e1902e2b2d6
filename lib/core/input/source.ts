/**
 * Helpers on the source text of input files: positions, excerpts for error messages, and a quick
 * look at a file's first document before it is parsed in full.
 */

/** 1-based line and column of a character offset. */
export function lineOf(content: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  const end = Math.min(offset, content.length);
  for (let i = content.indexOf('\n'); i >= 0 && i < end; i = content.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, col: offset - last };
}

/**
 * The lines before and at `line` (1-based) with their numbers, and a caret under `col`:
 *
 *    11 |   tenantId: acme-001
 *    12 |     keycloakRealm: acme-realm
 *       |     ^
 */
export function excerpt(content: string, line: number, col: number, before = 2, after = 1): string[] {
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const first = Math.max(1, line - before);
  const last = Math.min(lines.length, line + after);
  const width = String(last).length;
  const show = (n: number) => {
    const text = lines[n - 1].replace(/\r$/, '').replace(/\t/g, ' ');
    return `${String(n).padStart(width)} | ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`;
  };
  const out: string[] = [];
  for (let n = first; n <= Math.min(line, lines.length); n++) out.push(show(n));
  out.push(`${' '.repeat(width)} | ${' '.repeat(Math.max(0, col - 1))}^`);
  for (let n = line + 1; n <= last; n++) out.push(show(n));
  return out;
}

/** A hint for the parser's less obvious errors (by the `yaml` library's error code). */
export function syntaxHint(code: string): string {
  switch (code) {
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
    case 'BAD_INDENT':
      return ' (check the indentation around here: the keys of one mapping must line up)';
    case 'TAB_AS_INDENT':
      return ' (indent with spaces, not tabs)';
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return ' (an unclosed bracket or quote?)';
    default:
      return '';
  }
}

/** What the first document of a file says about itself, read from its top-level lines only. */
export interface FirstDocument {
  /** The top-level `apiVersion`, unquoted, if there is one. */
  readonly apiVersion?: string;
  /** The top-level `kind`, unquoted, if there is one. */
  readonly kind?: string;
}

const unquote = (v: string) =>
  v
    .replace(/\s+#.*$/, '')
    .trim()
    .replace(/^(["'])(.*)\1$/, '$2');

/**
 * Reads the top-level `apiVersion` and `kind` of a file's first document without parsing it: a
 * line scan of at most `limit` characters, stopping at the next document. Enough to tell a
 * `kubectl get -o yaml` dump or a Helm values file from a CERES document in microseconds.
 */
export function sniffFirstDocument(content: string, limit = 256 * 1024): FirstDocument {
  let apiVersion: string | undefined;
  let kind: string | undefined;
  let seenContent = false;
  const text = content.length > limit ? content.slice(0, limit) : content;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (/^(---|\.\.\.)(\s|$)/.test(line)) {
      if (seenContent) break;
      continue;
    }
    if (/^\s*(#|$)/.test(line) || line.startsWith('%')) continue;
    seenContent = true;
    const m = /^(apiVersion|kind):(?:\s+(.*))?$/.exec(line);
    if (!m) continue;
    if (m[1] === 'apiVersion' && apiVersion === undefined) apiVersion = unquote(m[2] ?? '');
    if (m[1] === 'kind' && kind === undefined) kind = unquote(m[2] ?? '');
    if (apiVersion !== undefined && kind !== undefined) break;
  }
  return { apiVersion, kind };
}

/** Words that could be names or ids in a piece of YAML (for telling consequences from causes). */
export function nameTokens(text: string): Set<string> {
  return new Set(text.match(/[a-z0-9][-a-z0-9]*/g) ?? []);
}
