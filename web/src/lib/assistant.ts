// What the assistant understood, as short chips a person can check at a glance ("8× H100 family",
// "Europe · 44 countries", "≤ $25/h"), from its structured interpretation. Pure.
import { formatInt, formatPrice, formatTokens, PRICING_LABELS } from './format';
import type { AssistantInterpretation, RecommendationRequest } from './types';

const KIND_LABELS: Record<string, string> = {
  llm_inference: 'serve an LLM',
  llm_finetune: 'fine-tune',
  training: 'train',
  image_generation: 'image generation',
  batch: 'batch inference',
};

/** "H100-80GB", "H100-80GB + 2 more" for a family the parser expanded. */
function models(list: readonly string[] | undefined): string | null {
  if (!list?.length) return null;
  return list.length === 1 ? list[0]! : `${list[0]} + ${list.length - 1} more`;
}

function places(countries: readonly string[] | undefined, regions: readonly string[] | undefined): string | null {
  const parts: string[] = [];
  if (regions?.length) parts.push(regions.join(', '));
  if (countries?.length) parts.push(countries.length > 4 ? `${countries.length} countries` : countries.join(', '));
  return parts.length ? `in ${parts.join(' · ')}` : null;
}

const money = (usd: number) => (usd >= 100 ? `$${formatInt(usd)}` : formatPrice(usd));

function workloadChips(w: RecommendationRequest, modelName: string | undefined): string[] {
  const chips: string[] = [];
  if (w.kind) chips.push(KIND_LABELS[w.kind] ?? w.kind);
  if (modelName) chips.push(modelName);
  else if (w.modelParamsB) chips.push(`${formatInt(w.modelParamsB)}B params`);
  if (w.finetuneMethod) chips.push(w.finetuneMethod === 'qlora' ? 'QLoRA' : w.finetuneMethod === 'lora' ? 'LoRA' : 'full fine-tune');
  if (w.precision) chips.push(w.precision);
  if (w.contextTokens) chips.push(`${formatInt(Math.round(w.contextTokens / 1024))}k context`);
  if (w.tokensPerSecond) chips.push(`≥ ${formatInt(w.tokensPerSecond)} tokens/s`);
  if (w.datasetTokens) chips.push(`${formatTokens(w.datasetTokens)} tokens`);
  if (w.gpuMemoryGb) chips.push(`${formatInt(w.gpuMemoryGb)} GB GPU memory`);
  if (w.gpuCount) chips.push(`${w.gpuCount}+ GPUs`);
  const m = models(w.gpuModels);
  if (m) chips.push(m);
  if (w.hours) chips.push(`${formatInt(w.hours)} h`);
  if (w.budgetUsd) chips.push(`budget ${money(w.budgetUsd)}`);
  if (w.maxPricePerGpuHour) chips.push(`≤ ${formatPrice(w.maxPricePerGpuHour)}/GPU·h`);
  if (w.interruptible) chips.push('spot allowed');
  const where = places(w.countries, w.regions);
  if (where) chips.push(where);
  if (w.providers?.length) chips.push(`on ${w.providers.join(', ')}`);
  if (w.excludeProviders?.length) chips.push(`not ${w.excludeProviders.join(', ')}`);
  return chips;
}

export function interpretationChips(i: AssistantInterpretation): string[] {
  const chips: string[] = [];
  if (i.intent === 'search_offers' && i.filters) {
    const f = i.filters;
    const count = f.minGpuCount !== undefined && f.minGpuCount === f.maxGpuCount ? `${f.minGpuCount}×` : f.minGpuCount ? `${f.minGpuCount}+ GPUs` : f.maxGpuCount ? `up to ${f.maxGpuCount} GPUs` : null;
    const m = models(f.gpuModels);
    if (count && m) chips.push(`${count} ${m}`);
    else if (count ?? m) chips.push((count ?? m)!);
    if (f.minVramGb) chips.push(`≥ ${formatInt(f.minVramGb)} GB VRAM`);
    if (f.maxPricePerHour) chips.push(`≤ ${formatPrice(f.maxPricePerHour)}/h`);
    if (f.maxPricePerGpuHour) chips.push(`≤ ${formatPrice(f.maxPricePerGpuHour)}/GPU·h`);
    const where = places(f.countries, f.regions);
    if (where) chips.push(where);
    if (f.pricing?.length) chips.push(f.pricing.map((p) => PRICING_LABELS[p] ?? p).join(' or '));
    if (f.providers?.length) chips.push(`on ${f.providers.join(', ')}`);
    if (f.excludeProviders?.length) chips.push(`not ${f.excludeProviders.join(', ')}`);
    if (f.sort) chips.push(f.sort === 'most_vram' ? 'most VRAM first' : `${f.sort} first`);
  } else if (i.intent === 'recommend' && i.workload) {
    chips.push(...workloadChips(i.workload, i.modelName));
  } else if (i.intent === 'price_trend' && i.query) {
    const q = i.query;
    chips.push(models(q.gpuModels) ?? 'most-listed GPUs');
    if (q.pricing && q.pricing !== 'all') chips.push(PRICING_LABELS[q.pricing] ?? q.pricing);
    if (q.window) chips.push(q.window === '24h' ? 'last 24 h' : q.window === '7d' ? 'last 7 days' : 'last 30 days');
    if (q.forecast) chips.push('forecast');
  }
  return chips;
}

export const INTENT_LABELS: Record<AssistantInterpretation['intent'], string> = {
  search_offers: 'Offer search',
  recommend: 'Recommendation',
  price_trend: 'Price trend',
  help: 'Not understood',
};
