import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { InputError, InputIssue } from '../errors';
import { TenantInput } from './types';
import { INPUT_KINDS, InputFile, KINDS_ELSEWHERE, MAX_INPUT_FILE_BYTES, parseTenantInput, ParseMemo } from './documents';
import { sniffFirstDocument } from './source';

const YAML_FILE = /\.ya?ml$/;

/** `path` relative to `root` with forward slashes when inside it; as given otherwise. */
export function displayPath(path: string, root: string): string {
  const fromRoot = relative(root, path);
  return fromRoot.startsWith('..') || isAbsolute(fromRoot) ? path : fromRoot.split('\\').join('/') || '.';
}

/** Reads a file, or only its first 64 KiB (and its size) when it is larger than an input file can be. */
export function readInputFile(abs: string, path: string): InputFile {
  const size = statSync(abs).size;
  if (size <= MAX_INPUT_FILE_BYTES) return { path, content: readFileSync(abs, 'utf8') };
  const buf = Buffer.alloc(64 * 1024);
  const fd = openSync(abs, 'r');
  try {
    const n = readSync(fd, buf, 0, buf.length, 0);
    return { path, content: buf.subarray(0, n).toString('utf8'), size };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads every `*.yaml` / `*.yml` file of a directory (not recursive), in name order. Paths in the
 * result (and so in error messages) are relative to `root` when inside it, with forward slashes.
 */
export function readInputDirectory(dir: string, root: string): InputFile[] {
  return loadInputDirectory(dir, root).files;
}

/** The input files of a directory, and the YAML files in its sub-folders, which are not read. */
export function loadInputDirectory(dir: string, root: string): { files: InputFile[]; issues: InputIssue[] } {
  const rel = displayPath(dir, root);
  if (!existsSync(dir)) throw new InputError([{ file: rel, message: 'the tenant input directory does not exist' }]);
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files = entries.filter((e) => e.isFile() && YAML_FILE.test(e.name)).map((e) => readInputFile(join(dir, e.name), `${rel}/${e.name}`));
  const issues: InputIssue[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    for (const path of yamlFilesUnder(join(dir, e.name))) {
      issues.push({ file: displayPath(path, root), message: `sub-folders of ${rel}/ are not read; move the file into ${rel}/ itself` });
    }
  }
  return { files, issues };
}

function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFilesUnder(p));
    else if (e.isFile() && YAML_FILE.test(e.name)) out.push(p);
  }
  return out.sort();
}

/**
 * YAML files under `appsDir` that nothing reads: anything but the tenant documents folder (whose
 * sub-folders {@link loadInputDirectory} reports) and the files listed in `known`. Someone who puts
 * a tenant in `apps/platform/tenant/` or `apps/platform/acme.yaml` expects it to be deployed.
 */
export function findStrayInput(appsDir: string, tenantsDir: string, root: string, known: readonly string[] = []): InputIssue[] {
  if (!existsSync(appsDir)) return [];
  const tenants = displayPath(tenantsDir, root);
  const issues: InputIssue[] = [];
  for (const abs of yamlFilesUnder(appsDir)) {
    const file = displayPath(abs, root);
    if (known.includes(file)) continue;
    if (file.startsWith(`${tenants}/`)) continue; // the tenants folder and its sub-folders are checked on their own
    const { kind } = sniffFirstDocument(readInputFile(abs, file).content);
    const what =
      kind && (INPUT_KINDS as readonly string[]).includes(kind)
        ? `this ${kind} is not read: `
        : kind && KINDS_ELSEWHERE[kind]
          ? `this ${kind} is not read: `
          : 'YAML files here are not read: ';
    const where =
      kind && KINDS_ELSEWHERE[kind]
        ? `${kind} documents go in ${KINDS_ELSEWHERE[kind]}`
        : `tenant documents (${INPUT_KINDS.join(', ')}) go directly in ${tenants}/`;
    issues.push({ file, message: `${what}${where}` });
  }
  return issues;
}

export interface LoadTenantInputOptions {
  /** The tenant documents folder. */
  readonly dir: string;
  /** The project root: paths in messages are relative to it. */
  readonly root: string;
  /** Also report YAML files elsewhere under this folder (normally `apps/`), except `known` ones. */
  readonly strayScan?: { readonly appsDir: string; readonly known?: readonly string[] };
  /** What files parsed to before (ParseOptions.memo). */
  readonly memo?: ParseMemo;
}

/**
 * Reads and validates the tenant input: misplaced files, unreadable or foreign files and every
 * document problem are reported together in one {@link InputError}.
 */
export function loadTenantInput(options: LoadTenantInputOptions): TenantInput {
  const { files, issues } = loadInputDirectory(options.dir, options.root);
  const stray = options.strayScan ? findStrayInput(options.strayScan.appsDir, options.dir, options.root, options.strayScan.known) : [];
  return parseTenantInput(files, { issues: [...stray, ...issues], memo: options.memo });
}
