/** Label maps as selectors see them. */
export type Labels = Readonly<Record<string, string>>;

export interface LabelSelectorRequirement {
  /** Label key the requirement tests. */
  readonly key: string;
  /** How the label's value is tested; an unknown operator matches nothing. */
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  /** Values for `In` and `NotIn`; empty for `Exists` and `DoesNotExist`. */
  readonly values?: readonly string[];
}

/** A metav1.LabelSelector. */
export interface LabelSelector {
  /** Labels that must all be present with these values. */
  readonly matchLabels?: Labels;
  /** Requirements that must all hold. */
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/**
 * metav1.LabelSelectorAsSelector + Matches: every matchLabels pair and every expression holds; an
 * empty selector selects everything (NotIn and DoesNotExist hold when the key is absent; an unknown
 * operator matches nothing). Callers decide what an absent selector means.
 */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
