// Template replies: a short plain-English answer built only from the interpretation and the data, so
// every number in it is one the API also returns. Workers AI, when configured, may reword it.
import type { Facts } from './interpretation';
import { describe } from './interpret';
import { PROVIDER_NAMES } from './lexicon';
import type { RecommendationResult } from '../response';
import type { ApiOffer, OfferAnswer } from './offers';
import type { TrendAnswer } from './trend';

export const EXAMPLES = [
  'cheapest 8x H100 in Europe under $25/h',
  'fine-tune a 70B model with LoRA for about 10 hours, budget $300',
  "what's the spot price trend for A100 this week?",
];

const HELP =
  'I can find GPU offers, recommend an offer for a job with its total cost, and show how prices moved. ' +
  `Try: "${EXAMPLES[0]}", "${EXAMPLES[1]}", or "${EXAMPLES[2]}".`;

/** A price as offers quote it: cents, or a tenth of a cent under a dollar. */
export function price(usd: number): string {
  return `$${usd < 1 ? usd.toFixed(3).replace(/0$/, '') : usd.toFixed(2)}`;
}

const providerLabel = (id: string) => PROVIDER_NAMES.find((p) => p.id === id)?.label ?? id;
const PRICING: Record<string, string> = { on_demand: 'on-demand', spot: 'spot', interruptible: 'interruptible' };

export function offerLine(o: ApiOffer): string {
  const where = `${o.region}${o.country ? ` (${o.country})` : ''}`;
  const perGpu = o.gpuCount > 1 ? ` (${price(o.pricePerGpuHourUsd)} per GPU-hour)` : '';
  return `${o.gpuCount}x ${o.gpuModel} on ${providerLabel(o.provider)} in ${where}, ${PRICING[o.pricing] ?? o.pricing}, ${price(o.pricePerHourUsd)}/h${perGpu}`;
}

const quote = (phrases: readonly string[]) => phrases.map((p) => `"${p}"`).join(', ');

export function helpReply(unparsed: readonly string[]): string {
  return unparsed.length ? `I did not understand ${quote(unparsed)}. ${HELP}` : HELP;
}

const DROPPED: Record<NonNullable<OfferAnswer['relaxed']>['dropped'], string> = {
  price: 'Without the price limit',
  location: 'Anywhere in the world',
  pricing: 'With any pricing',
  providers: 'On any provider',
};

export function offersReply(facts: Facts, answer: OfferAnswer): string {
  // The lead word says the order, so the summary leaves it out.
  const summary = describe('search_offers', { ...facts, sort: undefined });
  const [best, ...rest] = answer.offers;
  if (!best) {
    const relaxed = answer.relaxed?.offers[0];
    return relaxed
      ? `No listed offer matches ${summary}. ${DROPPED[answer.relaxed!.dropped]}, the best is ${offerLine(relaxed)}.`
      : `No listed offer matches ${summary}. Try fewer constraints, or another GPU.`;
  }
  const lead = facts.sort === 'fastest' ? 'Fastest' : facts.sort === 'most_vram' ? 'Most VRAM' : 'Cheapest';
  const more = rest.length ? ` ${rest.length} more below.` : '';
  return `${lead} match for ${summary}: ${offerLine(best)}.${more}`;
}

const WINDOW: Record<string, string> = { '24h': 'the last 24 hours', '7d': 'the last 7 days', '30d': 'the last 30 days' };

function pct(change: number): string {
  return `${change > 0 ? '+' : change < 0 ? '−' : '±'}${Math.abs(change).toFixed(1)}%`;
}

export function trendReply(trend: TrendAnswer): string {
  const pricing = trend.pricing === 'all' ? '' : `${PRICING[trend.pricing]} `;
  const lines = trend.series.flatMap((s) => {
    const out: string[] = [];
    if (!s.summary) out.push(`No ${pricing}price history for ${s.model} over ${WINDOW[trend.window]} yet.`);
    else if (s.points.length === 1) out.push(`${s.model} ${pricing}median per GPU-hour: ${price(s.summary.lastMedianUsd)}, the only reading over ${WINDOW[trend.window]} so far.`);
    else {
      const { firstMedianUsd: a, lastMedianUsd: b, changePct, lowUsd, highUsd } = s.summary;
      const move = changePct === 0 ? 'flat at' : changePct > 0 ? 'up' : 'down';
      const from = changePct === 0 ? `${price(b)}` : `from ${price(a)} to ${price(b)}`;
      out.push(`${s.model} ${pricing}median per GPU-hour over ${WINDOW[trend.window]}: ${move} ${from} (${pct(changePct)}), low ${price(lowUsd)}, high ${price(highUsd)}.`);
    }
    const f = s.forecast;
    const end = f?.points[f.points.length - 1];
    if (f && end) {
      out.push(
        `Estimate for the next ${f.horizonHours} hours (an extrapolation, not a quote): ${price(end.pricePerGpuHourUsd)}, ` +
          `80% range ${price(end.lower80Usd)}–${price(end.upper80Usd)}` +
          (f.backtestMapePercent !== null ? `, back-test error ${f.backtestMapePercent.toFixed(1)}%.` : '.'),
      );
    } else if (f) out.push(`No forecast for ${s.model}: ${f.reason}.`);
    return out;
  });
  if (lines.length === 0) lines.push(`No ${pricing}price history over ${WINDOW[trend.window]} yet.`);
  return lines.join(' ');
}

const NEEDS: Record<string, string> = {
  modelParamsB: 'how large the model is (say "a 7B model" or "Llama 3 70B")',
  datasetTokens: 'how long it runs or how much data it reads (say "for 10 hours" or "on 1B tokens")',
  kind: 'what to run, or how many GPUs (say "fine-tune a 7B model" or "4 GPUs")',
};

/** A recommendation request the engine would refuse: say what is missing or wrong, in the user's terms. */
export function needMoreReply(summary: string, issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  const fields = [...new Set(issues.map((i) => String(i.path[0] ?? '')))];
  const asks = fields.flatMap((f) => (NEEDS[f] ? [NEEDS[f]] : []));
  const others = issues.filter((i) => !NEEDS[String(i.path[0] ?? '')]).map((i) => `${String(i.path[0] ?? 'request')} ${i.message}`);
  const parts = [asks.length ? `To recommend an offer I need to know ${asks.join(', and ')}.` : '', others.length ? `I cannot use this: ${others.join('; ')}.` : ''];
  return `I read this as: ${summary}. ${parts.filter(Boolean).join(' ')}`;
}

export function recommendationsReply(facts: Facts, result: RecommendationResult): string {
  const summary = describe('recommend', facts);
  const [best, ...rest] = result.data;
  if (!best) return `No offer fits ${summary}. ${result.diagnosis?.message ?? ''}`.trim();
  const hours = Math.round((best.estimate.hours + best.estimate.expectedExtraHours) * 10) / 10;
  const preemption = best.cost.expectedPreemptionUsd > 0 ? ` with ${price(best.cost.expectedPreemptionUsd)} of expected preemption cost` : '';
  const gpus = best.estimate.gpusUsed !== best.offer.gpuCount ? ` using ${best.estimate.gpusUsed} of its GPUs` : '';
  const why = best.explanation ? ` ${best.explanation.summary}` : '';
  const more = rest.length ? ` ${rest.length} more below.` : '';
  return `Best offer to ${summary}: ${offerLine(best.offer)}${gpus}; about ${hours} h, ${price(best.cost.totalUsd)} in total${preemption}.${why}${more}`;
}

/** Appended when a request was answered but part of it was not understood. */
export function ignoredNote(unparsed: readonly string[]): string {
  return unparsed.length ? ` (I did not understand ${quote(unparsed)}.)` : '';
}
