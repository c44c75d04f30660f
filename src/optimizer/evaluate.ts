// Runs every offer of the snapshot through the request's constraints, in a fixed order (the filter
// chain), and measures the ones that pass: total cost, time, freshness, availability, reliability and
// interruption risk. Pure. Every constraint is checked on every offer, so the same pass also says
// which constraint excluded how many offers and which offers one relaxed constraint would let in.
import { getGpuModel, type GpuSpec } from '../catalog/gpus';
import { OFFER_FRESH_MS } from '../deployments/offer-freshness';
import { usdToMicro } from '../money';
import { hazardPerHour, jobCost, type JobCost } from './cost';
import type { Reliability } from './reliability';
import type { RecommendationRequest } from './request';
import { PRICINGS, type OfferColumns } from './snapshot';
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
const BIT = Object.fromEntries(STAGES.map((s, i) => [s, 1 << i])) as Record<Stage, number>;

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
  candidates: Measured[];
  /** Offers that fail exactly one constraint, by constraint: what relaxing it alone would let in. */
  onlyFailing: Map<Stage, Measured[]>;
  /** Among offers passing every constraint but gpuMemory and gpuCount: the most instance memory and the most GPUs. */
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

  const sizings = new Map<number, Sizing>();
  const sizing = (model: number, spec: GpuSpec, vram: number, count: number): Sizing => {
    const key = (model * 4096 + vram) * 1024 + count;
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
  const candidates: Measured[] = [];
  const onlyFailing = new Map<Stage, Measured[]>();
  let largest: { vramGb: number; gpuCount: number } | null = null;
  const sizeBits = BIT.gpuMemory | BIT.gpuCount;

  for (let i = 0; i < o.n; i++) {
    const observedAt = o.observedAt[i]!;
    if (observedAt < freshSince) continue;
    fresh++;
    const model = o.model[i]!;
    const spec = specs[model];
    if (!spec) continue;
    knownGpu++;
    const provider = o.provider[i]!;
    const pricing = o.pricing[i]!;
    const count = o.gpuCount[i]!;
    const vram = o.vramGbPerGpu[i]!;
    let mask = 0;
    if (!modelOk[model]) mask |= BIT.gpuModels;
    if (!includedOk[provider]) mask |= BIT.providers;
    if (!notExcludedOk[provider]) mask |= BIT.excludeProviders;
    if (!regionOk[o.region[i]!]) mask |= BIT.regions;
    if (!countryOk[o.country[i]!]) mask |= BIT.countries;
    if (!pricingOk[pricing]) mask |= BIT.interruptible;
    if (count < w.minGpuCount) mask |= BIT.gpuCount;
    const s = sizing(model, spec, vram, count);
    if (!s.fitsMemory) mask |= BIT.gpuMemory;
    if (w.minTflopsPerGpu !== null && spec.fp16Tflops < w.minTflopsPerGpu) mask |= BIT.minTflops;
    if (!s.meetsThroughput) mask |= BIT.tokensPerSecond;
    if (!s.meetsDeadline) mask |= BIT.deadline;
    if (o.pricePerGpuHourMicro[i]! > maxPerGpuMicro) mask |= BIT.maxPricePerGpuHour;
    let measured: Measured | null = null;
    const measure = (): Measured => {
      const cost = jobCost(o.pricePerHourMicro[i]!, s.hours, hazards[provider]![pricing]!, costOptions);
      const ageSeconds = Math.max(0, (now - observedAt) / 1000);
      return {
        index: i,
        spec,
        gpuCount: count,
        pricePerGpuHourMicro: o.pricePerGpuHourMicro[i]!,
        sizing: s,
        cost,
        hours: s.hours + cost.expectedExtraHours,
        ageSeconds,
        freshness: 0.5 ** (ageSeconds / FRESHNESS_HALF_LIFE_S),
        availability: o.available[i] ? AVAILABILITY_VALUE.available : AVAILABILITY_VALUE.limited,
        reliability: reliabilities[provider]!,
      };
    };
    if (s.fitsMemory) {
      measured = measure();
      if (measured.cost.totalMicro > budgetMicro) mask |= BIT.budgetUsd;
    }
    if ((mask & ~sizeBits) === 0) {
      largest ??= { vramGb: 0, gpuCount: 0 };
      largest.vramGb = Math.max(largest.vramGb, vram * count);
      largest.gpuCount = Math.max(largest.gpuCount, count);
    }
    if (mask === 0) {
      candidates.push(measured!);
      continue;
    }
    // The lowest set bit is the first constraint in the chain that excluded the offer.
    const first = 31 - Math.clz32(mask & -mask);
    excluded[first]!++;
    if ((mask & (mask - 1)) === 0) {
      const stage = STAGES[first]!;
      let list = onlyFailing.get(stage);
      if (!list) onlyFailing.set(stage, (list = []));
      list.push(measured ?? measure());
    }
  }

  const active = activeStages(r, w);
  const funnel: Evaluation['funnel'] = [];
  let remaining = knownGpu;
  STAGES.forEach((stage, k) => {
    if (!active.has(stage)) return;
    remaining -= excluded[k]!;
    funnel.push({ constraint: stage, excluded: excluded[k]!, remaining });
  });
  return { market: { listed: o.n, fresh, knownGpu }, funnel, candidates, onlyFailing, largestInstance: largest };
}
