import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { K8S_GVK_MEMBERS, K8S_GVK_SPREAD, K8S_LINEAR, K8S_MAP_HELPER, K8S_MAP_QUADRATIC, K8S_QUADRATIC, linearK8sSource } from '../../lib/core/k8s-linear';
import { rng } from '../support/yaml-fuzz';
import { differingMapCopies, generatedMapCopy, MAP_COPY_FORMS } from '../support/map-copies';

const ROOT = join(__dirname, '..', '..');
const K8S_FILE = require.resolve('cdk8s-plus-28/lib/imports/k8s');

/** The final copy as a function of `result`, from the shipped line or the one replacing it. */
const asFunction = (line: string) => new Function('result', line) as (result: Record<string, unknown>) => Record<string, unknown>;

describe("cdk8s-plus-28's Kubernetes kinds loaded with linear converters (lib/core/k8s-linear.ts)", () => {
  it('finds the line in the shipped module and changes nothing else (same line count)', () => {
    const shipped = readFileSync(K8S_FILE, 'utf8');
    const linear = linearK8sSource(shipped);
    const before = shipped.split('\n');
    const after = linear.split('\n');
    expect(after.length).toBe(before.length);
    const changed = before.map((line, i) => [line, after[i], i] as const).filter(([a, b]) => a !== b);
    // Hundreds of converters (a cdk8s-plus-28 that writes the line otherwise fails here, not silently).
    expect(changed.filter(([a, b]) => a === K8S_QUADRATIC && b === K8S_LINEAR).length).toBeGreaterThan(100);
    expect(linear.includes(K8S_QUADRATIC)).toBe(false);
    // The first line gains the map helper after the directive; the other changed lines are map copies, and only they changed.
    expect(before[0]).toBe('"use strict";');
    expect(after[0]).toBe(`"use strict"; ${K8S_MAP_HELPER}`);
    // Each kind's GVK spread (its constructor, manifest and toJson) became its two members named, on the same line.
    const gvkSpread = /^( +)\.\.\.(Kube\w+)\.GVK,$/;
    const gvk = changed.filter(([a]) => gvkSpread.test(a));
    for (const [a, b] of gvk) {
      const [, indent, kind] = gvkSpread.exec(a)!;
      expect(b).toBe(`${indent}apiVersion: ${kind}.GVK.apiVersion, kind: ${kind}.GVK.kind,`);
    }
    expect(gvk.length).toBeGreaterThan(400);
    expect(after.some((line) => /\.\.\.\w+\.GVK\b/.test(line))).toBe(false);
    const maps = changed.filter(([a, b, i]) => i > 0 && !(a === K8S_QUADRATIC && b === K8S_LINEAR) && !gvkSpread.test(a));
    expect(maps.length).toBeGreaterThan(10);
    // Outside the copies, each line is as shipped; each copy became a call with the same map and the same conversion.
    const VALUE = String.raw`i\[1\]|i\[1\]\?\.value|i\[1\]\?\.map\(y => y\)|i\[1\]\?\.map\(y => toJson_\w+\(y\)\)|toJson_\w+\(i\[1\]\)`;
    const copy = new RegExp(
      String.raw`Object\.entries\((obj\.\w+|i\[1\])\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: (${VALUE}) \}\), \{\}\)`,
      'g',
    );
    const call = /__ceresDefinedMembers\((obj\.\w+|i\[1\])(?:, \(v\) => (v\?\.value|v\?\.map\(y => y\)|v\?\.map\(y => toJson_\w+\(y\)\)|toJson_\w+\(v\)))?\)/g;
    for (const [a, b] of maps) {
      const shippedCopies = a.replace(copy, (_, map: string, value: string) => `COPY(${map}: ${value})`);
      const linearCalls = b.replace(call, (_, map: string, value?: string) => `COPY(${map}: ${value === undefined ? 'i[1]' : value.replace(/\bv\b/, 'i[1]')})`);
      expect(shippedCopies).not.toBe(a);
      expect(a.match(K8S_MAP_QUADRATIC)).toEqual(a.match(copy));
      expect(linearCalls).toBe(shippedCopies);
    }
    // Every map copy of the shipped module is one of the forms rewritten (labels, annotations, selectors, quantities).
    expect(after.some((line) => line.includes('.reduce((r, i)'))).toBe(false);
    // `out[key] = value` and a spread differ only for a key `__proto__`: no converter builds one.
    expect(shipped.includes("'__proto__'")).toBe(false);
  });

  it('the linear copy keeps the same members, in the same order, as the shipped one', () => {
    const shipped = asFunction(K8S_QUADRATIC);
    const linear = asFunction(K8S_LINEAR);
    const values = [undefined, null, 0, '', 'x', false, [], {}, [undefined], { a: undefined }];
    const keys = ['a', 'b', 'apiVersion', '2', '10', 'x-kubernetes-int-or-string', '$ref', 'constructor', 'toString', 'hasOwnProperty'];
    const random = rng(5);
    const differing: unknown[] = [];
    for (let n = 0; n < 2000; n++) {
      const result: Record<string, unknown> = {};
      for (let m = Math.floor(random() * 8); m > 0; m--) result[keys[Math.floor(random() * keys.length)]] = values[Math.floor(random() * values.length)];
      const want = shipped(result);
      const got = linear(result);
      if (JSON.stringify(Object.keys(got)) !== JSON.stringify(Object.keys(want)) || Object.keys(got).some((k) => got[k] !== want[k])) differing.push(result);
    }
    expect(differing).toEqual([]);
  });

  it("names a GVK's two members where the shipped module spreads it: the same object, since every kind's GVK is exactly apiVersion then kind", () => {
    // The shipped kinds, not the hooked ones: their GVKs are what the rewrite reads.
    const shipped = require(K8S_FILE) as Record<string, unknown>;
    const kinds = Object.entries(shipped).filter(([, c]) => typeof c === 'function' && 'GVK' in c) as [string, { GVK: object }][];
    expect(kinds.length).toBeGreaterThan(130);
    for (const [name, c] of kinds) {
      expect([name, Reflect.ownKeys(c.GVK)]).toEqual([name, ['apiVersion', 'kind']]);
      for (const key of ['apiVersion', 'kind']) expect(Object.getOwnPropertyDescriptor(c.GVK, key)).toMatchObject({ enumerable: true, writable: true });
    }
    // The rewrite, on a literal: the same members in the same order, also when the props repeat them.
    const GVK = { apiVersion: 'v1', kind: 'K' };
    const literal = (source: string) => new Function('K', 'props', `return {\n${source}\n...props,\n};`) as (k: unknown, p: unknown) => unknown;
    const spread = literal('  ...K.GVK,');
    const named = literal('  ...K.GVK,'.replace(K8S_GVK_SPREAD, K8S_GVK_MEMBERS));
    for (const props of [{}, { metadata: { name: 'n' }, spec: {} }, { kind: 'Other', z: 1, apiVersion: 'v2' }, { 1: 'one' }]) {
      expect(JSON.stringify(named({ GVK }, props))).toBe(JSON.stringify(spread({ GVK }, props)));
    }
  });

  it('rewrites the same map copies and GVK spreads as the import script does in imports/ (lib/ may not load scripts/: the patterns are written in both)', () => {
    const { MAP_QUADRATIC } = require('../../scripts/linear-converters.js') as { MAP_QUADRATIC: RegExp };
    expect(K8S_MAP_QUADRATIC.source).toBe(MAP_QUADRATIC.source);
    expect(K8S_MAP_QUADRATIC.flags).toBe(MAP_QUADRATIC.flags);
    const { GVK_SPREAD, GVK_MEMBERS } = require('../../scripts/linear-converters.js') as { GVK_SPREAD: RegExp; GVK_MEMBERS: string };
    expect([K8S_GVK_SPREAD.source, K8S_GVK_SPREAD.flags, K8S_GVK_MEMBERS]).toEqual([GVK_SPREAD.source, GVK_SPREAD.flags, GVK_MEMBERS]);
  });

  it('each map copy gives what the shipped one gives: the same members in the same order, values converted alike', () => {
    const compile = (source: string) =>
      new Function('obj', 'toJson_T', `${source}\nreturn copy;`) as (obj: { m: unknown }, t: (y: unknown) => unknown) => unknown;
    const shipped = (form: string) => compile(`"use strict";\nconst copy = ${generatedMapCopy(form)};`);
    const linear = (form: string) => {
      const source = linearK8sSource(`"use strict";\nconst copy = ${generatedMapCopy(form)};`);
      expect(source).not.toContain('.reduce(');
      return compile(source);
    };
    expect(MAP_COPY_FORMS.length).toBe(5);
    expect(differingMapCopies(shipped, linear, 7)).toEqual([]);
  });

  it('a process that loads the kinds through lib/core/k8s gets the linear module, and the same objects as from the shipped one', () => {
    // One process: the kinds through lib/core/k8s (the hook rewrites the module as it loads), and the
    // shipped module compiled beside it under another name (the hook applies to k8s.js only).
    const probe = `
      const { Module } = require('node:module');
      const { dirname } = require('node:path');
      const fs = require('node:fs');
      const hooked = require('./lib/core/k8s');
      const { linearK8sLoads } = require('./lib/core/k8s-linear');
      const file = ${JSON.stringify(K8S_FILE)};
      const shipped = new Module(file + '.shipped', module);
      shipped.filename = file + '.shipped';
      shipped.paths = Module._nodeModulePaths(dirname(file));
      shipped._compile(fs.readFileSync(file, 'utf8'), file + '.shipped');
      const stock = shipped.exports;
      const { App, Chart } = require('cdk8s');
      const render = (k8s) => {
        const chart = new Chart(new App(), 'c', { namespace: 'ns', labels: { team: 'x' } });
        return [
          new k8s.KubeDeployment(chart, 'd', {
            metadata: { name: 'web', annotations: { a: 'b' } },
            spec: {
              replicas: 2,
              selector: { matchLabels: { app: 'web' } },
              template: {
                metadata: { labels: { app: 'web' } },
                spec: {
                  containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 8080, name: 'http' }],
                    resources: { limits: { cpu: k8s.Quantity.fromString('500m') } },
                    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
                  affinity: undefined,
                },
              },
            },
          }),
          new k8s.KubeService(chart, 's', { spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: k8s.IntOrString.fromString('http') }] } }),
          new k8s.KubeNetworkPolicy(chart, 'n', { spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'],
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } } }], ports: [{ port: k8s.IntOrString.fromNumber(443), protocol: 'TCP' }] }] } }),
          new k8s.KubeRoleBinding(chart, 'r', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'Group', name: 'g' }] }),
          new k8s.KubeResourceQuota(chart, 'q', { spec: { hard: { cpu: k8s.Quantity.fromString('2'), pods: k8s.Quantity.fromNumber(10), 'requests.storage': undefined } } }),
        ].map((o) => o.toJson());
      };
      console.log(JSON.stringify({ loads: linearK8sLoads(), hooked: render(hooked), stock: render(stock), diskAsShipped: !fs.readFileSync(file, 'utf8').includes('const out = {}; for (const key in result)') }));
    `;
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', probe], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CERES_K8S_AS_SHIPPED: '' },
    });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as { loads: number; hooked: unknown[]; stock: unknown[]; diskAsShipped: boolean };
    expect(got.loads).toBe(1);
    // The file on disk stays as shipped.
    expect(got.diskAsShipped).toBe(true);
    expect(JSON.stringify(got.hooked)).toBe(JSON.stringify(got.stock));
    expect(got.hooked).toHaveLength(5);
  });
});
