#!/usr/bin/env node
// Regenerates imports/ from the CRDs pinned in cdk8s.yaml.
//
//   node scripts/import-crds.mjs            offline: reads the same files from ../shared/crds
//   node scripts/import-crds.mjs --online   downloads the pinned URLs of cdk8s.yaml
//
// Every CRD is first normalised through js-yaml: flagger's crd.yaml has quoted scalars that strict
// YAML 1.2 parsers (the one inside cdk8s-cli) mis-read, while js-yaml (like kubectl's go-yaml) reads
// them as intended. The generated TypeScript is committed; nothing here runs at synth or test time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { linearConverters } from './linear-converters.js';

const CDK8S_CLI = 'cdk8s-cli@2.207.60';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const online = process.argv.includes('--online');
const crdsDir = resolve(root, process.env.CRDS_DIR ?? '../shared/crds');

// Local copies in ../shared/crds are named after the upstream file (see ../shared/crds/SOURCES.md).
const LOCAL_NAME = {
  'crd-all.gen.yaml': 'istio-crd-all.gen.yaml',
  'crd-operator.yaml': 'istio-operator-crd.yaml',
  'application-crd.yaml': 'argocd-application-crd.yaml',
  'appproject-crd.yaml': 'argocd-appproject-crd.yaml',
  'applicationset-crd.yaml': 'argocd-applicationset-crd.yaml',
  'crd.yaml': 'flagger-crd.yaml',
};

const config = yaml.load(readFileSync(join(root, 'cdk8s.yaml'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'ceres-import-'));
const specs = [];
for (const entry of config.imports) {
  const [prefix, url] = entry.split(':=');
  let text;
  if (online) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    text = await res.text();
  } else {
    const name = LOCAL_NAME[basename(url)] ?? basename(url);
    text = readFileSync(join(crdsDir, name), 'utf8');
  }
  const groups = config.importGroups?.[prefix];
  const docs = yaml.loadAll(text).filter((d) => d && d.kind === 'CustomResourceDefinition' && (!groups || groups.includes(d.spec.group)));
  const file = join(work, `${prefix}.yaml`);
  writeFileSync(file, docs.map((d) => yaml.dump(d, { noRefs: true, lineWidth: -1 })).join('---\n'));
  specs.push(`${prefix}:=${file}`);
}

const out = join(root, 'imports');
for (const f of readdirSync(out, { withFileTypes: true })) {
  if (f.isFile() && f.name.endsWith('.ts')) rmSync(join(out, f.name));
}
mkdirSync(out, { recursive: true });
for (const spec of specs) {
  execFileSync('npx', ['--yes', '-p', CDK8S_CLI, 'cdk8s', 'import', '--no-check-upgrade', '--language', 'typescript', '--output', out, spec], {
    cwd: work,
    stdio: 'inherit',
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
  });
}
// The converters' final copy made linear (scripts/linear-converters.js).
for (const f of readdirSync(out)) {
  if (f.endsWith('.ts')) writeFileSync(join(out, f), linearConverters(readFileSync(join(out, f), 'utf8')));
}
rmSync(work, { recursive: true, force: true });
console.log(`imports/ regenerated from ${online ? 'upstream URLs' : crdsDir}`);
