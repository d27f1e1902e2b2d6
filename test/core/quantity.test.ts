import { knownQuantity, parseQuantity, quantityValue } from '../../lib/core/quantity';

describe('Kubernetes quantities', () => {
  it('reads what resource.ParseQuantity reads: binary and decimal suffixes, millicores, exponents, decimals', () => {
    expect(parseQuantity('128Mi')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseQuantity('500m')).toBeCloseTo(0.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('100M')).toBe(1e8);
    expect(parseQuantity('2e3')).toBe(2000);
    expect(parseQuantity('.5')).toBe(0.5);
    expect(parseQuantity('250u')).toBeCloseTo(0.00025);
  });

  it('refuses what Kubernetes refuses', () => {
    for (const bad of ['', 'Mi', '1.2.3', '10mb', '1 Gi', '1GiB', 'ten']) expect({ bad, value: parseQuantity(bad) }).toEqual({ bad, value: undefined });
  });

  it('is NaN for absent or malformed fields, and throws for a malformed quantity of our own', () => {
    expect(quantityValue(undefined)).toBeNaN();
    expect(quantityValue('oops')).toBeNaN();
    expect(quantityValue(3)).toBe(3);
    expect(quantityValue(' 1Gi ')).toBe(2 ** 30);
    expect(() => knownQuantity('1 GB')).toThrow('not a Kubernetes quantity: "1 GB"');
  });
});
