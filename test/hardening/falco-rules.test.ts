import { parse } from 'yaml';
import { falcoCustomRules, falcoRuleSet } from '../../lib/hardening/falco-rules';

describe('Falco custom rules', () => {
  const doc = parse(falcoCustomRules()) as Record<string, unknown>[];

  it('is a Falco rules file: lists, macros and rules with every required field', () => {
    expect(Array.isArray(doc)).toBe(true);
    for (const item of doc) {
      if ('rule' in item) {
        for (const f of ['desc', 'condition', 'output', 'priority']) expect(typeof item[f]).toBe('string');
      } else if ('macro' in item) expect(typeof item.condition).toBe('string');
      else expect(Array.isArray(item.items)).toBe(true);
    }
  });

  it('defines every ceres_ list and macro before it is used', () => {
    const defined = new Set<string>();
    for (const item of doc) {
      const text = String(item.condition ?? '');
      for (const ref of text.match(/\bceres_[a-z0-9_]+/g) ?? []) expect({ ref, defined: defined.has(ref) }).toEqual({ ref, defined: true });
      const name = (item.list ?? item.macro) as string | undefined;
      if (name) defined.add(name);
    }
  });

  it('covers the design runtime threats', () => {
    const rules = falcoRuleSet()
      .rules.map((r) => r.rule)
      .join('\n');
    for (const threat of [/shell/i, /below etc/i, /binary dir/i, /outbound/i, /setuid/i, /sensitive file/i, /package manager/i, /miner/i]) {
      expect(rules).toMatch(threat);
    }
  });

  it('watches tenant namespaces for outbound connections', () => {
    const outbound = falcoRuleSet().rules.find((r) => /outbound/i.test(r.rule))!;
    expect(outbound.condition).toContain('ceres_tenant');
    const tenantMacro = falcoRuleSet().macros.find((m) => m.macro === 'ceres_tenant')!;
    expect(tenantMacro.condition).toContain('"tenant-"');
  });
});
