// The recommendation form, pure: its values ↔ the POST /v1/recommendations body (with the API's own
// checks named per field first), ↔ the URL (so a result can be shared and Back returns to it), which
// fields each kind of job uses, the ranking sliders, a relaxation from "nothing fits" applied to the
// form, and the deploy link of a recommended offer.
import type { Criterion, FinetuneMethod, Precision, Recommendation, RecommendationRequest, Relaxation, WorkloadKind } from './types';

export const KINDS: ReadonlyArray<readonly [WorkloadKind, string]> = [
  ['llm_inference', 'Serve an LLM'],
  ['llm_finetune', 'Fine-tune an LLM'],
  ['training', 'Train a model'],
  ['batch', 'Batch inference'],
  ['image_generation', 'Image generation'],
];
export const PRECISIONS: readonly Precision[] = ['fp32', 'bf16', 'fp16', 'int8', 'int4'];
export const FINETUNE_METHODS: ReadonlyArray<readonly [FinetuneMethod, string]> = [
  ['lora', 'LoRA'],
  ['qlora', 'QLoRA (4-bit base)'],
  ['full', 'Full fine-tune'],
];
export const CONTEXTS: readonly number[] = [2048, 4096, 8192, 16384, 32768, 131072];
export const CRITERIA: readonly Criterion[] = ['cost', 'time', 'reliability', 'interruption', 'availability', 'freshness'];
export const CRITERION_LABELS: Record<Criterion, string> = {
  cost: 'Total cost',
  time: 'Time to finish',
  reliability: 'Provider reliability',
  interruption: 'Interruption risk',
  availability: 'Availability',
  freshness: 'Price freshness',
};
/** The API's default weights (0.4, 0.2, 0.15, 0.1, 0.1, 0.05) on the sliders' 0–10 scale. */
export const DEFAULT_SLIDERS: Readonly<Record<Criterion, number>> = { cost: 8, time: 4, reliability: 3, interruption: 2, availability: 2, freshness: 1 };

export type Sizing = 'hours' | 'dataset';

export interface RecommendForm {
  mode: 'job' | 'raw';
  kind: WorkloadKind;
  modelParamsB: string;
  precision: '' | Precision;
  finetuneMethod: '' | FinetuneMethod;
  contextTokens: string;
  batchSize: string;
  tokensPerSecond: string;
  datasetTokens: string;
  epochs: string;
  hours: string;
  gpuMemoryGb: string;
  gpuCount: string;
  minTflops: string;
  budgetUsd: string;
  maxPricePerGpuHour: string;
  interruptible: boolean;
  regions: string;
  countries: string;
  providers: string[];
  gpuModels: string[];
  /** Slider values 0–10, or null for the API's defaults (then no weights are sent). */
  weights: Record<Criterion, number> | null;
}

export function emptyForm(): RecommendForm {
  return {
    mode: 'job',
    kind: 'llm_inference',
    modelParamsB: '',
    precision: '',
    finetuneMethod: '',
    contextTokens: '',
    batchSize: '',
    tokensPerSecond: '',
    datasetTokens: '',
    epochs: '',
    hours: '',
    gpuMemoryGb: '',
    gpuCount: '',
    minTflops: '',
    budgetUsd: '',
    maxPricePerGpuHour: '',
    interruptible: false,
    regions: '',
    countries: '',
    providers: [],
    gpuModels: [],
    weights: null,
  };
}

export type JobField = 'modelParamsB' | 'precision' | 'finetuneMethod' | 'contextTokens' | 'batchSize' | 'tokensPerSecond' | 'datasetTokens' | 'epochs';

/** The described-job fields a kind of job uses (the API refuses the others). */
export function jobFields(kind: WorkloadKind): ReadonlySet<JobField> {
  switch (kind) {
    case 'llm_inference':
      return new Set(['modelParamsB', 'precision', 'contextTokens', 'batchSize', 'tokensPerSecond', 'datasetTokens']);
    case 'llm_finetune':
      return new Set(['modelParamsB', 'precision', 'finetuneMethod', 'contextTokens', 'batchSize', 'datasetTokens', 'epochs']);
    case 'training':
      return new Set(['modelParamsB', 'precision', 'contextTokens', 'batchSize', 'datasetTokens', 'epochs']);
    case 'batch':
      return new Set(['modelParamsB', 'precision', 'contextTokens', 'batchSize', 'datasetTokens']);
    case 'image_generation':
      return new Set(['precision', 'batchSize']);
  }
}

/** "70", "70B", "7 billion" → 70 (billions of parameters); "1.5T" → 1500. */
export function parseParamsB(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|bn|billion|t|trillion|m|million)?\s*$/i.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'b').toLowerCase();
  const value = unit.startsWith('t') ? n * 1000 : unit.startsWith('m') ? n / 1000 : n;
  return value > 0 ? value : null;
}

/** "2B", "500M", "1.5e9", "2,000,000", "20k" → a token count. */
export function parseTokens(text: string): number | null {
  const t = text.trim().replace(/,/g, '').replace(/_/g, '');
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmbt])?$/i.exec(t);
  if (!m) return null;
  const scale = { k: 1e3, m: 1e6, b: 1e9, t: 1e12 }[(m[2] ?? '').toLowerCase() as 'k'] ?? 1;
  const n = Number(m[1]) * scale;
  return Number.isFinite(n) && n > 0 ? n : null;
}

const list = (text: string) => [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];

export interface BodyResult {
  body: RecommendationRequest | null;
  /** Problems by form field name. */
  errors: Record<string, string>;
}

/** The request body, or the problems per field when there are any. */
export function recommendBody(f: RecommendForm): BodyResult {
  const errors: Record<string, string> = {};
  const body: RecommendationRequest = {};
  const num = (field: keyof RecommendForm, text: string, opts: { max: number; integer?: boolean }) => {
    const t = text.trim().replace(/^\$/, '').replace(/,/g, '');
    if (!t) return undefined;
    const n = Number(t);
    const ok = Number.isFinite(n) && (opts.integer ? Number.isInteger(n) && n >= 1 : n > 0) && n <= opts.max;
    if (!ok) {
      errors[field] = opts.integer ? `A whole number from 1 to ${opts.max.toLocaleString('en-US')}.` : `A number above 0, at most ${opts.max.toLocaleString('en-US')}.`;
      return undefined;
    }
    return n;
  };

  if (f.mode === 'job') {
    const fields = jobFields(f.kind);
    body.kind = f.kind;
    if (fields.has('modelParamsB')) {
      if (!f.modelParamsB.trim()) errors.modelParamsB = 'How large is the model? e.g. 8 or 70 (billions of parameters).';
      else {
        const p = parseParamsB(f.modelParamsB);
        if (p === null || p > 10_000) errors.modelParamsB = 'Billions of parameters, e.g. 8, 70 or 405.';
        else body.modelParamsB = p;
      }
    }
    if (f.precision && fields.has('precision')) body.precision = f.precision;
    if (f.finetuneMethod && fields.has('finetuneMethod')) body.finetuneMethod = f.finetuneMethod;
    const method = f.kind === 'llm_finetune' ? f.finetuneMethod || 'lora' : null;
    const quantized = f.precision === 'int8' || f.precision === 'int4';
    if ((f.kind === 'training' || method === 'full') && quantized) errors.precision = 'Training updates every weight: use fp32, bf16 or fp16 (or LoRA/QLoRA).';
    if (method === 'qlora' && f.precision && f.precision !== 'int4') errors.precision = 'QLoRA trains on a 4-bit base: int4 (or leave it empty).';
    if (method === 'lora' && f.precision === 'int4') errors.precision = 'A 4-bit base is QLoRA: choose QLoRA as the method.';
    if (fields.has('contextTokens')) body.contextTokens = num('contextTokens', f.contextTokens, { max: 1_048_576, integer: true });
    if (fields.has('batchSize')) body.batchSize = num('batchSize', f.batchSize, { max: 4096, integer: true });
    if (fields.has('tokensPerSecond')) body.tokensPerSecond = num('tokensPerSecond', f.tokensPerSecond, { max: 10_000_000 });
    if (fields.has('datasetTokens') && f.datasetTokens.trim()) {
      const t = parseTokens(f.datasetTokens);
      if (t === null || t > 1e15) errors.datasetTokens = 'A token count, e.g. 500M or 2B.';
      else body.datasetTokens = t;
    }
    if (fields.has('epochs') && f.epochs.trim()) {
      if (body.datasetTokens === undefined && !errors.datasetTokens) errors.epochs = 'Epochs count passes over the dataset tokens: give those too.';
      else body.epochs = num('epochs', f.epochs, { max: 1000 });
    }
  } else {
    body.gpuMemoryGb = num('gpuMemoryGb', f.gpuMemoryGb, { max: 4096 });
    body.gpuCount = num('gpuCount', f.gpuCount, { max: 64, integer: true });
    body.minTflops = num('minTflops', f.minTflops, { max: 100_000 });
    if (!f.gpuMemoryGb.trim() && !f.gpuCount.trim() && !f.minTflops.trim()) errors.gpuMemoryGb = 'Give the GPU memory the job needs, a GPU count or TFLOPS per GPU.';
  }
  body.hours = num('hours', f.hours, { max: 8760 });
  if (f.mode === 'job' && body.hours === undefined && !errors.hours && body.datasetTokens === undefined && !errors.datasetTokens) {
    if (f.kind === 'training' || f.kind === 'llm_finetune') errors.hours = 'How long will it run? Give hours, or the dataset tokens to compute it.';
    if (f.kind === 'batch') errors.hours = 'Give hours, or the tokens to generate.';
  }
  body.budgetUsd = num('budgetUsd', f.budgetUsd, { max: 1e9 });
  body.maxPricePerGpuHour = num('maxPricePerGpuHour', f.maxPricePerGpuHour, { max: 10_000 });
  if (f.interruptible) body.interruptible = true;
  const regions = list(f.regions);
  if (regions.length) {
    if (regions.some((r) => !/^[A-Za-z0-9._-]{1,64}$/.test(r)) || regions.length > 20) errors.regions = 'Region prefixes separated by commas, e.g. us-, eu-west.';
    else body.regions = regions;
  }
  const countries = list(f.countries).map((c) => c.toUpperCase());
  if (countries.length) {
    if (countries.some((c) => !/^[A-Z]{2}$/.test(c)) || countries.length > 50) errors.countries = 'Two-letter country codes separated by commas, e.g. US, DE.';
    else body.countries = countries;
  }
  if (f.providers.length) body.providers = [...f.providers];
  if (f.gpuModels.length) body.gpuModels = [...f.gpuModels];
  if (f.weights) {
    if (CRITERIA.every((c) => !(f.weights![c] > 0))) errors.weights = 'At least one criterion must matter.';
    else body.weights = Object.fromEntries(CRITERIA.map((c) => [c, f.weights![c]]));
  }
  for (const k of Object.keys(body) as (keyof RecommendationRequest)[]) if (body[k] === undefined) delete body[k];
  return Object.keys(errors).length ? { body: null, errors } : { body, errors };
}

/** The API's field errors (`body.modelParamsB`, `body.weights`) as form field names. */
export function formErrorsFromApi(errors: Array<{ field: string; message: string }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) {
    const name = e.field.replace(/^body\./, '').split('.')[0]!;
    const field = name === 'deadline' ? 'hours' : name === 'excludeProviders' ? 'providers' : name;
    out[field] ??= e.message.charAt(0).toUpperCase() + e.message.slice(1);
  }
  return out;
}

/** Each criterion's share of the total weight, 0–1 (the API normalises the same way). */
export function weightShares(w: Readonly<Record<Criterion, number>>): Record<Criterion, number> {
  const total = CRITERIA.reduce((s, c) => s + Math.max(0, w[c] ?? 0), 0);
  return Object.fromEntries(CRITERIA.map((c) => [c, total > 0 ? Math.max(0, w[c] ?? 0) / total : 0])) as Record<Criterion, number>;
}

const TEXT_FIELDS = ['modelParamsB', 'precision', 'finetuneMethod', 'contextTokens', 'batchSize', 'tokensPerSecond', 'datasetTokens', 'epochs', 'hours', 'gpuMemoryGb', 'gpuCount', 'minTflops', 'budgetUsd', 'maxPricePerGpuHour', 'regions', 'countries'] as const;

/** The form as a query string (only what differs from the empty form), to share and to come back to. */
export function formToParams(f: RecommendForm): URLSearchParams {
  const p = new URLSearchParams();
  p.set('mode', f.mode);
  if (f.mode === 'job') p.set('kind', f.kind);
  for (const k of TEXT_FIELDS) if (f[k].trim()) p.set(k, f[k].trim());
  if (f.interruptible) p.set('interruptible', 'true');
  if (f.providers.length) p.set('providers', f.providers.join(','));
  if (f.gpuModels.length) p.set('gpuModels', f.gpuModels.join(','));
  if (f.weights) p.set('weights', CRITERIA.map((c) => `${c}:${f.weights![c]}`).join(','));
  return p;
}

/** The form a query string describes; null when it describes none (no `mode`). Unknown values are dropped. */
export function formFromParams(p: URLSearchParams): RecommendForm | null {
  const mode = p.get('mode');
  if (mode !== 'job' && mode !== 'raw') return null;
  const f = emptyForm();
  f.mode = mode;
  const kind = p.get('kind');
  if (KINDS.some(([k]) => k === kind)) f.kind = kind as WorkloadKind;
  for (const k of TEXT_FIELDS) {
    const v = p.get(k);
    if (v !== null && v.length <= 200) (f as unknown as Record<string, string>)[k] = v;
  }
  if (!PRECISIONS.includes(f.precision as Precision)) f.precision = '';
  if (!FINETUNE_METHODS.some(([m]) => m === f.finetuneMethod)) f.finetuneMethod = '';
  f.interruptible = p.get('interruptible') === 'true';
  f.providers = list(p.get('providers') ?? '').map((s) => s.toLowerCase());
  f.gpuModels = list(p.get('gpuModels') ?? '');
  const w = p.get('weights');
  if (w) {
    const weights = { ...DEFAULT_SLIDERS };
    let ok = true;
    for (const part of w.split(',')) {
      const [c, v] = part.split(':');
      const n = Number(v);
      if (!CRITERIA.includes(c as Criterion) || !Number.isFinite(n) || n < 0 || n > 10) ok = false;
      else weights[c as Criterion] = n;
    }
    if (ok) f.weights = weights;
  }
  return f;
}

/**
 * The form with one suggestion of "nothing fits" applied (raise a cap, allow spot, drop a filter),
 * or null when the form cannot express it (the workload needs more memory than any instance has).
 */
export function applyRelaxation(f: RecommendForm, r: Relaxation): RecommendForm | null {
  const value = r.suggested === null ? '' : String(r.suggested);
  switch (r.constraint) {
    case 'maxPricePerGpuHour':
      return r.suggested === null ? { ...f, maxPricePerGpuHour: '' } : { ...f, maxPricePerGpuHour: value };
    case 'budgetUsd':
      return { ...f, budgetUsd: value };
    case 'deadline':
      return { ...f, hours: value };
    case 'tokensPerSecond':
      return { ...f, tokensPerSecond: value };
    case 'minTflops':
      return { ...f, minTflops: value };
    case 'gpuCount':
      return f.mode === 'raw' ? { ...f, gpuCount: value } : null;
    case 'interruptible':
      return { ...f, interruptible: true };
    case 'gpuModels':
      return { ...f, gpuModels: [] };
    case 'providers':
    case 'excludeProviders':
      return { ...f, providers: [] };
    case 'regions':
      return { ...f, regions: '' };
    case 'countries':
      return { ...f, countries: '' };
    default:
      return null;
  }
}

/** A short label for the button that applies a relaxation. */
export function relaxationLabel(r: Relaxation): string {
  const usd = (n: number) => `$${n.toFixed(2)}`;
  switch (r.constraint) {
    case 'maxPricePerGpuHour':
      return r.suggested === null ? 'Remove the price cap' : `Raise the price cap to ${usd(r.suggested)}/GPU·h`;
    case 'budgetUsd':
      return r.suggested === null ? 'Remove the budget' : `Raise the budget to ${usd(r.suggested)}`;
    case 'deadline':
      return `Allow ${r.suggested} h`;
    case 'tokensPerSecond':
      return `Lower the throughput to ${r.suggested} tokens/s`;
    case 'minTflops':
      return `Lower the minimum to ${r.suggested} TFLOPS`;
    case 'gpuCount':
      return `Lower the GPU count to ${r.suggested}`;
    case 'interruptible':
      return 'Allow spot / interruptible offers';
    default:
      return `Drop the ${r.constraint} filter`;
  }
}

/** The deploy flow for a recommended offer, its time limit prefilled from the estimate (rounded up to 0.1 h). */
export function deployHref(rec: Recommendation): string {
  const hours = Math.max(0.1, Math.ceil((rec.estimate.hours + rec.estimate.expectedExtraHours) * 10) / 10);
  return `/deploy/${encodeURIComponent(rec.offer.id)}?maxHours=${hours}&from=recommend`;
}
