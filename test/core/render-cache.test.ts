import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { inEnvironments, synthesize } from '../../apps/synthesize';
import { asciiJson, RenderCache, renderedFileKey, TenantEntries } from '../../lib/core/render-cache';
import type { RenderedTenant } from '../../lib/core/tenant-render';
import { defaultSynthesis } from '../support/synthesis-cache';
import { stacksOnlyCache } from '../support/fixture-stacks';
import { rng } from '../support/yaml-fuzz';

const ROOT = join(__dirname, '..', '..');

/**
 * A stored tenant as read, its files' texts read (they are read when asked for) and without their
 * keys (RenderedFile.key, checked on their own below): what was put, when the entry is whole.
 */
function got(entries: TenantEntries, key: string, group: string): RenderedTenant | undefined {
  const r = entries.get(key, group);
  if (!r) return r;
  return {
    ...r,
    folders: r.folders.map((f) => ({ ...f, manifests: f.manifests.map((m) => ({ file: m.file, checked: m.checked, checkedBy: m.checkedBy, yaml: m.yaml })) })),
  };
}

/** An entry as read: its files as [path, text], and the key of each file the entry names by key. */
function read(cache: RenderCache, key: string): { files: (string | undefined)[][]; meta: unknown } | undefined {
  const entry = cache.getFiles(key);
  return entry && { files: entry.files.map((f) => (f.key === undefined ? [f.path, f.text()] : [f.path, f.text(), f.key])), meta: entry.meta };
}

describe('RenderCache', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ceres-render-cache-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keys by code version, kind and every part', () => {
    const a = new RenderCache(dir, 'build-1');
    const b = new RenderCache(dir, 'build-2');
    expect(a.key('k', { x: 1 })).toBe(a.key('k', { x: 1 }));
    expect(a.key('k', { x: 1 })).not.toBe(b.key('k', { x: 1 }));
    expect(a.key('k', { x: 1 })).not.toBe(a.key('k', { x: 2 }));
    expect(a.key('k', { x: 1 })).not.toBe(a.key('j', { x: 1 }));
    expect(a.key('k', 'ab', 'c')).not.toBe(a.key('k', 'a', 'bc'));
  });

  it('returns the files that were put exactly, and nothing for an entry cut short, lengthened or of another format', () => {
    const cache = new RenderCache(dir, 'v');
    const files: [string, string][] = [
      ['dev/a.yaml', 'kind: A\n'],
      ['dev/empty.yaml', ''],
      ['dev/ü/b.md', 'Müller — 🚀\r\nline\u2028two\n'],
      ['terraform/x.tf.json', '{"a":"\\n"}'],
    ];
    cache.putFiles('env', new Map(files), [{ name: 'dev', objects: 2 }]);
    expect(read(cache, 'env')).toEqual({ files, meta: [{ name: 'dev', objects: 2 }] });
    // Texts larger than the pieces the entry is written in, and many small ones across their ends.
    const many: [string, string][] = [
      ['big', 'é'.repeat(3 << 20)],
      ...Array.from({ length: 9000 }, (_, i): [string, string] => [`f${i}`, `${'x'.repeat(i % 700)}—${i % 7 ? '' : '🚀'}${i}\n`]),
      // Texts of two-byte characters, whose UTF-8 is twice their length, at every fill of the pieces.
      ...Array.from({ length: 4000 }, (_, i): [string, string] => [`é${i}`, 'é'.repeat(100 + ((i * 37) % 900))]),
    ];
    cache.putFiles('many', many, 1);
    expect(read(cache, 'many')?.files).toEqual(many);
    cache.putFiles('none', [], null);
    expect(read(cache, 'none')).toEqual({ files: [], meta: null });
    // An entry written as its files come: nothing to read before it is finished, nothing left when aborted.
    const streamed = cache.filesEntry('streamed');
    for (const [path, text] of files) streamed.add(path, text);
    expect(read(cache, 'streamed')).toBeUndefined();
    streamed.finish('meta');
    streamed.abort();
    expect(read(cache, 'streamed')).toEqual({ files, meta: 'meta' });
    const dropped = cache.filesEntry('dropped');
    dropped.add('a', 'text');
    expect(readdirSync(dir).some((f) => f.startsWith('dropped.files.'))).toBe(true);
    dropped.abort();
    dropped.finish('meta');
    expect(read(cache, 'dropped')).toBeUndefined();
    expect(readdirSync(dir).filter((f) => f.startsWith('dropped.'))).toEqual([]);
    expect(read(cache, 'absent')).toBeUndefined();
    const entry = join(dir, 'env.files');
    const bytes = readFileSync(entry);
    writeFileSync(join(dir, 'cut.files'), bytes.subarray(0, bytes.length - 1));
    expect(read(cache, 'cut')).toBeUndefined();
    writeFileSync(join(dir, 'long.files'), Buffer.concat([bytes, Buffer.from('x')]));
    expect(read(cache, 'long')).toBeUndefined();
    // A byte fewer or more in the texts: their lengths no longer end where the header starts.
    writeFileSync(join(dir, 'short.files'), Buffer.concat([bytes.subarray(0, 3), bytes.subarray(4)]));
    expect(read(cache, 'short')).toBeUndefined();
    writeFileSync(join(dir, 'longer.files'), Buffer.concat([Buffer.from('x'), bytes]));
    expect(read(cache, 'longer')).toBeUndefined();
    expect(bytes.toString('latin1')).toMatch(/\nceres-files 3 \d+\n$/);
    writeFileSync(join(dir, 'other.files'), bytes.toString('latin1').replace(/ceres-files 3 (\d+)\n$/, 'ceres-files 4 $1\n'), 'latin1');
    expect(read(cache, 'other')).toBeUndefined();
    // The format before (texts only, `sizes`) is not read.
    const before = JSON.stringify({ meta: null, sizes: [['a', 1]] });
    writeFileSync(join(dir, 'v2.files'), `a${before}\nceres-files 2 ${before.length}\n`);
    expect(read(cache, 'v2')).toBeUndefined();
    // The format before (header first) is not read.
    const header = JSON.stringify({ meta: null, sizes: [['a', 1]] });
    writeFileSync(join(dir, 'v1.files'), `ceres-files 1 ${header.length}\n${header}a`);
    expect(read(cache, 'v1')).toBeUndefined();
    writeFileSync(join(dir, 'json.files'), JSON.stringify({ files }));
    expect(read(cache, 'json')).toBeUndefined();
    // Pruned with the other entries; a temporary file of a write that never finished goes once it is old
    // (a young one may be another synth's, still writing).
    const abandoned = join(dir, 'gone.files.12345.tmp');
    const writing = join(dir, 'busy.files.12346.tmp');
    writeFileSync(abandoned, 'half');
    writeFileSync(writing, 'half');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(abandoned, hourAgo, hourAgo);
    // An entry of the older format (one JSON document) is never read again, and goes.
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ files }));
    for (let i = 0; i < RenderCache.MAX_ENTRIES + 5; i++) cache.putFiles(`f${i}`, [['p', `${i}`]], i);
    expect([existsSync(abandoned), existsSync(writing), existsSync(join(dir, 'old.json'))]).toEqual([false, true, false]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.files')).length).toBe(RenderCache.MAX_ENTRIES);
    expect(read(cache, `f${RenderCache.MAX_ENTRIES + 4}`)).toEqual({ files: [['p', `${RenderCache.MAX_ENTRIES + 4}`]], meta: RenderCache.MAX_ENTRIES + 4 });
  });

  it('escapes exactly the non-ASCII characters of JSON, wherever they are', () => {
    const pool = ['a', '"', '\\', '\n', 'ü', '—', '\u2028', '\ud83d', '\ude80', '\u0080', '\u007f', '\uffff'];
    // A uniform seeded generator (a linear congruence in floating point loses its low bits: it gave
    // only every fourth value).
    const random = rng(7);
    const next = () => Math.floor(random() * 2 ** 31);
    for (let i = 0; i < 500; i++) {
      const text = Array.from({ length: next() % 12 }, () => pool[next() % pool.length]).join('');
      const json = JSON.stringify({ text, list: [text, text] });
      const bytes = asciiJson(json);
      expect(bytes.every((b) => b < 0x80)).toBe(true);
      const ascii = bytes.toString('latin1');
      expect(JSON.parse(ascii)).toEqual(JSON.parse(json));
      expect(ascii).toBe(json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
      // Only the non-ASCII characters change: each becomes its own six-character escape.
      expect(ascii.length).toBe(
        json.length + 5 * [...json].filter((c) => c.length === 1 && c.charCodeAt(0) > 0x7f).length + 10 * [...json].filter((c) => c.length === 2).length,
      );
    }
  });

  const tenant = (id: string, text: string): RenderedTenant => ({
    tenantId: id,
    folders: [
      {
        name: `tenant-${id}`,
        options: { description: `${text} folder` },
        manifests: [
          {
            file: 'namespace',
            // The objects as checked (what the checks gave, here a fact with the text): kept instead of the objects.
            checked: [{ apiVersion: 'v1', kind: 'Namespace', name: `tenant-${id}`, checks: { fixture: { problems: [`${text} problem`], fact: { d: text } } } }],
            checkedBy: 'fixture',
            yaml: `kind: Namespace\n# ${text}\n`,
          },
          { file: 'empty', checked: [], checkedBy: 'fixture', yaml: '' },
          // Checked by other checks (a render's files all have the same; the entry keeps each file's).
          { file: 'other', checked: [], checkedBy: 'other checks', yaml: '' },
        ],
        files: [['README.md', `# ${text}\r\n`]],
      },
      { name: 'databases', cluster: 'c1', options: {}, manifests: [], files: [] },
    ],
  });
  const packs = () => readdirSync(join(dir, 'tenants')).filter((f) => f.endsWith('.pack'));

  it("names tenants' files in an environment's entry by key: read from the store when asked (not when written), and the entry not used once the store lacks one", () => {
    const cache = new RenderCache(dir, 'v');
    cache.tenants().put('tenant-x', tenant('x', 'ü text'), 'g');
    const key = renderedFileKey('g', 'tenant-x', { name: 'tenant-x' }, 'namespace');
    const entry = cache.filesEntry('env');
    let reads = 0;
    entry.add('dev/a.yaml', 'a: 1\n');
    entry.addKnown('dev/tenant-x/namespace.yaml', key, () => {
      reads++;
      return 'not read: the store has it';
    });
    // A key that names no file of the store: its text is kept in the entry.
    entry.addKnown('dev/b.yaml', 'not/a/file/of/the/store', () => {
      reads++;
      return 'b: 2\n';
    });
    entry.finish(null);
    expect(reads).toBe(1);
    const want = {
      files: [
        ['dev/a.yaml', 'a: 1\n'],
        ['dev/tenant-x/namespace.yaml', 'kind: Namespace\n# ü text\n', key],
        ['dev/b.yaml', 'b: 2\n'],
      ],
      meta: null,
    };
    expect(read(cache, 'env')).toEqual(want);
    expect(read(new RenderCache(dir, 'v'), 'env')).toEqual(want);
    // Named files the store does not have: another tenant, group, file, folder or cluster.
    const absent = [
      renderedFileKey('g', 'tenant-y', { name: 'tenant-x' }, 'namespace'),
      renderedFileKey('h', 'tenant-x', { name: 'tenant-x' }, 'namespace'),
      renderedFileKey('g', 'tenant-x', { name: 'tenant-x' }, 'quota'),
      renderedFileKey('g', 'tenant-x', { name: 'databases' }, 'namespace'),
      renderedFileKey('g', 'tenant-x', { name: 'tenant-x', cluster: 'c1' }, 'namespace'),
    ];
    absent.forEach((k, i) => {
      const e = cache.filesEntry(`absent-${i}`);
      e.add('dev/a.yaml', 'a: 1\n');
      e.addKnown('p', k, () => '');
      e.finish(null);
      expect(read(cache, `absent-${i}`)).toBeUndefined();
    });
    // Nor once the store is gone.
    rmSync(join(dir, 'tenants'), { recursive: true });
    expect(read(new RenderCache(dir, 'v'), 'env')).toBeUndefined();
  });

  it('stores rendered tenants in packs and reads them back exactly, in this process and the next, and nothing of an entry not whole', () => {
    const first = new RenderCache(dir, 'v').tenants();
    const accents = 'Müller — 🚀 "quoted" \u2028 \\';
    const value = tenant('a', accents);
    first.put('t-accents', value, 'g');
    first.put('t-b', tenant('b', 'b'), 'g');
    expect(got(first, 't-accents', 'g')).toEqual(value);
    // Groups are apart: another environment's tenants are not found.
    expect(first.get('t-accents', 'other')).toBeUndefined();
    first.close();
    expect(packs()).toHaveLength(1);
    const pack = join(dir, 'tenants', packs()[0]);
    const bytes = readFileSync(pack);
    // An entry: its first line (key and lengths), the header in ASCII, then the texts as UTF-8.
    const line = /^ceres-tenant 4 t-accents (\d+) (\d+)$/.exec(bytes.toString('latin1', 0, bytes.indexOf(10)))!;
    expect(line).not.toBeNull();
    const headerStart = bytes.indexOf(10) + 1;
    const headerEnd = headerStart + Number(line[1]);
    expect(bytes.subarray(headerStart, headerEnd).every((b) => b < 0x80)).toBe(true);
    expect(bytes.subarray(headerEnd, headerEnd + Number(line[2])).toString('utf8')).toBe(`kind: Namespace\n# ${accents}\n# ${accents}\r\n`);
    // The next synth reads both.
    const next = new RenderCache(dir, 'v').tenants();
    expect(got(next, 't-accents', 'g')).toEqual(value);
    expect(got(next, 't-b', 'g')).toEqual(tenant('b', 'b'));
    next.close();
    // Another code version does not.
    expect(new RenderCache(dir, 'w').tenants().get('t-accents', 'g')).toBeUndefined();
    // Cut short (a synth killed mid-write): the entries before the cut are read, the one cut is not.
    writeFileSync(pack, bytes.subarray(0, bytes.length - 1));
    const cut = new RenderCache(dir, 'v').tenants();
    expect(got(cut, 't-accents', 'g')).toEqual(value);
    expect(cut.get('t-b', 'g')).toBeUndefined();
    cut.close();
    // Lengthened by what is not an entry: both entries still read.
    writeFileSync(pack, Buffer.concat([bytes, Buffer.from('garbage\n')]));
    const longer = new RenderCache(dir, 'v').tenants();
    expect(got(longer, 't-b', 'g')).toEqual(tenant('b', 'b'));
    longer.close();
    // Entries whose header is not ours: an index past the texts, a header beyond ASCII, lengths that disagree.
    const entry = (key: string, tenantJson: string, sizes: number[], texts: string, textsLength = Buffer.byteLength(texts)) => {
      const h = JSON.stringify({ tenant: JSON.parse(tenantJson), sizes });
      return `ceres-tenant 4 ${key} ${Buffer.byteLength(h)} ${textsLength}\n${h}${texts}`;
    };
    const folder = (yaml: number) =>
      `{"tenantId":"a","checkedBy":["c"],"folders":[{"name":"f","options":{},"manifests":[{"file":"x","checked":[],"checkedBy":0,"yaml":${yaml}}],"files":[]}]}`;
    writeFileSync(
      pack,
      entry('t-index', folder(1), [2], 'ab') +
        entry('t-beyond', '{"tenantId":"é","folders":[]}', [], '') +
        entry('t-sizes', folder(0), [3], 'ab') +
        entry('t-unchecked', folder(0).replace('"checked":[],', ''), [2], 'ab') +
        entry('t-checked-by', folder(0).replace('"checkedBy":0', '"checkedBy":1'), [2], 'ab') +
        entry('t-checked-by-text', folder(0).replace('"checkedBy":0', '"checkedBy":"c"'), [2], 'ab') +
        entry('t-fine', folder(0), [2], 'ab'),
    );
    const crafted = new RenderCache(dir, 'v').tenants();
    expect(crafted.get('t-index', 'g')).toBeUndefined();
    expect(crafted.get('t-beyond', 'g')).toBeUndefined();
    expect(crafted.get('t-sizes', 'g')).toBeUndefined();
    expect(crafted.get('t-unchecked', 'g')).toBeUndefined();
    // A file's checkedBy names no entry of the tenant's list (or is the text itself, as format 3 had it).
    expect(crafted.get('t-checked-by', 'g')).toBeUndefined();
    expect(crafted.get('t-checked-by-text', 'g')).toBeUndefined();
    expect(got(crafted, 't-fine', 'g')).toEqual({
      tenantId: 'a',
      folders: [{ name: 'f', options: {}, manifests: [{ file: 'x', checked: [], checkedBy: 'c', yaml: 'ab' }], files: [] }],
    });
    crafted.close();
  });

  it('prunes: a group whose packs hold more of what no synth used is rewritten to what this one used; groups and files no synth used lately go', () => {
    const first = new RenderCache(dir, 'v').tenants();
    for (let i = 0; i < 10; i++) first.put(`t-${i}`, tenant(`${i}`, `${i}`), 'g');
    first.prune();
    // Everything was used: nothing to rewrite.
    expect(packs()).toHaveLength(1);
    // Groups no synth uses now (other environments, code versions): the newest SPARE_GROUPS are kept.
    const old = (i: number) => new Date(Date.now() - (i + 1) * 60_000);
    for (let i = 0; i < TenantEntries.SPARE_GROUPS + 3; i++) {
      const other = new RenderCache(dir, `old-${i}`).tenants();
      other.put('t-x', tenant('x', 'x'), 'g');
      other.close();
    }
    const byGroup = () => new Set(packs().map((f) => f.split('-').slice(0, 2).join('-')));
    const otherPacks = packs().filter((f) => !new RenderCache(dir, 'v').tenants().key('tenants', 'g').startsWith(f.split('-').slice(0, 2).join('-')));
    otherPacks.sort().forEach((f, i) => utimesSync(join(dir, 'tenants', f), old(i), old(i)));
    // Files of older formats are never read again; an abandoned temporary file goes.
    writeFileSync(join(dir, 'tenants', 't-old.tenant'), 'ceres-tenant 1 2\n{}');
    writeFileSync(join(dir, 'tenants', 't-old.json'), '{}');
    const abandoned = join(dir, 'tenants', 'tenants-x-1-1.pack.12345.tmp');
    writeFileSync(abandoned, 'half');
    utimesSync(abandoned, old(60), old(60));
    // A later synth reads two of the ten and stores one: the group's packs hold more it did not use.
    const later = new RenderCache(dir, 'v').tenants();
    expect(got(later, 't-1', 'g')).toEqual(tenant('1', '1'));
    expect(got(later, 't-2', 'g')).toEqual(tenant('2', '2'));
    later.put('t-new', tenant('new', 'new'), 'g');
    later.prune();
    const left = readdirSync(join(dir, 'tenants'));
    expect(left).not.toContain('t-old.tenant');
    expect(left).not.toContain('t-old.json');
    expect(left).not.toContain(basename(abandoned));
    expect(byGroup().size).toBe(1 + TenantEntries.SPARE_GROUPS);
    // The newest of the other groups stayed, the oldest went.
    const kept = new Set(packs());
    expect(otherPacks.slice(0, TenantEntries.SPARE_GROUPS).every((f) => kept.has(f))).toBe(true);
    expect(otherPacks.slice(TenantEntries.SPARE_GROUPS).some((f) => kept.has(f))).toBe(false);
    // The group is one pack again, with exactly what the later synth used.
    const group = new RenderCache(dir, 'v').tenants().key('tenants', 'g');
    expect(packs().filter((f) => f.startsWith(`${group}-`))).toHaveLength(1);
    const after = new RenderCache(dir, 'v').tenants();
    expect(got(after, 't-1', 'g')).toEqual(tenant('1', '1'));
    expect(got(after, 't-2', 'g')).toEqual(tenant('2', '2'));
    expect(got(after, 't-new', 'g')).toEqual(tenant('new', 'new'));
    expect(after.get('t-3', 'g')).toBeUndefined();
    after.close();
  });

  it("prunes: a pack per edit is merged once there are more than MAX_PACKS, the full synth's pack left as it is", () => {
    const group = new RenderCache(dir, 'v').tenants().key('tenants', 'g');
    const ofGroup = () => packs().filter((f) => f.startsWith(`${group}-`));
    const full = new RenderCache(dir, 'v').tenants();
    for (let i = 0; i < 20; i++) full.put(`t-${i}`, tenant(`${i}`, `${i}`), 'g');
    full.prune();
    const [fullPack] = ofGroup();
    // Edits: each reads the twenty and stores one of its own (a pack each).
    for (let e = 0; e < TenantEntries.MAX_PACKS; e++) {
      const edit = new RenderCache(dir, 'v').tenants();
      for (let i = 0; i < 20; i++) expect(edit.get(`t-${i}`, 'g')).toBeDefined();
      for (let k = 0; k < e; k++) expect(edit.get(`t-edit-${k}`, 'g')).toBeDefined();
      edit.put(`t-edit-${e}`, tenant(`e${e}`, `${e}`), 'g');
      edit.prune();
    }
    // The ninth pack made them too many: the edits' packs became one, the full synth's was not rewritten.
    expect(ofGroup()).toHaveLength(2);
    expect(ofGroup()).toContain(fullPack);
    const after = new RenderCache(dir, 'v').tenants();
    for (let e = 0; e < TenantEntries.MAX_PACKS; e++) expect(got(after, `t-edit-${e}`, 'g')).toEqual(tenant(`e${e}`, `${e}`));
    expect(got(after, 't-0', 'g')).toEqual(tenant('0', '0'));
    after.close();
  });

  it('is enabled only by the launcher, and can be turned off', () => {
    expect(RenderCache.fromEnvironment({})).toBeUndefined();
    expect(RenderCache.fromEnvironment({ CERES_RENDER_CACHE: dir, CERES_BUILD_ID: 'x' })).toBeInstanceOf(RenderCache);
    expect(RenderCache.fromEnvironment({ CERES_RENDER_CACHE: dir, CERES_BUILD_ID: 'x', CERES_NO_RENDER_CACHE: '1' })).toBeUndefined();
    // The YAML emitter changes the bytes: it is part of the code version.
    const plain = RenderCache.fromEnvironment({ CERES_RENDER_CACHE: dir, CERES_BUILD_ID: 'x' })!;
    const legacy = RenderCache.fromEnvironment({ CERES_RENDER_CACHE: dir, CERES_BUILD_ID: 'x', CERES_YAML_EMITTER: 'legacy' })!;
    expect(plain.key('k')).not.toBe(legacy.key('k'));
  });
});

describe('synthesis with the render cache', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'ceres-render-cache-synth-'));
    cpSync(join(ROOT, 'apps/platform/tenants'), join(work, 'tenants'), { recursive: true });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('gives byte-identical files from the cache, re-renders only what an edit touches, and equals a full synth after it', () => {
    const cache = new RenderCache(join(work, 'cache'), 'test-build');
    // As `ceres synth` synthesizes (objects not kept: with the cache, rendered tenants are kept as checked, not as objects).
    const options = { tenantsDir: join(work, 'tenants'), environments: ['dev'], keepRendered: false };
    const first = synthesize({ ...options, cache });
    expect(first.summary.every((s) => !s.cached)).toBe(true);
    expect(first.timings.terraformCached).toBe(false);
    // What the cache stored is what a synth without it gives (the shared synthesis of the run).
    const full = defaultSynthesis().files;
    expect(new Map([...first.files].filter(([p]) => p.startsWith('dev/') || p.startsWith('terraform/dev-')))).toEqual(
      new Map([...full].filter(([p]) => p.startsWith('dev/') || p.startsWith('terraform/dev-'))),
    );

    const second = synthesize({ ...options, cache });
    expect(second.summary.map((s) => s.cached)).toEqual([true]);
    expect(second.timings.terraformCached).toBe(true);
    expect(second.files).toEqual(first.files);

    // A tenant's display name: the environment renders again, Terraform (which never reads it) does not.
    const tenant = first.input.tenants.find((t) => t.environments.includes('dev'))!;
    const path = join(work, 'tenants', basename(tenant.source.file));
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace(`displayName: ${tenant.displayName}`, `displayName: ${tenant.displayName} Renamed`));
    expect(readFileSync(path, 'utf8')).not.toBe(text);
    const edited = synthesize({ ...options, cache });
    expect(edited.summary.map((s) => s.cached)).toEqual([undefined]);
    // Within the environment, only that tenant's own files are rendered again; the others' are read (lib/core/tenant-render.ts).
    const inDev = first.input.tenants.filter((t) => t.environments.includes('dev')).length;
    expect(inDev).toBeGreaterThan(1);
    expect(edited.summary[0].tenants).toEqual({ rendered: 1, cached: inDev - 1 });
    expect(edited.timings.terraformCached).toBe(true);
    expect(edited.files).not.toEqual(first.files);
    // A full synth of the edited input: its Kubernetes part rendered whole; its stacks, asserted
    // untouched by the edit above, read back from the run's fixture stacks.
    expect(edited.files).toEqual(synthesize({ ...options, cache: stacksOnlyCache() }).files);
  });

  it('keys an environment by the part of the input it renders: a tenant added elsewhere leaves it cached', () => {
    // The environments' entries in a cache of the test's own; the Terraform stacks, which the keying
    // of environments does not touch, the run's (rendered once per code).
    const cache = stacksOnlyCache({ dir: join(work, 'cache-env'), codeVersion: 'test-build' })!;
    const tenantsDir = join(work, 'tenants-env');
    cpSync(join(ROOT, 'apps/platform/tenants'), tenantsDir, { recursive: true });
    const options = { tenantsDir, environments: ['dev', 'staging'], cache };
    const first = synthesize(options);
    expect(first.summary.map((s) => s.cached)).toEqual([undefined, undefined]);
    // A new tenant in staging only (a fixture name, not a live tenant).
    writeFileSync(
      join(tenantsDir, 'zz-fixture.yaml'),
      [
        'apiVersion: ceres.io/v1',
        'kind: CeresTenant',
        'metadata: { name: fixture-tenant }',
        'spec: { displayName: Fixture, tenantId: fixture-009, keycloakRealm: fixture-realm, databaseSchema: fixture_db, subscriptionLevel: starter, environments: [staging] }',
        '',
      ].join('\n'),
    );
    const second = synthesize(options);
    expect(second.input.tenants.some((t) => t.tenantId === 'fixture-009')).toBe(true);
    expect(second.summary.map((s) => [s.name, s.cached])).toEqual([
      ['dev', true],
      ['staging', undefined],
    ]);
    expect([...second.files.keys()].some((p) => p.startsWith('staging/tenant-fixture-009/'))).toBe(true);
    // The cached dev is what a synth without the cache gives for dev, whose part of the input is the
    // live tenants' (the staging-only tenant is not in it): the run's shared synthesis of that input.
    const fresh = defaultSynthesis().files;
    const dev = (files: Map<string, string>) => new Map([...files].filter(([p]) => inEnvironments(['dev'])(p)));
    expect(dev(fresh).size).toBeGreaterThan(10);
    expect(dev(second.files)).toEqual(dev(fresh));
  });
});
