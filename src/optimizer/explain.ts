// Why one offer ranks where it does: the criteria on which it beats, and loses to, its neighbour in
// the ranking, ordered by how much each moved the TOPSIS score. Pure.
import type { Measured } from './evaluate';
import type { Criterion } from './request';
import { CRITERIA } from './request';

export const DIRECTION: Readonly<Record<Criterion, 'benefit' | 'cost'>> = {
  cost: 'cost',
  time: 'cost',
  freshness: 'benefit',
  availability: 'benefit',
  reliability: 'benefit',
  interruption: 'cost',
};

/** The value TOPSIS ranks on, per criterion. */
export function criterionValue(m: Measured, c: Criterion): number {
  switch (c) {
    case 'cost':
      return m.cost.totalMicro;
    case 'time':
      return m.hours;
    case 'freshness':
      return m.freshness;
    case 'availability':
      return m.availability;
    case 'reliability':
      return m.reliability;
    case 'interruption':
      return m.cost.interruptionProbability;
  }
}

export interface Factor {
  criterion: Criterion;
  /** Share of the weighted, normalised distance between the two on this criterion (> 0). */
  impact: number;
  detail: string;
}

export interface Explanation {
  comparedWith: number;
  relation: 'above' | 'below';
  /** Criteria on which this offer is better than the one compared with, biggest first. */
  advantages: Factor[];
  /** Criteria on which the other one is better. */
  disadvantages: Factor[];
  summary: string;
}

/** Micro-dollars as "$1,234.56". (Not toLocaleString: it builds an Intl formatter per call, ~1 ms each.) */
export function usd(micro: number): string {
  const [whole, cents] = (Math.round(micro / 10_000) / 100).toFixed(2).split('.');
  return `$${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}
const hrs = (h: number) => `${h < 10 ? h.toFixed(2) : h.toFixed(1)} h`;
const pct = (p: number) => `${p < 0.1 ? (p * 100).toFixed(1) : Math.round(p * 100)}%`;
const age = (s: number) => (s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);

/** How `better` beats `worse` on one criterion, as the end of a sentence whose subject is `better`. */
function phrase(c: Criterion, better: Measured, worse: Measured): string {
  switch (c) {
    case 'cost': {
      const b = better.cost.totalMicro;
      const w = worse.cost.totalMicro;
      return `is ${w > 0 ? pct((w - b) / w) : '0%'} cheaper (${usd(b)} vs ${usd(w)} in total)`;
    }
    case 'time':
      return `finishes ${hrs(worse.hours - better.hours)} sooner (${hrs(better.hours)} vs ${hrs(worse.hours)})`;
    case 'freshness':
      return `has a fresher price (seen ${age(better.ageSeconds)} ago vs ${age(worse.ageSeconds)})`;
    case 'availability':
      return 'is available now (the other is limited)';
    case 'reliability':
      return `is on a more reliable provider (${better.reliability.toFixed(2)} vs ${worse.reliability.toFixed(2)})`;
    case 'interruption':
      return better.cost.interruptionProbability === 0
        ? `cannot be preempted (the other has a ${pct(worse.cost.interruptionProbability)} chance of interruption)`
        : `has a lower interruption risk (${pct(better.cost.interruptionProbability)} vs ${pct(worse.cost.interruptionProbability)})`;
  }
}

const list = (parts: string[]) => (parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`);

/**
 * Explains `self` (rank `selfRank`) against `other` (rank `otherRank`). `selfRow`/`otherRow` are their
 * weighted normalised TOPSIS values, in CRITERIA order.
 */
export function explain(
  self: Measured,
  selfRank: number,
  selfRow: ArrayLike<number>,
  other: Measured,
  otherRank: number,
  otherRow: ArrayLike<number>,
): Explanation {
  const advantages: Factor[] = [];
  const disadvantages: Factor[] = [];
  let total = 0;
  const deltas = CRITERIA.map((c, j) => {
    // Positive: self is better on c.
    const d = (DIRECTION[c] === 'benefit' ? 1 : -1) * (selfRow[j]! - otherRow[j]!);
    total += Math.abs(d);
    return d;
  });
  CRITERIA.forEach((c, j) => {
    const d = deltas[j]!;
    if (Math.abs(d) < 1e-12 || criterionValue(self, c) === criterionValue(other, c)) return;
    const impact = total > 0 ? Math.abs(d) / total : 0;
    if (d > 0) advantages.push({ criterion: c, impact, detail: `#${selfRank} ${phrase(c, self, other)}` });
    else disadvantages.push({ criterion: c, impact, detail: `#${otherRank} ${phrase(c, other, self)}` });
  });
  advantages.sort((a, b) => b.impact - a.impact);
  disadvantages.sort((a, b) => b.impact - a.impact);
  const relation = selfRank < otherRank ? 'above' : 'below';
  const strip = (f: Factor) => f.detail.replace(/^#\d+ /, '');
  let summary: string;
  if (!advantages.length && !disadvantages.length) {
    summary = `Tied with #${otherRank} on every weighted criterion; ordered by total cost, then id.`;
  } else if (relation === 'above') {
    summary = advantages.length
      ? `Ranked above #${otherRank} because it ${list(advantages.slice(0, 2).map(strip))}` +
        (disadvantages.length ? `; #${otherRank} ${list(disadvantages.slice(0, 2).map(strip))}.` : '.')
      : `Ranked above #${otherRank} on the tie-break (total cost, then id).`;
  } else {
    summary = disadvantages.length
      ? `Ranked below #${otherRank} because #${otherRank} ${list(disadvantages.slice(0, 2).map(strip))}` +
        (advantages.length ? `; this one ${list(advantages.slice(0, 2).map(strip))}.` : '.')
      : `Ranked below #${otherRank} on the tie-break (total cost, then id).`;
  }
  return { comparedWith: otherRank, relation, advantages, disadvantages, summary };
}
