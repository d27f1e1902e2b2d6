import { yamlLibrary } from '../yaml';
import { InputError, InputIssue } from '../errors';
import { INPUT_API_VERSION, INPUT_KINDS, InputFile, METADATA } from './documents';
import { check, ObjectSchema, SchemaIssue, suggest } from './schema';
import { excerpt, lineOf, syntaxHint } from './source';

/**
 * `apps/platform/approved-deletions.yaml`: the destructive changes a pull request means to make,
 * each with a reason, committed with the change so that reviewers see and approve them. Synth and
 * diff refuse destructive changes that no entry approves.
 *
 *   apiVersion: ceres.io/v1
 *   kind: CeresApprovedDeletions
 *   metadata: { name: approved-deletions }
 *   spec:
 *     deletions:
 *       - object: "prod:Namespace/tenant-globex-002"      # as printed by synth and diff
 *         reason: Globex offboarded, data exported (OPS-1234)
 */
export const APPROVALS_KIND = 'CeresApprovedDeletions';
/** Where the approvals file lives, relative to the project root. */
export const APPROVALS_FILE = 'apps/platform/approved-deletions.yaml';

/**
 * An object id as synth and diff print it (`prod:Namespace/tenant-a`,
 * `prod:Application.argoproj.io/argocd/prod-core`, `terraform/prod-aws:aws_s3_bucket.backups_bucket_5DB31D01`),
 * where `*` stands for any characters except `/` and `:`.
 */
export const APPROVAL_PATTERN = /^[A-Za-z0-9*][-A-Za-z0-9_.*/]*:[-A-Za-z0-9_.*/]+$/;

export const APPROVALS_DOCUMENT: ObjectSchema = {
  type: 'object',
  fields: {
    apiVersion: { schema: { type: 'string', enum: [INPUT_API_VERSION] }, required: true },
    kind: { schema: { type: 'string', enum: [APPROVALS_KIND] }, required: true },
    metadata: { schema: METADATA, required: true },
    spec: {
      required: true,
      schema: {
        type: 'object',
        fields: {
          deletions: {
            required: true,
            description: 'Destructive changes this change means to make.',
            schema: {
              type: 'array',
              unique: true,
              items: {
                type: 'object',
                fields: {
                  object: {
                    required: true,
                    description: 'The object as synth and diff print it, e.g. "prod:Namespace/tenant-globex-002"; * matches within one part.',
                    schema: {
                      type: 'string',
                      pattern: APPROVAL_PATTERN,
                      patternHelp: 'an object as synth and diff print it, such as "prod:Namespace/tenant-globex-002" (* matches within one part)',
                    },
                  },
                  reason: {
                    required: true,
                    description: 'Why, for the reviewer: ticket, date, who agreed, where the data went.',
                    schema: { type: 'string', minLength: 10, maxLength: 500, pattern: /\S/, patternHelp: 'a reason a reviewer can check' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

/** One approved deletion. */
export interface ApprovedDeletion {
  /** The pattern as written. */
  readonly object: string;
  /** Why deleting the object is safe, for the reviewer (10 to 500 characters). */
  readonly reason: string;
  /** Where it is written. */
  readonly source: { readonly file: string; readonly document: number; readonly index: number };
}

/** Reads the approvals file (none when `file` is undefined). Throws an {@link InputError} on any problem. */
export function parseApprovals(file: InputFile | undefined): ApprovedDeletion[] {
  if (!file) return [];
  const issues: InputIssue[] = [];
  const out: ApprovedDeletion[] = [];
  let index = 0;
  for (const doc of yamlLibrary().parseAllDocuments(file.content, { prettyErrors: false, uniqueKeys: true })) {
    index++;
    if (doc.errors.length) {
      const { line, col } = lineOf(file.content, doc.errors[0].pos[0]);
      issues.push({
        file: file.path,
        document: index,
        line,
        column: col,
        excerpt: excerpt(file.content, line, col),
        message: `YAML syntax error at line ${line}, column ${col}: ${doc.errors[0].message.split('\n')[0]}${syntaxHint(doc.errors[0].code)}`,
      });
      continue;
    }
    if (doc.contents === null) continue;
    if (!yamlLibrary().isMap(doc.contents)) {
      issues.push({ file: file.path, document: index, message: `expected a ${APPROVALS_KIND} mapping with apiVersion, kind, metadata and spec` });
      continue;
    }
    const body = doc.toJS() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML, validated against the schema below
    const object = typeof body.kind === 'string' && typeof body.metadata?.name === 'string' ? `${body.kind}/${body.metadata.name}` : undefined;
    const at = (i: SchemaIssue): InputIssue => ({ file: file.path, document: index, object, path: i.path, message: i.message });
    if ((INPUT_KINDS as readonly string[]).includes(body.kind)) {
      issues.push(at({ path: 'kind', message: `${body.kind} documents go in apps/platform/tenants/, not in ${file.path}` }));
      continue;
    }
    if (body.kind !== APPROVALS_KIND) {
      const hint = typeof body.kind === 'string' ? suggest(body.kind, [APPROVALS_KIND]) : undefined;
      issues.push(
        at({ path: 'kind', message: `${JSON.stringify(body.kind ?? null)} is not allowed here; use ${APPROVALS_KIND}${hint ? ' (check the spelling)' : ''}` }),
      );
      continue;
    }
    const found: SchemaIssue[] = [];
    check(body, APPROVALS_DOCUMENT, '', found);
    issues.push(...found.map(at));
    if (found.length) continue;
    (body.spec.deletions as { object: string; reason: string }[]).forEach((d, i) =>
      out.push({ object: d.object, reason: d.reason, source: { file: file.path, document: index, index: i } }),
    );
  }
  if (issues.length) throw new InputError(issues);
  return out;
}
