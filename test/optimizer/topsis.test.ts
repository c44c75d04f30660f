import { describe, expect, it } from 'vitest';
import { topsis } from '../../src/optimizer/topsis';

describe('TOPSIS', () => {
  it('matches a closeness computed by hand', () => {
    // Three alternatives, two criteria: C1 benefit (w 0.6) = 3, 4, 0; C2 cost (w 0.4) = 8, 6, 0.
    // Vector norms: |C1| = sqrt(9 + 16 + 0) = 5, |C2| = sqrt(64 + 36 + 0) = 10.
    // Weighted: C1 = 0.6 × (0.6, 0.8, 0) = (0.36, 0.48, 0); C2 = 0.4 × (0.8, 0.6, 0) = (0.32, 0.24, 0).
    // Ideal = (max C1, min C2) = (0.48, 0); anti-ideal = (0, 0.32).
    // A1: S+ = sqrt(0.12² + 0.32²) = sqrt(0.1168) = 0.341760; S- = sqrt(0.36² + 0²) = 0.36 → C = 0.36 / 0.701760 = 0.512996
    // A2: S+ = sqrt(0² + 0.24²) = 0.24; S- = sqrt(0.48² + 0.08²) = sqrt(0.2368) = 0.486621 → C = 0.486621 / 0.726621 = 0.669704
    // A3: S+ = sqrt(0.48² + 0²) = 0.48; S- = sqrt(0² + 0.32²) = 0.32 → C = 0.32 / 0.8 = 0.4
    const { closeness, weighted } = topsis(
      [
        [3, 4, 0],
        [8, 6, 0],
      ],
      [
        { weight: 0.6, direction: 'benefit' },
        { weight: 0.4, direction: 'cost' },
      ],
    );
    expect(closeness[0]).toBeCloseTo(0.512996, 5);
    expect(closeness[1]).toBeCloseTo(0.669704, 5);
    expect(closeness[2]).toBeCloseTo(0.4, 10);
    // Weighted values of alternative 1: (0.48, 0.24).
    expect(weighted(1)[0]).toBeCloseTo(0.48, 10);
    expect(weighted(1)[1]).toBeCloseTo(0.24, 10);
  });

  it('ignores a column where every alternative is equal, and never gives NaN for a column of zeros', () => {
    const cost = [10, 20, 40];
    const { closeness } = topsis(
      [cost, [5, 5, 5], [0, 0, 0]],
      [
        { weight: 0.5, direction: 'cost' },
        { weight: 0.3, direction: 'benefit' },
        { weight: 0.2, direction: 'cost' },
      ],
    );
    const costOnly = topsis([cost], [{ weight: 0.5, direction: 'cost' }]).closeness;
    for (let i = 0; i < 3; i++) {
      expect(Number.isNaN(closeness[i])).toBe(false);
      expect(closeness[i]).toBeCloseTo(costOnly[i]!, 12);
    }
    // The cheapest is the ideal (1), the dearest the anti-ideal (0).
    expect(closeness[0]).toBe(1);
    expect(closeness[2]).toBe(0);
  });

  it('scores identical alternatives 1 each, and a single alternative 1', () => {
    expect([...topsis([[2, 2], [7, 7]], [{ weight: 0.5, direction: 'benefit' }, { weight: 0.5, direction: 'cost' }]).closeness]).toEqual([1, 1]);
    expect([...topsis([[3]], [{ weight: 1, direction: 'cost' }]).closeness]).toEqual([1]);
    expect(topsis([[]], [{ weight: 1, direction: 'cost' }]).closeness.length).toBe(0);
  });

  it('rejects a non-finite value instead of ranking on it', () => {
    expect(() => topsis([[1, Infinity]], [{ weight: 1, direction: 'cost' }])).toThrow(/not finite/);
  });
});
