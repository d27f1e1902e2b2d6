/**
 * Errors meant for the person running the synth: they name the file, the document, the field and
 * what is allowed, and are printed without a stack trace. Anything else that escapes is a bug.
 */

/** One problem with the user's input, located as precisely as we can. */
export interface InputIssue {
  /** File path relative to the project root (`apps/platform/tenants/acme.yaml`). */
  readonly file: string;
  /** 1-based index of the YAML document in the file, when the file has documents. */
  readonly document?: number;
  /** `Kind/name` of the document, when known. */
  readonly object?: string;
  /** Dotted field path inside the document (`spec.subscriptionLevel`). */
  readonly path?: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
  /** 1-based line and column in the file, when known (YAML syntax errors). */
  readonly line?: number;
  /** 1-based column in `line`, when known. */
  readonly column?: number;
  /** Source lines around the problem, the last one a caret under the column (YAML syntax errors). */
  readonly excerpt?: readonly string[];
}

/** One line naming the file, document, object and field, then the message; an excerpt follows on further lines. */
export function formatIssue(issue: InputIssue): string {
  const where = [issue.file];
  if (issue.document !== undefined) where.push(`document ${issue.document}${issue.object ? ` (${issue.object})` : ''}`);
  const loc = where.join(', ');
  const head = issue.path ? `${loc}: ${issue.path}: ${issue.message}` : `${loc}: ${issue.message}`;
  return issue.excerpt?.length ? `${head}\n${issue.excerpt.map((l) => `      ${l}`).join('\n')}` : head;
}

/** The input is wrong: every issue found, reported together. */
export class InputError extends Error {
  constructor(public readonly issues: readonly InputIssue[]) {
    super(`${issues.length} problem${issues.length === 1 ? '' : 's'} in the platform input:\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`);
    this.name = 'InputError';
  }
}

/**
 * The rendered output broke a rule (a construct validation or a manifest check): the message names
 * the construct path or the object, and what to change.
 */
export class SynthError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} found while rendering:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SynthError';
  }
}

/** True for errors that are the user's to fix (printed without a stack trace). */
export function isUserError(err: unknown): err is InputError | SynthError {
  return err instanceof InputError || err instanceof SynthError;
}
