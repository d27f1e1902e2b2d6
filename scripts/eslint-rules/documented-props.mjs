// ceres/documented-props: every member (property or method) of an exported interface carries a JSDoc
// comment (`/** … */`), so that the editor's hover says what a field means, where it shows and what it
// defaults to. An exported object type alias (`export type X = { … }`, or `Base & { … }`) is an
// interface in all but name and is held to the same rule. Not checked: object types nested in a
// member's type (the member's comment describes them) and unions of object types (discriminated
// variants, described by the alias's comment and by comments on the variants).
/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'suggestion',
    docs: { description: 'Members of exported interfaces and object types carry a JSDoc comment.' },
    schema: [],
    messages: {
      missing: "'{{name}}' of the exported {{owner}} '{{type}}' has no /** … */ comment: say what it means (and its unit or default where there is one).",
    },
  },
  create(context) {
    const source = context.sourceCode;

    function hasJsDoc(member) {
      const comments = source.getCommentsBefore(member);
      const last = comments[comments.length - 1];
      return !!last && last.type === 'Block' && last.value.startsWith('*');
    }

    function memberName(member) {
      const key = member.key;
      if (!key) return member.type === 'TSIndexSignature' ? '[index]' : member.type;
      if (key.type === 'Identifier') return key.name;
      if (key.type === 'Literal') return String(key.value);
      return source.getText(key);
    }

    function checkMembers(members, owner, type) {
      for (const member of members) {
        if (member.type !== 'TSPropertySignature' && member.type !== 'TSMethodSignature') continue;
        if (!hasJsDoc(member)) context.report({ node: member.key ?? member, messageId: 'missing', data: { name: memberName(member), owner, type } });
      }
    }

    /** The object types an alias is made of: `{ … }`, `Base & { … }`. */
    function objectTypes(t, owner, type) {
      if (t.type === 'TSTypeLiteral') checkMembers(t.members, owner, type);
      else if (t.type === 'TSIntersectionType') t.types.forEach((u) => objectTypes(u, owner, type));
    }

    function exported(node) {
      const p = node.parent;
      return p && (p.type === 'ExportNamedDeclaration' || p.type === 'ExportDefaultDeclaration');
    }

    return {
      TSInterfaceDeclaration(node) {
        if (exported(node)) checkMembers(node.body.body, 'interface', node.id.name);
      },
      TSTypeAliasDeclaration(node) {
        if (exported(node)) objectTypes(node.typeAnnotation, 'type', node.id.name);
      },
    };
  },
};
