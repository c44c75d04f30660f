// When nothing fits: which constraint excluded the most offers, and what relaxing each constraint on
// its own would let in (how far, how many offers, the cheapest total). Pure.
import { OFFER_FRESH_MS } from '../deployments/offer-freshness';
import type { Evaluation, Stage } from './evaluate';
import { usd } from './explain';
import type { OfferColumns } from './snapshot';
import type { Workload } from './workload';
import { getGpuModel } from '../catalog/gpus';

export interface Relaxation {
  constraint: Stage;
  /** The value to relax to (a number for caps and minimums); null when the constraint is dropped. */
  suggested: number | null;
  /** Offers that relaxing to `suggested` (or dropping the constraint) would let in. */
  wouldAllow: number;
  cheapestTotalUsd: number | null;
  message: string;
}

export interface Diagnosis {
  message: string;
  mostRestrictive: Stage | null;
  relaxations: Relaxation[];
}

const ceilCents = (micro: number) => Math.ceil(micro / 10_000) * 10_000;
const fmt = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1 });
const plural = (k: number) => `${k} offer${k === 1 ? '' : 's'}`;

/**
 * For a cap (`raise`) or a minimum: the value that lets in `want` of the offers failing only it (enough
 * for a full answer), rounded the way a person would write it, and the offers that value lets in.
 */
function relaxTo(list: number[], value: (i: number) => number, raise: boolean, want: number, round: (x: number) => number) {
  const values = list.map(value);
  const sorted = [...values].sort((a, b) => (raise ? a - b : b - a));
  const suggested = round(sorted[Math.min(want, sorted.length) - 1]!);
  const allowed = list.filter((_, k) => (raise ? values[k]! <= suggested : values[k]! >= suggested));
  return { suggested, allowed };
}

export function diagnose(ev: Evaluation, o: OfferColumns, w: Workload, limit: number): Diagnosis {
  const mostRestrictive = ev.funnel.reduce<Evaluation['funnel'][number] | null>((best, f) => (f.excluded > (best?.excluded ?? 0) ? f : best), null);
  const relaxations: Relaxation[] = [];
  const singles = ev.singleFailures();
  for (const { constraint: stage } of ev.funnel) {
    const list = singles.get(stage);
    if (!list?.length) continue;
    const add = (suggested: number | null, allowed: number[], message: string) => {
      const min = allowed.reduce((m, i) => Math.min(m, ev.totalMicro(i)), Infinity);
      relaxations.push({
        constraint: stage,
        suggested,
        wouldAllow: allowed.length,
        cheapestTotalUsd: Number.isFinite(min) ? min / 1e6 : null,
        message: Number.isFinite(min) ? `${message}; cheapest ${usd(min)} total` : message,
      });
    };
    switch (stage) {
      case 'maxPricePerGpuHour': {
        const { suggested, allowed } = relaxTo(list, (i) => o.pricePerGpuHourMicro[i]!, true, limit, ceilCents);
        add(suggested / 1e6, allowed, `raising maxPricePerGpuHour to ${usd(suggested)} would allow ${plural(allowed.length)}`);
        break;
      }
      case 'budgetUsd': {
        const { suggested, allowed } = relaxTo(list, ev.totalMicro, true, limit, ceilCents);
        add(suggested / 1e6, allowed, `raising budgetUsd to ${usd(suggested)} would allow ${plural(allowed.length)}`);
        break;
      }
      case 'deadline': {
        const { suggested, allowed } = relaxTo(list, (i) => ev.sizingOf(i).hours, true, limit, (x) => Math.ceil(x * 10) / 10);
        add(suggested, allowed, `raising hours (the deadline) to ${fmt(suggested)} would allow ${plural(allowed.length)}`);
        break;
      }
      case 'tokensPerSecond': {
        const { suggested, allowed } = relaxTo(list, (i) => ev.sizingOf(i).tokensPerSecond ?? 0, false, limit, (x) => Math.floor(x * 10) / 10);
        add(suggested, allowed, `lowering tokensPerSecond to ${fmt(suggested)} would allow ${plural(allowed.length)}`);
        break;
      }
      case 'minTflops': {
        const tflops = (i: number) => getGpuModel(o.models[o.model[i]!]!)?.fp16Tflops ?? 0;
        const { suggested, allowed } = relaxTo(list, tflops, false, limit, (x) => x);
        add(suggested, allowed, `lowering minTflops to ${fmt(suggested)} would allow ${plural(allowed.length)}`);
        break;
      }
      case 'gpuCount': {
        const { suggested, allowed } = relaxTo(list, (i) => o.gpuCount[i]!, false, limit, (x) => x);
        add(suggested, allowed, `lowering gpuCount to ${suggested} would allow ${plural(allowed.length)}`);
        break;
      }
      case 'gpuMemory':
        add(null, [], `${plural(list.length)} pass every other constraint but have too little GPU memory for ${fmt(w.totalGb)} GB`);
        break;
      case 'interruptible':
        add(null, list, `allowing interruptible (spot) offers would allow ${plural(list.length)}, expected preemption cost included`);
        break;
      default:
        add(null, list, `dropping ${stage} would allow ${plural(list.length)}`);
    }
  }
  relaxations.sort((a, b) => (a.cheapestTotalUsd ?? Infinity) - (b.cheapestTotalUsd ?? Infinity) || b.wouldAllow - a.wouldAllow);

  let message: string;
  if (ev.market.knownGpu === 0) {
    message =
      ev.market.listed === 0
        ? 'The market has no listed offers right now.'
        : `No listed offer was observed in the last ${OFFER_FRESH_MS / 60_000} minutes with a GPU model we know; prices are refreshed every minute, try again shortly.`;
  } else if (!mostRestrictive) {
    message = 'No offer fits.';
  } else {
    const m = mostRestrictive;
    const largest = ev.largestInstance;
    const why =
      m.constraint === 'gpuMemory'
        ? ` (the job needs ${fmt(w.totalGb)} GB of GPU memory${largest ? `; the largest instance passing your other filters has ${fmt(largest.vramGb)} GB` : ''})`
        : m.constraint === 'gpuCount'
          ? ` (you asked for ${w.minGpuCount} GPUs${largest ? `; the largest instance passing your other filters has ${largest.gpuCount}` : ''})`
          : '';
    const best = relaxations.find((x) => x.wouldAllow > 0);
    message =
      `Nothing fits: ${m.constraint} excluded the most offers, ${m.excluded} of ${ev.market.knownGpu}${why}. ` +
      (best ? `Relaxing one constraint: ${best.message}.` : 'No single constraint relaxed on its own lets an offer in; several bind at once (see funnel).');
  }
  return { message, mostRestrictive: mostRestrictive?.constraint ?? null, relaxations };
}
