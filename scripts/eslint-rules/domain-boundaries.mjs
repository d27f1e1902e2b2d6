// ceres/domain-boundaries: the dependency rules of docs/architecture.md ("Dependency rules").
//
//   - lib/<domain>/index.ts is a domain's public face: outside lib/<domain>/, an import of
//     lib/<domain>/<anything but index> is an error.
//   - lib/core is the kernel: its modules are all public (lib/core/<module> may be imported from
//     anywhere), and lib/core imports no domain.
//   - lib/ imports nothing from apps/, bench/, scripts/ or test/.
//   - Inside lib/<domain>/, files import each other, never their own index (a load cycle).
//   - lib/infra (the Terraform app's constructs) is a leaf: no other domain imports it at run time
//     (type-only imports are fine). Its index loads cdktf and three providers, over a second per
//     process; a fact both the Terraform and the Kubernetes side read belongs in lib/core.
//
// Paths are resolved, so `../mesh/mesh-config`, `../../mesh/mesh-config` and
// `../../lib/mesh/mesh-config` are the same import. Only relative specifiers are checked (packages
// and node: modules are not the project's). Which files the rule runs on is decided in
// eslint.config.mjs (test/ is exempt: tests are white-box).
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUTSIDE_LIB = new Set(['apps', 'bench', 'scripts', 'test']);

/** `lib/mesh/mesh-config.ts` → ['lib', 'mesh', 'mesh-config']; paths outside the project → undefined. */
function projectPath(abs) {
  const rel = relative(ROOT, abs);
  if (rel.startsWith('..') || rel === '') return undefined;
  return rel.split(sep);
}

function stripExtension(name) {
  return name.replace(/\.(d\.ts|ts|js|mjs|cjs)$/, '');
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: {
      description: 'Domains meet through lib/<domain>/index.ts and never import their own; lib/core imports no domain; lib/ imports no app, test or script.',
    },
    schema: [],
    messages: {
      internal:
        "'{{spec}}' reaches into lib/{{target}}/{{module}}: outside lib/{{target}}/, import from its index ('{{index}}') and export the name there if it is missing.",
      coreImportsDomain: "'{{spec}}': lib/core is the kernel every domain builds on and imports no domain (lib/{{target}}).",
      libImportsOutside: "'{{spec}}': lib/ imports nothing from {{target}}/.",
      ownIndex: "'{{spec}}' is lib/{{target}}'s own index: inside the domain, import the module that defines the name (the index imports this file).",
      infraLeaf:
        "'{{spec}}': lib/infra is the Terraform app's and loads cdktf with every provider; no other domain imports it at run time. Move the shared fact to lib/core (e.g. lib/core/cloud.ts), or use `import type`.",
    },
  },
  create(context) {
    const file = projectPath(context.filename);
    if (!file) return {};
    const fromDomain = file[0] === 'lib' && file.length > 2 ? file[1] : undefined;

    function check(node, spec, typeOnly = false) {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const abs = resolve(dirname(context.filename), spec);
      const target = projectPath(abs);
      if (!target) return;
      if (fromDomain && OUTSIDE_LIB.has(target[0])) {
        context.report({ node, messageId: 'libImportsOutside', data: { spec, target: target[0] } });
        return;
      }
      if (target[0] !== 'lib' || target.length < 2) return;
      const toDomain = target[1];
      const module = stripExtension(target.slice(2).join('/'));
      if (toDomain === fromDomain) {
        if (module === '' || module === 'index') context.report({ node, messageId: 'ownIndex', data: { spec, target: toDomain } });
        return;
      }
      if (fromDomain === 'core') {
        context.report({ node, messageId: 'coreImportsDomain', data: { spec, target: toDomain } });
        return;
      }
      if (toDomain === 'infra' && fromDomain && !typeOnly) {
        context.report({ node, messageId: 'infraLeaf', data: { spec } });
        return;
      }
      if (toDomain === 'core') return;
      if (module === '' || module === 'index') return;
      let index = relative(dirname(context.filename), resolve(ROOT, 'lib', toDomain))
        .split(sep)
        .join('/');
      if (!index.startsWith('.')) index = `./${index}`;
      context.report({ node, messageId: 'internal', data: { spec, target: toDomain, module, index } });
    }

    const literal = (n) => (n && n.type === 'Literal' ? n.value : undefined);
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value, node.importKind === 'type'),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ImportExpression: (node) => check(node.source, literal(node.source)),
      TSImportEqualsDeclaration: (node) =>
        node.moduleReference.type === 'TSExternalModuleReference' && check(node.moduleReference, literal(node.moduleReference.expression)),
      // `typeof import('../x')`
      TSImportType: (node) => check(node, literal(node.argument?.literal ?? node.argument), true),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length === 1) check(node, literal(node.arguments[0]));
      },
    };
  },
};
