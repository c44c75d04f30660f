// Runs every offer of the snapshot through the request's constraints, in a fixed order (the filter
// chain), and measures the ones that pass: total cost, time, freshness, availability, reliability and
// interruption risk. Pure. The same pass counts which constraint excluded how many offers (the
// funnel) and, when nothing fits, which offers one relaxed constraint would let in.
//
// It runs over ~100k offers per request, so the loop allocates nothing per offer: criteria go into
// typed columns, and an offer becomes an object (`measure`) only when it is shown, explained, or
// named in a diagnosis. The funnel needs only each offer's first failing constraint, so the usual pass
// stops at it, and does not visit the offers of GPU models the request leaves out at all (they all
// fail `gpuModels`, the first constraint: counting them is enough). Only when nothing fits does a
// second, full pass record every constraint each offer fails (a bit mask per offer), which is what
// "relaxing this one alone would let in" needs.
import { getGpuModel, type GpuSpec } from '../catalog/gpus';
import { OFFER_FRESH_MS } from '../deployments/offer-freshness';
import { usdToMicro } from '../money';
import { hazardPerHour, jobCost, RESTART_HOURS, type JobCost } from './cost';
import type { Reliability } from './reliability';
import { CRITERIA, type Criterion, type RecommendationRequest } from './request';
import { countAtLeast, PRICINGS, type OfferColumns } from './snapshot';
import { sizeOn, type Sizing, type Workload } from './workload';

/** The filter chain, in order. An offer excluded by several is counted against the first. */
export const STAGES = [
  'gpuModels',
  'providers',
  'excludeProviders',
  'regions',
  'countries',
  'interruptible',
  'gpuCount',
  'gpuMemory',
  'minTflops',
  'tokensPerSecond',
  'deadline',
  'maxPricePerGpuHour',
  'budgetUsd',
] as const;
export type Stage = (typeof STAGES)[number];
export const STAGE_BIT = Object.fromEntries(STAGES.map((s, i) => [s, 1 << i])) as Record<Stage, number>;
/** Mask of an offer outside the universe (not fresh, or a GPU without specs). */
const OUTSIDE = -1;

/** Freshness halves every 5 minutes of age: 1 for a price seen now, 0.25 at the 10-minute limit. */
export const FRESHNESS_HALF_LIFE_S = 300;
export const AVAILABILITY_VALUE = { available: 1, limited: 0.5 } as const;

/** What one offer would be for this workload. */
export interface Measured {
  index: number;
  spec: GpuSpec;
  gpuCount: number;
  pricePerGpuHourMicro: number;
  sizing: Sizing;
  cost: JobCost;
  /** Run time plus the expected restart and redo time. */
  hours: number;
  ageSeconds: number;
  freshness: number;
  availability: number;
  reliability: number;
}

export interface Evaluation {
  market: { listed: number; fresh: number; knownGpu: number };
  /** Active constraints in chain order: how many offers each excluded first, and how many remained. */
  funnel: { constraint: Stage; excluded: number; remaining: number }[];
  /** Offer indices (into the snapshot) that meet every constraint. */
  candidates: Int32Array;
  /** Criterion values of the candidates, one column per criterion in CRITERIA order. */
  columns: Float64Array[];
  /** The offer as an object, for the few that are shown or explained. */
  measure(index: number): Measured;
  /** Offers that fail exactly one constraint, by constraint: what relaxing it alone would let in (only when nothing fits). */
  singleFailures(): Map<Stage, number[]>;
  /** Total job cost of an offer that fits in memory, micro-dollars (Infinity otherwise). */
  totalMicro(index: number): number;
  sizingOf(index: number): Sizing;
  /** Among offers passing every constraint but gpuMemory and gpuCount: the most instance memory and the most GPUs (only when nothing fits). */
  largestInstance: { vramGb: number; gpuCount: number } | null;
}

export function activeStages(r: RecommendationRequest, w: Workload): Set<Stage> {
  const active = new Set<Stage>();
  if (r.gpuModels) active.add('gpuModels');
  if (r.providers) active.add('providers');
  if (r.excludeProviders) active.add('excludeProviders');
  if (r.regions) active.add('regions');
  if (r.countries) active.add('countries');
  if (!r.interruptible) active.add('interruptible');
  if (w.minGpuCount > 1) active.add('gpuCount');
  if (w.totalGb > 0) active.add('gpuMemory');
  if (w.minTflopsPerGpu !== null) active.add('minTflops');
  if (w.minTokensPerSecond !== null) active.add('tokensPerSecond');
  if (w.deadlineHours !== null) active.add('deadline');
  if (r.maxPricePerGpuHour !== undefined) active.add('maxPricePerGpuHour');
  if (r.budgetUsd !== undefined) active.add('budgetUsd');
  return active;
}

export function evaluate(o: OfferColumns, w: Workload, r: RecommendationRequest, now: number, reliabilityOf: (provider: string) => Reliability): Evaluation {
  const first = evaluatePass(o, w, r, now, reliabilityOf, false);
  return first.candidates.length > 0 ? first : evaluatePass(o, w, r, now, reliabilityOf, true);
}

function evaluatePass(
  o: OfferColumns,
  w: Workload,
  r: RecommendationRequest,
  now: number,
  reliabilityOf: (provider: string) => Reliability,
  full: boolean,
): Evaluation {
  // Everything that depends only on an interned value is decided once per value, not per offer.
  const specs = o.models.map((m) => getGpuModel(m));
  const modelOk = o.models.map((m) => !r.gpuModels || r.gpuModels.includes(m));
  const includedOk = o.providers.map((p) => !r.providers || r.providers.includes(p));
  const notExcludedOk = o.providers.map((p) => !r.excludeProviders?.includes(p));
  const prefixes = r.regions?.map((p) => p.toLowerCase());
  const regionOk = o.regions.map((region) => !prefixes || prefixes.some((p) => region.toLowerCase().startsWith(p)));
  const countryOk = o.countries.map((c) => !r.countries || (c !== null && r.countries.includes(c)));
  const pricingOk = PRICINGS.map((p) => r.interruptible === true || p === 'on_demand');
  const hazards = o.providers.map((p) => PRICINGS.map((pricing) => hazardPerHour(p, pricing)));
  const reliabilities = o.providers.map((p) => reliabilityOf(p).score);
  const maxPerGpuMicro = r.maxPricePerGpuHour === undefined ? Infinity : usdToMicro(r.maxPricePerGpuHour);
  const budgetMicro = r.budgetUsd === undefined ? Infinity : usdToMicro(r.budgetUsd);
  const costOptions = { losesWork: w.losesWork, checkpointIntervalHours: w.checkpointIntervalHours };
  // jobCost's arithmetic, inline below so the loop allocates nothing (see cost.ts for the model).
  const lostPerInterruption = RESTART_HOURS + (w.losesWork ? w.checkpointIntervalHours / 2 : 0);

  const sizings = new Map<number, Sizing>();
  const sizing = (model: number, spec: GpuSpec, vram: number, count: number): Sizing => {
    // Small integers (models < 2^9, GB < 2^12, GPUs < 2^10): the Map hashes them without boxing.
    const key = (model * 4096 + Math.round(vram)) * 1024 + count;
    let s = sizings.get(key);
    if (!s) {
      s = sizeOn(w, spec, vram, count);
      sizings.set(key, s);
    }
    return s;
  };

  const freshSince = now - OFFER_FRESH_MS;
  let fresh = 0;
  let knownGpu = 0;
  const excluded = new Array<number>(STAGES.length).fill(0);
  // Per offer: every constraint it fails (full pass only; OUTSIDE for offers not evaluated).
  const masks = new Int32Array(full ? o.n : 0);
  // Candidates and their criteria in typed buffers that double when full, cut to size at the end.
  let m = 0;
  let capacity = Math.min(o.n, 8192);
  let candidateList = new Int32Array(capacity);
  let cost = new Float64Array(capacity);
  let time = new Float64Array(capacity);
  let freshness = new Float64Array(capacity);
  let availability = new Float64Array(capacity);
  let reliability = new Float64Array(capacity);
  let interruption = new Float64Array(capacity);
  const grow = () => {
    capacity = Math.min(o.n, capacity * 2);
    const more = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(capacity);
      b.set(a);
      return b;
    };
    candidateList = more(candidateList);
    cost = more(cost);
    time = more(time);
    freshness = more(freshness);
    availability = more(availability);
    reliability = more(reliability);
    interruption = more(interruption);
  };
  let largestVram = -1;
  let largestCount = -1;
  const sizeBits = STAGE_BIT.gpuMemory | STAGE_BIT.gpuCount;

  for (let model = 0; model < o.models.length; model++) {
    const spec = specs[model];
    if (!full && (!spec || !modelOk[model])) {
      const freshHere = countAtLeast(o.observedByModel[model]!, freshSince);
      fresh += freshHere;
      if (spec) {
        knownGpu += freshHere;
        excluded[0]! += freshHere;
      }
      continue;
    }
    const list = o.byModel[model]!;
    for (let k = 0; k < list.length; k++) {
      const i = list[k]!;
      const observedAt = o.observedAt[i]!;
      if (observedAt < freshSince || !spec) {
        if (full) masks[i] = OUTSIDE;
        if (observedAt >= freshSince) fresh++;
        continue;
      }
      fresh++;
      knownGpu++;
      const provider = o.provider[i]!;
      const pricing = o.pricing[i]!;
      const count = o.gpuCount[i]!;
      const vram = o.vramGbPerGpu[i]!;
      // Constraints in STAGES order. Without `full`, the first failure ends the offer's evaluation.
      let mask = 0;
      if (!modelOk[model]) mask |= STAGE_BIT.gpuModels;
      if (!includedOk[provider]) mask |= STAGE_BIT.providers;
      if (!notExcludedOk[provider]) mask |= STAGE_BIT.excludeProviders;
      if (!regionOk[o.region[i]!]) mask |= STAGE_BIT.regions;
      if (!countryOk[o.country[i]!]) mask |= STAGE_BIT.countries;
      if (!pricingOk[pricing]) mask |= STAGE_BIT.interruptible;
      if (count < w.minGpuCount) mask |= STAGE_BIT.gpuCount;
      if (mask !== 0 && !full) {
        excluded[31 - Math.clz32(mask & -mask)]!++;
        continue;
      }
      const s = sizing(model, spec, vram, count);
      if (!s.fitsMemory) mask |= STAGE_BIT.gpuMemory;
      if (w.minTflopsPerGpu !== null && spec.fp16Tflops < w.minTflopsPerGpu) mask |= STAGE_BIT.minTflops;
      if (!s.meetsThroughput) mask |= STAGE_BIT.tokensPerSecond;
      if (!s.meetsDeadline) mask |= STAGE_BIT.deadline;
      if (o.pricePerGpuHourMicro[i]! > maxPerGpuMicro) mask |= STAGE_BIT.maxPricePerGpuHour;
      if (mask !== 0 && !full) {
        excluded[31 - Math.clz32(mask & -mask)]!++;
        continue;
      }
      let totalMicro = 0;
      let extraHours = 0;
      let expected = 0;
      if (s.fitsMemory) {
        const price = o.pricePerHourMicro[i]!;
        expected = hazards[provider]![pricing]! * s.hours;
        extraHours = expected * lostPerInterruption;
        totalMicro = Math.round(price * s.hours) + Math.round(price * extraHours);
        if (totalMicro > budgetMicro) mask |= STAGE_BIT.budgetUsd;
      }
      if (full) masks[i] = mask;
      if (full && (mask & ~sizeBits) === 0) {
        if (vram * count > largestVram) largestVram = vram * count;
        if (count > largestCount) largestCount = count;
      }
      if (mask === 0) {
        if (m === capacity) grow();
        candidateList[m] = i;
        cost[m] = totalMicro;
        time[m] = s.hours + extraHours;
        const ageSeconds = Math.max(0, (now - observedAt) / 1000);
        freshness[m] = 0.5 ** (ageSeconds / FRESHNESS_HALF_LIFE_S);
        availability[m] = o.available[i] ? AVAILABILITY_VALUE.available : AVAILABILITY_VALUE.limited;
        reliability[m] = reliabilities[provider]!;
        interruption[m] = 1 - Math.exp(-expected);
        m++;
        continue;
      }
      // The lowest set bit is the first constraint in the chain that excluded the offer.
      excluded[31 - Math.clz32(mask & -mask)]!++;
    }
  }

  const measure = (i: number): Measured => {
    const model = o.model[i]!;
    const spec = specs[model]!;
    const provider = o.provider[i]!;
    const pricing = o.pricing[i]!;
    const s = sizing(model, spec, o.vramGbPerGpu[i]!, o.gpuCount[i]!);
    const c = jobCost(o.pricePerHourMicro[i]!, s.hours, hazards[provider]![pricing]!, costOptions);
    const ageSeconds = Math.max(0, (now - o.observedAt[i]!) / 1000);
    return {
      index: i,
      spec,
      gpuCount: o.gpuCount[i]!,
      pricePerGpuHourMicro: o.pricePerGpuHourMicro[i]!,
      sizing: s,
      cost: c,
      hours: s.hours + c.expectedExtraHours,
      ageSeconds,
      freshness: 0.5 ** (ageSeconds / FRESHNESS_HALF_LIFE_S),
      availability: o.available[i] ? AVAILABILITY_VALUE.available : AVAILABILITY_VALUE.limited,
      reliability: reliabilities[provider]!,
    };
  };
  const sizingOf = (i: number): Sizing => {
    const model = o.model[i]!;
    return sizing(model, specs[model]!, o.vramGbPerGpu[i]!, o.gpuCount[i]!);
  };
  const totalMicro = (i: number): number => {
    const s = sizingOf(i);
    if (!s.fitsMemory) return Infinity;
    const price = o.pricePerHourMicro[i]!;
    const extraHours = hazards[o.provider[i]!]![o.pricing[i]!]! * s.hours * lostPerInterruption;
    return Math.round(price * s.hours) + Math.round(price * extraHours);
  };
  let singles: Map<Stage, number[]> | null = null;
  const singleFailures = (): Map<Stage, number[]> => {
    if (!full) throw new Error('singleFailures needs the full pass (it runs when nothing fits)');
    if (!singles) {
      singles = new Map();
      for (let i = 0; i < o.n; i++) {
        const mask = masks[i]!;
        // One bit set (and not OUTSIDE, which is all bits).
        if (mask <= 0 || (mask & (mask - 1)) !== 0) continue;
        const stage = STAGES[31 - Math.clz32(mask)]!;
        let list = singles.get(stage);
        if (!list) singles.set(stage, (list = []));
        list.push(i);
      }
    }
    return singles;
  };

  const active = activeStages(r, w);
  const funnel: Evaluation['funnel'] = [];
  let remaining = knownGpu;
  STAGES.forEach((stage, k) => {
    if (!active.has(stage)) return;
    remaining -= excluded[k]!;
    funnel.push({ constraint: stage, excluded: excluded[k]!, remaining });
  });
  const byCriterion: Record<Criterion, Float64Array> = { cost, time, freshness, availability, reliability, interruption };
  return {
    market: { listed: o.n, fresh, knownGpu },
    funnel,
    candidates: candidateList.subarray(0, m),
    columns: CRITERIA.map((c) => byCriterion[c].subarray(0, m)),
    measure,
    singleFailures,
    totalMicro,
    sizingOf,
    largestInstance: largestVram < 0 ? null : { vramGb: largestVram, gpuCount: largestCount },
  };
}
