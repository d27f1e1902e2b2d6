import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { toYamlStream } from '../../lib/core/yaml';
import { diffDist, isManifestPath, scanIdentity } from '../../lib/review/manifest-diff';
import { Gen } from '../support/yaml-fuzz';

/**
 * The review reads most objects' identity from their lines (scanIdentity) instead of parsing them:
 * wherever it answers, it must answer what the YAML parser reads (YAML 1.1, as the review parses),
 * and it must answer for what synth writes, or the review parses everything again.
 */
const parsedIdentity = (doc: string) => {
  const m = parseAllDocuments(doc, { version: '1.1' })[0]?.toJS() as
    { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null | undefined;
  if (!m || typeof m !== 'object' || !m.kind || !m.apiVersion) return undefined;
  return { apiVersion: m.apiVersion, kind: m.kind, name: m.metadata?.name ?? '', namespace: m.metadata?.namespace ?? '' };
};
// The yaml module itself (an `import *` is a copy whose properties cannot be spied on).
const yaml = require('yaml') as typeof import('yaml');
const documents = (stream: string) => stream.split(/^---\n/m).filter((d) => d !== '');

/** Asserts that scanIdentity answers as the parser does, or not at all; returns whether it answered. */
function agrees(doc: string): boolean {
  const scanned = scanIdentity(doc);
  if (scanned) expect({ doc, id: scanned }).toEqual({ doc, id: parsedIdentity(doc) });
  return scanned !== undefined;
}

describe('scanIdentity', () => {
  it('reads the identity of every object synth writes (the committed dist/ of dev) as the parser does', () => {
    const dist = join(__dirname, '..', '..', 'dist', 'dev');
    let count = 0;
    for (const e of readdirSync(dist, { withFileTypes: true, recursive: true })) {
      const path = join(e.parentPath ?? e.path, e.name);
      if (!e.isFile() || !isManifestPath(`dev/${relative(dist, path)}`)) continue;
      for (const doc of documents(readFileSync(path, 'utf8'))) {
        expect({ doc, scanned: agrees(doc) }).toEqual({ doc, scanned: true });
        count++;
      }
    }
    expect(count).toBeGreaterThan(300);
  });

  it('answers as the parser does, or leaves it to the parser, for adversarial names, kinds and layouts', () => {
    const gen = new Gen(7);
    let answered = 0;
    for (let i = 0; i < 400; i++) {
      const metadata: Record<string, unknown> = { name: i % 2 ? gen.scalar() : `cm-${i}`, labels: { [gen.key()]: gen.scalar() } };
      if (i % 3) metadata.namespace = i % 4 ? gen.scalar() : 'ns';
      const doc = toYamlStream([{ apiVersion: i % 3 ? 'v1' : gen.scalar(), kind: i % 5 ? 'ConfigMap' : gen.scalar(), metadata, data: gen.value(3) }]);
      if (agrees(doc)) answered++;
    }
    // Objects whose four fields are plain strings in every YAML version (about one in eight here:
    // every fourth has a safe name and namespace, most of those a safe apiVersion and kind) are read
    // without parsing, whatever their other fields hold.
    expect(answered).toBeGreaterThan(40);
    const handWritten = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a, namespace: b }\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: a\nother: *m\n',
      'apiVersion: v1\nkind: ConfigMap\nbase: &b\n  name: x\nmetadata:\n  <<: *b\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n',
      'apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata:\n  name: a\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a"\n',
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 'yes'\n",
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yes\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 0x1F\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a # comment\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: !!str a\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n    name: a\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  - name: a\n',
      'apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\r\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n',
      'apiVersion: v1\nkind: ConfigMap\ndata: x\rkind: Secret\nmetadata:\n  name: a\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: x\u2028name: b\n  name: a\n',
      '? apiVersion\n: v1\nkind: ConfigMap\n',
      'apiVersion: v1\nkind: ConfigMap\ndata: "multi\n  line"\nmetadata:\n  name: a\n',
      '# a comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    name: not-this\n  name: a\n',
      'apiVersion: v1\nkind: ConfigMap\ndata:\n  x: |\n    metadata:\n      name: b\nmetadata:\n  name: a\n',
      'kind: ConfigMap\nmetadata:\n  name: a\n',
      '- apiVersion: v1\n',
    ];
    for (const doc of handWritten) agrees(doc);
    // The comment, the labels and the block scalar's text are not the object's identity.
    expect(scanIdentity(handWritten.find((d) => d.startsWith('# a comment'))!)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: '' });
    expect(scanIdentity(handWritten.find((d) => d.includes('x: |'))!)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: '' });
  });

  it('lets the review list added objects without parsing them, and parse only the changed ones', () => {
    const cm = (name: string, v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data: { v } });
    const before = new Map([['prod/core/a.yaml', toYamlStream([cm('a', '1'), cm('b', '1')])]]);
    const after = new Map([
      ['prod/core/a.yaml', toYamlStream([cm('a', '2'), cm('b', '1')])],
      ['prod/core/new.yaml', toYamlStream([cm('c', '1'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'yes' } }])],
    ]);
    const parse = jest.spyOn(yaml, 'parseAllDocuments');
    try {
      const diff = diffDist(before, after);
      expect(diff.changes.map((c) => `${c.type} ${c.id.namespace}/${String(c.id.name)}`)).toEqual(['changed ns/a', 'added /yes', 'added ns/c']);
      expect(diff.changes[0].diff).toEqual(expect.arrayContaining(['-   v: "1"', '+   v: "2"']));
      // Parsed: the object named `yes` (its name is quoted), nothing else; the changed ConfigMap's
      // diff is its text as written, and a ConfigMap change cannot lose a protection.
      expect(parse.mock.calls.map(([text]) => String(text))).toEqual([expect.stringContaining('name: "yes"')]);
    } finally {
      parse.mockRestore();
    }
  });
});
