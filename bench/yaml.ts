/**
 * `npx tsx bench/yaml.ts [tenants] [--no-legacy]`: the YAML emitter alone. Renders a generated
 * platform (1000 tenants by default, every environment) in memory, then serializes exactly its
 * objects, one stream per file, with the `yaml` library's stringify (the legacy path), our emitter
 * and JSON.stringify; prints the best of several runs of each and checks that the two YAML outputs
 * are byte-identical.
 */
import { buildEnvironment, platformAddOns } from '../apps/platform/main';
import { platform } from '../apps/platform/platform';
import { parseTenantInput } from '../lib/core/input/documents';
import { renderEnvironment } from '../lib/core/render';
import { legacyYamlDocument } from '../lib/core/yaml';
import { emitYamlStream } from '../lib/core/yaml-emitter';
import { generatedTenants } from './generate';

const args = process.argv.slice(2);
const tenants = Number(args.find((a) => /^\d+$/.test(a)) ?? 1000);
const withLegacy = !args.includes('--no-legacy');

function render(count: number): unknown[][] {
  const input = parseTenantInput(generatedTenants(count));
  const addOns = platformAddOns();
  const checks = addOns.flatMap((a) => a.checks ?? []);
  const perFile = new Map<string, unknown[]>();
  for (const env of platform.environments) {
    const rendered = renderEnvironment(buildEnvironment(platform, input, env.name, addOns), checks);
    for (const o of rendered.objects) {
      const list = perFile.get(o.file) ?? [];
      list.push(o.manifest);
      perFile.set(o.file, list);
    }
  }
  return [...perFile.values()];
}

type Serializer = (objects: unknown[]) => string;
const json: Serializer = (objects) => objects.map((o) => JSON.stringify(o)).join('\n');
const legacy: Serializer = (objects) => objects.map(legacyYamlDocument).join('---\n');
const ceres: Serializer = emitYamlStream;

/** Serializes every file; returns milliseconds and the total length. */
function time(files: unknown[][], serialize: Serializer): { ms: number; chars: number } {
  const t0 = performance.now();
  let chars = 0;
  for (const objects of files) chars += serialize(objects).length;
  return { ms: performance.now() - t0, chars };
}

function best(runs: number, files: unknown[][], serialize: Serializer) {
  let r = time(files, serialize);
  for (let i = 1; i < runs; i++) {
    const next = time(files, serialize);
    if (next.ms < r.ms) r = next;
  }
  return r;
}

const t0 = performance.now();
const files = render(tenants);
const objects = files.reduce((n, f) => n + f.length, 0);
console.log(`${tenants} tenants: ${objects} objects in ${files.length} files, rendered in ${Math.round(performance.now() - t0)} ms`);

// warm-up (JIT) on a slice, not measured
const warm = files.slice(0, 200);
for (const s of withLegacy ? [ceres, json, legacy] : [ceres, json]) time(warm, s);

const floor = best(5, files, json);
const rows: [string, { ms: number; chars: number }][] = [
  ['JSON.stringify', floor],
  ['ceres emitter', best(5, files, ceres)],
];
if (withLegacy) rows.push(['yaml stringify (legacy)', best(1, files, legacy)]);

console.log('serializer                    ms     MB/s   × JSON');
for (const [name, r] of rows) {
  console.log(
    `${name.padEnd(24)} ${String(Math.round(r.ms)).padStart(7)}  ${(r.chars / 1e6 / (r.ms / 1000)).toFixed(1).padStart(7)}  ${(r.ms / floor.ms).toFixed(2).padStart(7)}`,
  );
}

if (withLegacy) {
  let differ = 0;
  for (const f of files) if (ceres(f) !== legacy(f)) differ++;
  console.log(differ === 0 ? 'byte-identical to the legacy serializer on every file' : `${differ} files differ from the legacy serializer`);
  if (differ) process.exitCode = 1;
}
