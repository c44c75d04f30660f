// From parsed facts to an interpretation: which intent, how a follow-up refines the last request, and
// the structured part each intent runs on (offer filters, a recommendation workload, a trend query),
// plus a one-line restatement. Pure.
import { GPU_MODELS, getGpuModel } from '../../catalog/gpus';
import type { Pricing } from '../../catalog/offer';
import type { z } from '@hono/zod-openapi';
import { DEFAULT_WEIGHTS, type RecommendationRequestSchema } from '../request';
import type { Facts, Intent, OfferFilters, TrendQuery } from './interpretation';
import { PROVIDER_NAMES } from './lexicon';
import { parseMessage, type ParseResult, type Signals } from './parse';

export interface Interpretation {
  intent: Intent;
  /** What was understood, in one line. */
  summary: string;
  filters?: OfferFilters;
  workload?: WorkloadDraft;
  query?: TrendQuery;
  modelName?: string;
  /** Share of the message's meaningful words the deterministic parser understood, 0–1. */
  confidence: number;
  unparsed: string[];
  /** True when the message refined the conversation's last request. */
  refined: boolean;
  /** `parser+ai` when Workers AI supplied fields the parser could not read (listed in `aiFields`). */
  source: 'parser' | 'parser+ai';
  aiFields?: string[];
}

/** The last request of a conversation, as stored with its turn. */
export interface PreviousRequest {
  intent: Intent;
  facts: Facts;
}

/** Fields that describe a job to cost, as opposed to offers to list. */
const WORKLOAD_FIELDS = [
  'kind', 'modelParamsB', 'modelName', 'precision', 'finetuneMethod', 'contextTokens', 'batchSize', 'tokensPerSecond',
  'datasetTokens', 'epochs', 'minTflops', 'hours', 'budgetUsd',
] as const satisfies readonly (keyof Facts)[];
const SEARCH_FIELDS = [
  'gpuModels', 'minGpuCount', 'maxGpuCount', 'minVramGb', 'maxPricePerHour', 'maxPricePerGpuHour', 'countries', 'regions',
  'providers', 'excludeProviders', 'pricing', 'sort', 'limit',
] as const satisfies readonly (keyof Facts)[];

const has = (facts: Facts, fields: readonly (keyof Facts)[]) => fields.some((f) => facts[f] !== undefined);

/**
 * The intent of one message on its own. A trend word wins; a window with nothing to search for is a
 * trend too ("B200 prices over the past month"); anything describing a job is a recommendation; any
 * filter is a search; GPU words alone with nothing unread ("show me gpu offers") are a search of the
 * whole market; the rest is help.
 */
export function intentOf(facts: Facts, signals: Signals, unparsed: readonly string[]): Intent {
  if (signals.trend) return 'price_trend';
  const workload = has(facts, WORKLOAD_FIELDS);
  const counted = facts.minGpuCount !== undefined || facts.maxGpuCount !== undefined;
  const capped = facts.maxPricePerHour !== undefined || facts.maxPricePerGpuHour !== undefined;
  if (facts.window && !workload && !facts.sort && !counted && !capped) return 'price_trend';
  if (workload) return 'recommend';
  if (has(facts, SEARCH_FIELDS)) return 'search_offers';
  if (signals.domain && !signals.help && unparsed.length === 0) return 'search_offers';
  return 'help';
}

/** Facts a new value replaces together: "and in the US?" drops Europe's countries and its region prefixes. */
const GROUPS: ReadonlyArray<readonly (keyof Facts)[]> = [
  ['minGpuCount', 'maxGpuCount'],
  ['maxPricePerHour', 'maxPricePerGpuHour'],
  ['countries', 'regions', 'places'],
  ['providers', 'excludeProviders'],
  ['modelName', 'modelParamsB'],
  ['kind', 'finetuneMethod'],
];

export function mergeFacts(previous: Facts, current: Facts): Facts {
  const merged: Record<string, unknown> = { ...previous };
  const grouped = new Set(GROUPS.flat());
  for (const group of GROUPS) {
    if (!group.some((key) => current[key] !== undefined)) continue;
    for (const key of group) delete merged[key];
    for (const key of group) if (current[key] !== undefined) merged[key] = current[key];
  }
  for (const [key, value] of Object.entries(current)) if (!grouped.has(key as keyof Facts) && value !== undefined) merged[key] = value;
  return merged as Facts;
}

const hasSubject = (facts: Facts) =>
  facts.gpuModels !== undefined || facts.kind !== undefined || facts.modelParamsB !== undefined || facts.modelName !== undefined;

/**
 * Reads a message in the light of the conversation's last request. It refines that request when it
 * says so ("and …", "what about …", "make it …", "… instead") or when it names no subject of its own
 * (no GPU, model or job: "cheaper than $2"); then its facts replace the matching ones of the last
 * request and the rest carry over. A message that understood nothing starts nothing.
 */
export function refine(previous: PreviousRequest | undefined, parsed: ParseResult): { intent: Intent; facts: Facts; refined: boolean } {
  const own = intentOf(parsed.facts, parsed.signals, parsed.unparsed);
  const understoodSomething = Object.keys(parsed.facts).length > 0 || parsed.signals.trend;
  if (!previous || previous.intent === 'help' || !understoodSomething) return { intent: own, facts: parsed.facts, refined: false };
  const followUp = parsed.signals.followUp || !hasSubject(parsed.facts);
  if (!followUp) return { intent: own, facts: parsed.facts, refined: false };

  let facts = mergeFacts(previous.facts, parsed.facts);
  let intent: Intent;
  if (parsed.signals.trend) intent = 'price_trend';
  else if (previous.intent === 'price_trend' && !has(parsed.facts, WORKLOAD_FIELDS) && !parsed.signals.domain) intent = 'price_trend';
  else {
    // Leaving a trend question: its window and forecast do not filter offers.
    const { window: _w, forecast: _f, ...rest } = facts;
    facts = rest;
    intent = has(facts, WORKLOAD_FIELDS) ? 'recommend' : 'search_offers';
  }
  return { intent, facts, refined: true };
}

// ── the structured part of each intent ──────────────────────────────────────────────────────────

/** Spot and interruptible are one kind of offer under two providers' names; asking for either means both. */
function searchPricing(pricing: Facts['pricing']): Pricing[] | undefined {
  if (!pricing) return undefined;
  const out = new Set<Pricing>(pricing);
  if (out.has('spot') || out.has('interruptible')) {
    out.add('spot');
    out.add('interruptible');
  }
  return (['on_demand', 'spot', 'interruptible'] as const).filter((p) => out.has(p));
}

export function offerFilters(facts: Facts): OfferFilters {
  const filters: OfferFilters = {
    gpuModels: facts.gpuModels,
    minGpuCount: facts.minGpuCount,
    maxGpuCount: facts.maxGpuCount,
    minVramGb: facts.minVramGb,
    maxPricePerHour: facts.maxPricePerHour,
    maxPricePerGpuHour: facts.maxPricePerGpuHour,
    countries: facts.countries,
    regions: facts.regions,
    providers: facts.providers,
    excludeProviders: facts.excludeProviders,
    pricing: searchPricing(facts.pricing),
    sort: facts.sort,
    limit: facts.limit,
  };
  return dropUndefined(filters);
}

/** The recommendation request a `recommend` interpretation sends, before the engine's schema parses it. */
export type WorkloadDraft = z.input<typeof RecommendationRequestSchema>;

/**
 * The facts as a request to the recommendations engine. Its `gpuMemoryGb` is the whole instance's
 * memory, so a per-GPU VRAM wish is multiplied by the count (and left out for a described job, whose
 * memory the engine computes). GPUs with no job ("A100s for 3 hours") are raw needs of at least one
 * GPU. A whole-instance price cap becomes a per-GPU one; spot or interruptible words allow
 * interruptible offers, on-demand words forbid them; "cheapest" doubles the cost weight and
 * "fastest" triples the time weight of the engine's defaults.
 */
export function workloadOf(facts: Facts): WorkloadDraft {
  const count = facts.minGpuCount ?? facts.maxGpuCount;
  const described = facts.kind !== undefined;
  const gpuMemoryGb = !described && facts.minVramGb !== undefined ? facts.minVramGb * (count ?? 1) : undefined;
  const raw = gpuMemoryGb !== undefined || count !== undefined || facts.minTflops !== undefined;
  const perGpuCap =
    facts.maxPricePerGpuHour ??
    (facts.maxPricePerHour !== undefined ? Math.round((facts.maxPricePerHour / (count ?? 1)) * 1e6) / 1e6 : undefined);
  const pricing = facts.pricing;
  const weights =
    facts.sort === 'cheapest' ? { ...DEFAULT_WEIGHTS, cost: DEFAULT_WEIGHTS.cost * 2 } : facts.sort === 'fastest' ? { ...DEFAULT_WEIGHTS, time: DEFAULT_WEIGHTS.time * 3 } : undefined;
  return dropUndefined({
    kind: facts.kind,
    modelParamsB: facts.modelParamsB,
    precision: facts.precision,
    finetuneMethod: facts.finetuneMethod,
    contextTokens: facts.contextTokens,
    batchSize: facts.batchSize,
    tokensPerSecond: facts.tokensPerSecond,
    datasetTokens: facts.datasetTokens,
    epochs: facts.epochs,
    gpuMemoryGb,
    gpuCount: count ?? (!described && !raw ? 1 : undefined),
    minTflops: facts.minTflops,
    hours: facts.hours,
    gpuModels: facts.gpuModels,
    budgetUsd: facts.budgetUsd,
    maxPricePerGpuHour: perGpuCap,
    interruptible: !pricing ? undefined : pricing.some((p) => p !== 'on_demand'),
    regions: facts.regions,
    countries: facts.countries,
    providers: facts.providers,
    excludeProviders: facts.excludeProviders,
    weights,
    limit: facts.limit,
  });
}

export const DEFAULT_TREND_WINDOW = '7d';

export function trendQuery(facts: Facts): TrendQuery {
  // History is kept per pricing type; "spot" alone asks about spot, anything mixed about all.
  const pricing = facts.pricing?.length === 1 ? facts.pricing[0]! : 'all';
  return dropUndefined({ gpuModels: facts.gpuModels, pricing, window: facts.window ?? DEFAULT_TREND_WINDOW, forecast: facts.forecast ?? false });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The interpretation of a turn whose intent and (refined) facts are decided. */
export function buildInterpretation(intent: Intent, facts: Facts, parsed: ParseResult, refined: boolean, aiFields: string[] = []): Interpretation {
  return {
    intent,
    summary: describe(intent, facts),
    ...(intent === 'search_offers' ? { filters: offerFilters(facts) } : {}),
    ...(intent === 'recommend' ? { workload: workloadOf(facts) } : {}),
    ...(intent === 'price_trend' ? { query: trendQuery(facts) } : {}),
    ...(facts.modelName ? { modelName: facts.modelName } : {}),
    confidence: parsed.confidence,
    unparsed: parsed.unparsed,
    refined,
    source: aiFields.length ? 'parser+ai' : 'parser',
    ...(aiFields.length ? { aiFields } : {}),
  };
}

/** The deterministic reading of one message, in the light of the last request: what tests and the no-AI path use. */
export function understand(message: string, previous?: PreviousRequest): { interpretation: Interpretation; request: PreviousRequest } {
  const parsed = parseMessage(message);
  const { intent, facts, refined } = refine(previous, parsed);
  return { interpretation: buildInterpretation(intent, facts, parsed, refined), request: { intent, facts } };
}

// ── a one-line restatement ───────────────────────────────────────────────────────────────────────

/** "$25", "$2.50", "$1,500". */
export function usd(amount: number): string {
  const whole = Number.isInteger(amount);
  const text = whole ? String(amount) : amount.toFixed(amount < 1 ? Math.max(2, String(amount).split('.')[1]?.length ?? 2) : 2);
  const [int, frac] = text.split('.');
  return `$${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${frac ? '.' + frac : ''}`;
}

/** "H100" for the whole H100 family, else the canonical names joined. */
export function gpuLabel(models: readonly string[] | undefined): string | undefined {
  if (!models?.length) return undefined;
  const first = getGpuModel(models[0]!);
  const family = first ? GPU_MODELS.filter((s) => s.family === first.family).map((s) => s.name) : [];
  if (family.length > 1 && family.length === models.length && family.every((n) => models.includes(n))) return first!.family;
  return models.join(' or ');
}

function countLabel(facts: Facts): string {
  const { minGpuCount: min, maxGpuCount: max } = facts;
  if (min !== undefined && min === max) return `${min}x `;
  if (min !== undefined && max !== undefined) return `${min}–${max}x `;
  if (min !== undefined) return `${min}+x `;
  if (max !== undefined) return `up to ${max}x `;
  return '';
}

const providerLabel = (id: string) => PROVIDER_NAMES.find((p) => p.id === id)?.label ?? id;

function whereLabel(facts: Facts): string {
  const parts: string[] = [];
  // Comma-free pieces, so the caller can join them to the GPU words with spaces.
  const places = facts.places ?? (facts.countries && facts.countries.length <= 5 ? facts.countries : undefined);
  if (places) parts.push(`in ${places.join(' or ')}`);
  else if (facts.countries) parts.push(`in ${facts.countries.length} countries`);
  if (facts.regions) parts.push(`in ${facts.regions.join(' or ')}`);
  if (facts.providers) parts.push(`on ${facts.providers.map(providerLabel).join(' or ')}`);
  if (facts.excludeProviders) parts.push(`not on ${facts.excludeProviders.map(providerLabel).join(' or ')}`);
  return parts.join(' ');
}

function priceLabel(facts: Facts): string {
  const parts: string[] = [];
  if (facts.maxPricePerHour !== undefined) parts.push(`under ${usd(facts.maxPricePerHour)}/h`);
  if (facts.maxPricePerGpuHour !== undefined) parts.push(`under ${usd(facts.maxPricePerGpuHour)} per GPU-hour`);
  if (facts.budgetUsd !== undefined) parts.push(`budget ${usd(facts.budgetUsd)}`);
  return parts.join(', ');
}

const PRICING_LABEL: Record<Pricing, string> = { on_demand: 'on-demand', spot: 'spot', interruptible: 'interruptible' };
const KIND_LABEL: Record<NonNullable<Facts['kind']>, string> = {
  llm_inference: 'serve',
  llm_finetune: 'fine-tune',
  training: 'train',
  image_generation: 'generate images with',
  batch: 'run a batch job with',
};
const SORT_LABEL: Record<NonNullable<Facts['sort']>, string> = { cheapest: 'cheapest first', fastest: 'fastest first', most_vram: 'most VRAM first' };
const WINDOW_LABEL: Record<string, string> = { '24h': 'the last 24 hours', '7d': 'the last 7 days', '30d': 'the last 30 days' };

/** "10B", "500M", "1.5T". */
function tokensLabel(tokens: number): string {
  for (const [scale, suffix] of [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (tokens >= scale) return `${Math.round((tokens / scale) * 10) / 10}${suffix}`;
  }
  return String(tokens);
}

function hoursLabel(hours: number): string {
  if (hours >= 48 && hours % 24 === 0) return `${hours / 24} days`;
  return `${hours} hour${hours === 1 ? '' : 's'}`;
}

/** What the assistant understood, in one line: "8x H100 in Europe, under $25/h, cheapest first". */
export function describe(intent: Intent, facts: Facts): string {
  const join = (parts: Array<string | undefined | false>) => parts.filter((p): p is string => !!p).join(', ');
  const gpus = gpuLabel(facts.gpuModels);
  const pricing = facts.pricing?.map((p) => PRICING_LABEL[p]).join(' or ');
  const vram = facts.minVramGb !== undefined ? `with at least ${facts.minVramGb} GB each` : undefined;
  if (intent === 'search_offers') {
    const what = `${countLabel(facts)}${pricing ? pricing + ' ' : ''}${gpus ?? 'GPUs'}`;
    return join([[what, vram, whereLabel(facts)].filter(Boolean).join(' '), priceLabel(facts), facts.sort && SORT_LABEL[facts.sort]]);
  }
  if (intent === 'recommend') {
    const model = facts.modelName ?? (facts.modelParamsB !== undefined ? `a ${facts.modelParamsB}B model` : 'a model');
    const method = facts.finetuneMethod ? ` (${facts.finetuneMethod === 'full' ? 'full' : facts.finetuneMethod === 'lora' ? 'LoRA' : 'QLoRA'})` : '';
    const job = facts.kind ? `${KIND_LABEL[facts.kind]} ${model}${method}` : gpus ? `${countLabel(facts)}${gpus}` : `${countLabel(facts)}GPUs`;
    return join([
      job,
      facts.precision,
      facts.contextTokens !== undefined && `${facts.contextTokens.toLocaleString('en-US')} tokens of context`,
      facts.tokensPerSecond !== undefined && `${facts.tokensPerSecond} tokens/s`,
      facts.datasetTokens !== undefined && `on ${tokensLabel(facts.datasetTokens)} tokens`,
      facts.epochs !== undefined && `${facts.epochs} epochs`,
      facts.hours !== undefined && `for ${hoursLabel(facts.hours)}`,
      facts.kind && gpus && `on ${countLabel(facts)}${gpus}`,
      vram,
      pricing,
      whereLabel(facts),
      priceLabel(facts),
    ]);
  }
  if (intent === 'price_trend') {
    const q = trendQuery(facts);
    const subject = `${q.pricing === 'all' ? '' : PRICING_LABEL[q.pricing] + ' '}prices of ${gpus ?? 'the most-listed GPUs'}`;
    return `${subject} over ${WINDOW_LABEL[q.window]}${q.forecast ? ', and where they may go' : ''}`;
  }
  return 'nothing I can search for yet';
}
