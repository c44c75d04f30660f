// When nothing fits: which constraint excluded the most offers, and what relaxing each constraint on
// its own would let in (how far, how many offers, the cheapest total). Pure.
import { OFFER_FRESH_MS } from '../deployments/offer-freshness';
import type { Evaluation, Measured, Stage } from './evaluate';
import type { Workload } from './workload';

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

const usd = (micro: number) => `$${(micro / 1e6).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const ceilCents = (micro: number) => Math.ceil(micro / 10_000) / 100;
const fmt = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1 });

function cheapest(list: Measured[]): number {
  return list.reduce((min, m) => Math.min(min, m.cost.totalMicro), Infinity);
}

/**
 * For a cap or minimum: the value that lets in `want` of the offers failing only it (enough for a full
 * answer), how many that value lets in (ties included), and the cheapest of them.
 */
function relaxTo(list: Measured[], value: (m: Measured) => number, raise: boolean, want: number, round: (x: number) => number) {
  const sorted = [...list].sort((a, b) => (raise ? value(a) - value(b) : value(b) - value(a)));
  const k = Math.min(want, sorted.length);
  const suggested = round(value(sorted[k - 1]!));
  const allowed = sorted.filter((m) => (raise ? value(m) <= suggested : value(m) >= suggested));
  return { suggested, allowed };
}

export function diagnose(ev: Evaluation, w: Workload, limit: number): Diagnosis {
  const mostRestrictive = ev.funnel.reduce<Evaluation['funnel'][number] | null>((best, f) => (f.excluded > (best?.excluded ?? 0) ? f : best), null);
  const relaxations: Relaxation[] = [];
  for (const { constraint: stage } of ev.funnel) {
    const list = ev.onlyFailing(stage);
    if (!list.length) continue;
    const add = (suggested: number | null, allowed: Measured[], message: string) => {
      const min = cheapest(allowed);
      relaxations.push({
        constraint: stage,
        suggested,
        wouldAllow: allowed.length,
        cheapestTotalUsd: Number.isFinite(min) ? min / 1e6 : null,
        message: Number.isFinite(min) ? `${message}; cheapest ${usd(min)} total` : message,
      });
    };
    const n = (k: number) => `${k} offer${k === 1 ? '' : 's'}`;
    switch (stage) {
      case 'maxPricePerGpuHour': {
        const { suggested, allowed } = relaxTo(list, (m) => m.pricePerGpuHourMicro, true, limit, (x) => ceilCents(x) * 1e6);
        add(suggested / 1e6, allowed, `raising maxPricePerGpuHour to ${usd(suggested)} would allow ${n(allowed.length)}`);
        break;
      }
      case 'budgetUsd': {
        const { suggested, allowed } = relaxTo(list, (m) => m.cost.totalMicro, true, limit, (x) => ceilCents(x) * 1e6);
        add(suggested / 1e6, allowed, `raising budgetUsd to ${usd(suggested)} would allow ${n(allowed.length)}`);
        break;
      }
      case 'deadline': {
        const { suggested, allowed } = relaxTo(list, (m) => m.sizing.hours, true, limit, (x) => Math.ceil(x * 10) / 10);
        add(suggested, allowed, `raising hours (the deadline) to ${fmt(suggested)} would allow ${n(allowed.length)}`);
        break;
      }
      case 'tokensPerSecond': {
        const { suggested, allowed } = relaxTo(list, (m) => m.sizing.tokensPerSecond ?? 0, false, limit, (x) => Math.floor(x * 10) / 10);
        add(suggested, allowed, `lowering tokensPerSecond to ${fmt(suggested)} would allow ${n(allowed.length)}`);
        break;
      }
      case 'minTflops': {
        const { suggested, allowed } = relaxTo(list, (m) => m.spec.fp16Tflops, false, limit, (x) => x);
        add(suggested, allowed, `lowering minTflops to ${fmt(suggested)} would allow ${n(allowed.length)}`);
        break;
      }
      case 'gpuCount': {
        const { suggested, allowed } = relaxTo(list, (m) => m.gpuCount, false, limit, (x) => x);
        add(suggested, allowed, `lowering gpuCount to ${suggested} would allow ${n(allowed.length)}`);
        break;
      }
      case 'gpuMemory':
        add(null, [], `${n(list.length)} pass every other constraint but have too little GPU memory for ${fmt(w.totalGb)} GB`);
        break;
      case 'interruptible':
        add(null, list, `allowing interruptible (spot) offers would allow ${n(list.length)}, expected preemption cost included`);
        break;
      default:
        add(null, list, `dropping ${stage} would allow ${n(list.length)}`);
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
    const why =
      m.constraint === 'gpuMemory'
        ? ` (the job needs ${fmt(w.totalGb)} GB of GPU memory${ev.largestInstance ? `; the largest instance passing your other filters has ${fmt(ev.largestInstance.vramGb)} GB` : ''})`
        : m.constraint === 'gpuCount'
          ? ` (you asked for ${w.minGpuCount} GPUs${ev.largestInstance ? `; the largest instance passing your other filters has ${ev.largestInstance.gpuCount}` : ''})`
          : '';
    const best = relaxations.find((x) => x.wouldAllow > 0);
    message =
      `Nothing fits: ${m.constraint} excluded the most offers, ${m.excluded} of ${ev.market.knownGpu}${why}. ` +
      (best ? `Relaxing one constraint: ${best.message}.` : 'No single constraint relaxed on its own lets an offer in; several bind at once (see funnel).');
  }
  return { message, mostRestrictive: mostRestrictive?.constraint ?? null, relaxations };
}
