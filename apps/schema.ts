/**
 * `ceres schema` (`npm run schema`): writes the JSON Schemas of the input documents (schemas/*.json),
 * generated from the validator's schemas in lib/core/input, for editors. A test fails when they drift.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { jsonSchemaFiles } from '../lib/core/input/json-schema';
import { Command, EXIT } from './cli';

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'write the JSON Schemas of the input documents (schemas/*.json) for editors',
  usage: ['ceres schema [--check] [--json]'],
  description: [
    'Generates schemas/ceres.schema.json (CeresTenant, CeresDatabase, CeresBackup) and schemas/approved-deletions.schema.json from the schemas the validator uses (lib/core/input), so that editors flag what synth would refuse. Files reference them with a first line `# yaml-language-server: $schema=../../../schemas/ceres.schema.json`.',
  ],
  options: [{ name: '--check', help: 'write nothing; exit 1 if the committed schemas are not current' }],
  run(ctx) {
    const stale: string[] = [];
    for (const [path, content] of jsonSchemaFiles()) {
      const abs = join(ctx.root, path);
      if (existsSync(abs) && readFileSync(abs, 'utf8') === content) continue;
      stale.push(path);
      if (ctx.options.has('--check')) continue;
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
    const check = ctx.options.has('--check');
    if (ctx.json) ctx.printJson({ ok: !(check && stale.length), command: 'schema', check, [check ? 'stale' : 'written']: stale });
    else if (check && stale.length) ctx.io.err(`stale: ${stale.join(', ')}; run \`npm run schema\` and commit the result`);
    else ctx.io.out(stale.length ? `wrote ${stale.join(', ')}` : 'schemas are current');
    return check && stale.length ? EXIT.problems : EXIT.ok;
  },
};
