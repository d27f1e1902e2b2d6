import { ApprovedDeletion } from '../core/input/approvals';
import { areaOf, ChangeType, DistDiff, ObjectChange, objectRef } from './manifest-diff';
import { PLAIN, Style } from './style';

/**
 * A diff as a reviewer reads it: destructive changes matched against the approved deletions,
 * counts per environment and folder, the text synth and diff print, and its JSON form.
 */

export { PLAIN } from './style';
export type { Style } from './style';

/** Whether an object reference matches an approval pattern (`*` matches within one part: not `/` or `:`). */
export function matchesApproval(ref: string, pattern: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/:]*')}$`,
  );
  return re.test(ref);
}

export interface Review {
  /** The object-level diff being reviewed. */
  readonly diff: DistDiff;
  /** Destructive changes an approval covers, with the first approval that does. */
  readonly approved: readonly { readonly change: ObjectChange; readonly approval: ApprovedDeletion }[];
  /** Destructive changes no approval covers: synth and diff refuse them unless told otherwise. */
  readonly unapproved: readonly ObjectChange[];
  /** Approvals that match no destructive change (left over from an earlier change: remove them). */
  readonly unusedApprovals: readonly ApprovedDeletion[];
}

export function reviewDiff(diff: DistDiff, approvals: readonly ApprovedDeletion[] = []): Review {
  const approved: { change: ObjectChange; approval: ApprovedDeletion }[] = [];
  const unapproved: ObjectChange[] = [];
  const used = new Set<ApprovedDeletion>();
  for (const change of diff.destructive) {
    const ref = objectRef(change.id);
    const approval = approvals.find((a) => matchesApproval(ref, a.object));
    if (approval) {
      used.add(approval);
      approved.push({ change, approval });
    } else {
      unapproved.push(change);
    }
  }
  return { diff, approved, unapproved, unusedApprovals: approvals.filter((a) => !used.has(a)) };
}

export interface AreaSummary {
  /** `<env>/<folder>` or `terraform/<stack>`. */
  readonly area: string;
  /** Objects added in the area. */
  readonly added: number;
  /** Objects changed in the area. */
  readonly changed: number;
  /** Objects removed from the area. */
  readonly removed: number;
  /** Of those, changes that lose data or protection. */
  readonly destructive: number;
}

/** Object counts per environment and folder (Terraform: per stack), in path order. */
export function summarizeAreas(diff: DistDiff): AreaSummary[] {
  const by = new Map<string, { added: number; changed: number; removed: number; destructive: number }>();
  for (const c of diff.changes) {
    const area = areaOf(c.file);
    const s = by.get(area) ?? { added: 0, changed: 0, removed: 0, destructive: 0 };
    s[c.type]++;
    if (c.destructive) s.destructive++;
    by.set(area, s);
  }
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([area, s]) => ({ area, ...s }));
}

const count = (diff: DistDiff, t: ChangeType) => diff.changes.filter((c) => c.type === t).length;

export function isEmptyDiff(diff: DistDiff): boolean {
  const f = diff.files;
  return diff.changes.length + f.added.length + f.removed.length + f.changed.length === 0;
}

export interface FormatOptions {
  /** Terminal styling (colours). @default PLAIN */
  readonly style?: Style;
  /** What the diff compares with, for the headline ("dist/ on disk", "main (3f2a1c0)"). */
  readonly against?: string;
}

/** The headline: counts of the whole diff. */
export function headline(r: Review, options: FormatOptions = {}): string {
  const s = options.style ?? PLAIN;
  const { diff } = r;
  const against = options.against ? ` against ${options.against}` : '';
  if (isEmptyDiff(diff)) return `No change${against}.`;
  const destructive = diff.destructive.length
    ? `${s.red(s.bold(`${diff.destructive.length} destructive`))}${r.approved.length ? ` (${r.approved.length} approved)` : ''}`
    : '0 destructive';
  const files = diff.files.added.length + diff.files.removed.length + diff.files.changed.length;
  return `${s.green(`${count(diff, 'added')} added`)}, ${s.yellow(`${count(diff, 'changed')} changed`)}, ${s.red(`${count(diff, 'removed')} removed`)} objects${files ? `, ${files} other file${files === 1 ? '' : 's'}` : ''}; ${destructive}${against}.`;
}

/** The destructive changes, unapproved first, each with its reference (to copy into approved-deletions.yaml) and why. */
export function formatDestructive(r: Review, options: FormatOptions = {}): string[] {
  const s = options.style ?? PLAIN;
  const out: string[] = [];
  if (r.unapproved.length) {
    out.push(s.red(s.bold(`Destructive changes not approved (${r.unapproved.length}): applying them deletes data or removes its protection`)));
    for (const c of r.unapproved)
      out.push(`  ${s.red(c.type === 'removed' ? '-' : '~')} ${s.bold(objectRef(c.id))}  ${s.dim(`(dist/${c.file})`)}`, `      ${c.destructive}`);
  }
  if (r.approved.length) {
    out.push(s.yellow(`Destructive changes approved in ${r.approved[0].approval.source.file} (${r.approved.length}):`));
    for (const { change, approval } of r.approved)
      out.push(`  ${change.type === 'removed' ? '-' : '~'} ${objectRef(change.id)}  ${s.dim(`approved as "${approval.object}": ${approval.reason}`)}`);
  }
  if (r.unusedApprovals.length) {
    out.push(s.yellow(`Approved deletions that match nothing in this change (${r.unusedApprovals.length}); remove them once their change has merged:`));
    for (const a of r.unusedApprovals) out.push(`  ? ${a.object}  ${s.dim(`(${a.source.file}, deletions[${a.source.index}])`)}`);
  }
  return out;
}

/** What synth prints after writing and diff prints first: the headline, counts per environment and folder, then the destructive changes. */
export function formatSummary(r: Review, options: FormatOptions = {}): string[] {
  const s = options.style ?? PLAIN;
  const out = [headline(r, options)];
  const areas = summarizeAreas(r.diff);
  const width = Math.max(0, ...areas.map((a) => a.area.length));
  for (const a of areas) {
    const parts = [a.added ? s.green(`+${a.added}`) : '', a.changed ? s.yellow(`~${a.changed}`) : '', a.removed ? s.red(`-${a.removed}`) : '']
      .filter(Boolean)
      .join(' ');
    out.push(`  ${a.area.padEnd(width)}  ${parts}${a.destructive ? `  ${s.red(s.bold(`${a.destructive} destructive`))}` : ''}`);
  }
  const { added, removed, changed } = r.diff.files;
  for (const p of added) out.push(`  ${s.green('+')} dist/${p}`);
  for (const p of changed) out.push(`  ${s.yellow('~')} dist/${p}`);
  for (const p of removed) out.push(`  ${s.red('-')} dist/${p}`);
  return [...out, ...formatDestructive(r, options)];
}

/** The full review: the summary, then every changed object with a line diff of its YAML (or JSON). */
export function formatReview(r: Review, options: FormatOptions & { readonly maxDiffLines?: number } = {}): string {
  const s = options.style ?? PLAIN;
  const max = options.maxDiffLines ?? 60;
  const out = formatSummary(r, options);
  let env = '';
  for (const c of r.diff.changes) {
    if (c.id.environment !== env) {
      env = c.id.environment;
      out.push('', s.bold(`## ${env}`));
    }
    const mark = c.type === 'added' ? s.green('+') : c.type === 'removed' ? s.red('-') : s.yellow('~');
    out.push(`${mark} ${objectRef(c.id)}  ${s.dim(`(dist/${c.file})`)}${c.destructive ? `  ${s.red(s.bold('[DESTRUCTIVE]'))}` : ''}`);
    for (const l of c.diff.slice(0, max)) out.push(`    ${l.startsWith('+') ? s.green(l) : l.startsWith('-') ? s.red(l) : l}`);
    if (c.diff.length > max) out.push(s.dim(`    ... ${c.diff.length - max} more lines`));
  }
  return `${out.join('\n')}\n`;
}

/** The review text of a diff without approvals (the classic `npm run diff` output). */
export function formatDistDiff(diff: DistDiff, options: FormatOptions & { readonly maxDiffLines?: number } = {}): string {
  return formatReview(reviewDiff(diff), options);
}

/** The machine-readable review (`--json`). */
export function reviewToJson(r: Review, extra: Record<string, unknown> = {}) {
  const { diff } = r;
  const approvalOf = new Map(r.approved.map((a) => [a.change, a.approval]));
  return {
    ...extra,
    counts: {
      added: count(diff, 'added'),
      changed: count(diff, 'changed'),
      removed: count(diff, 'removed'),
      destructive: diff.destructive.length,
      unapproved: r.unapproved.length,
    },
    areas: summarizeAreas(diff),
    changes: diff.changes.map((c) => ({
      type: c.type,
      object: objectRef(c.id),
      environment: c.id.environment,
      group: c.id.group,
      kind: c.id.kind,
      namespace: c.id.namespace || undefined,
      name: c.id.name,
      file: `dist/${c.file}`,
      destructive: c.destructive,
      approved: approvalOf.get(c) ? { pattern: approvalOf.get(c)!.object, reason: approvalOf.get(c)!.reason } : undefined,
      diff: c.diff.length ? c.diff : undefined,
    })),
    files: diff.files,
    unusedApprovals: r.unusedApprovals.map((a) => ({ object: a.object, file: a.source.file, index: a.source.index })),
  };
}
