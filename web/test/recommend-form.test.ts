import { describe, expect, it } from 'vitest';
import {
  applyRelaxation,
  DEFAULT_SLIDERS,
  deployHref,
  emptyForm,
  formErrorsFromApi,
  formFromParams,
  formToParams,
  jobFields,
  parseParamsB,
  parseTokens,
  recommendBody,
  relaxationLabel,
  weightShares,
  type RecommendForm,
} from '../src/lib/recommend-form';
import type { Recommendation, Relaxation } from '../src/lib/types';
import { offer } from './fixtures';

const form = (overrides: Partial<RecommendForm>): RecommendForm => ({ ...emptyForm(), ...overrides });

describe('recommendation form → request', () => {
  it('maps a described job with limits and places to the API body', () => {
    const r = recommendBody(
      form({ kind: 'llm_inference', modelParamsB: '70B', precision: 'fp16', contextTokens: '32768', batchSize: '4', tokensPerSecond: '200', hours: '24', budgetUsd: '$1,500', maxPricePerGpuHour: '3', interruptible: true, regions: 'us-, eu-west', countries: 'us, de', providers: ['sim'], gpuModels: ['H100-80GB'] }),
    );
    expect(r.errors).toEqual({});
    expect(r.body).toEqual({
      kind: 'llm_inference',
      modelParamsB: 70,
      precision: 'fp16',
      contextTokens: 32768,
      batchSize: 4,
      tokensPerSecond: 200,
      hours: 24,
      budgetUsd: 1500,
      maxPricePerGpuHour: 3,
      interruptible: true,
      regions: ['us-', 'eu-west'],
      countries: ['US', 'DE'],
      providers: ['sim'],
      gpuModels: ['H100-80GB'],
    });
  });

  it('sends only the fields a kind of job uses (the API refuses the others)', () => {
    const r = recommendBody(form({ kind: 'image_generation', modelParamsB: '70', tokensPerSecond: '50', datasetTokens: '1B', hours: '4' }));
    expect(r.body).toEqual({ kind: 'image_generation', hours: 4 });
    expect([...jobFields('llm_finetune')]).toContain('finetuneMethod');
    expect(jobFields('llm_inference').has('finetuneMethod')).toBe(false);
  });

  it('reads token counts and model sizes as people write them', () => {
    expect(parseTokens('500M')).toBe(5e8);
    expect(parseTokens('2b')).toBe(2e9);
    expect(parseTokens('1,000,000')).toBe(1e6);
    expect(parseTokens('1.5e9')).toBe(1.5e9);
    expect(parseTokens('lots')).toBeNull();
    expect(parseParamsB('70')).toBe(70);
    expect(parseParamsB('7 billion')).toBe(7);
    expect(parseParamsB('1.5T')).toBe(1500);
    expect(parseParamsB('350M')).toBe(0.35);
    expect(parseParamsB('big')).toBeNull();
  });

  it('turns a fine-tune on a dataset into tokens and epochs, and needs a size of the run', () => {
    expect(recommendBody(form({ kind: 'llm_finetune', modelParamsB: '8', finetuneMethod: 'qlora', datasetTokens: '50M', epochs: '3' })).body).toEqual({
      kind: 'llm_finetune',
      modelParamsB: 8,
      finetuneMethod: 'qlora',
      datasetTokens: 5e7,
      epochs: 3,
    });
    expect(recommendBody(form({ kind: 'training', modelParamsB: '1' })).errors.hours).toContain('dataset tokens');
    expect(recommendBody(form({ kind: 'training', modelParamsB: '1', epochs: '2', hours: '3' })).errors.epochs).toContain('dataset tokens');
  });

  it('names each bad field, as the API would', () => {
    const r = recommendBody(form({ kind: 'llm_finetune', modelParamsB: '', finetuneMethod: 'full', precision: 'int4', hours: '-2', countries: 'USA', batchSize: '2.5' }));
    expect(r.body).toBeNull();
    expect(Object.keys(r.errors).sort()).toEqual(['batchSize', 'countries', 'hours', 'modelParamsB', 'precision']);
    expect(recommendBody(form({ kind: 'llm_finetune', modelParamsB: '8', finetuneMethod: 'lora', precision: 'int4', hours: '2' })).errors.precision).toContain('QLoRA');
  });

  it('takes raw needs, and asks for at least one of them', () => {
    expect(recommendBody(form({ mode: 'raw', gpuMemoryGb: '640', gpuCount: '8', hours: '12', modelParamsB: '70' })).body).toEqual({ gpuMemoryGb: 640, gpuCount: 8, hours: 12 });
    expect(recommendBody(form({ mode: 'raw' })).errors.gpuMemoryGb).toBeDefined();
  });

  it('sends the ranking weights only when changed, and refuses all zero', () => {
    expect(recommendBody(form({ modelParamsB: '8' })).body).not.toHaveProperty('weights');
    const custom = { ...DEFAULT_SLIDERS, cost: 10, freshness: 0 };
    expect(recommendBody(form({ modelParamsB: '8', weights: custom })).body?.weights).toEqual(custom);
    const zero = { cost: 0, time: 0, reliability: 0, interruption: 0, availability: 0, freshness: 0 };
    expect(recommendBody(form({ modelParamsB: '8', weights: zero })).errors.weights).toBeDefined();
    const shares = weightShares(DEFAULT_SLIDERS);
    expect(shares).toEqual({ cost: 0.4, time: 0.2, reliability: 0.15, interruption: 0.1, availability: 0.1, freshness: 0.05 });
  });

  it('maps the API field errors back to form fields', () => {
    expect(formErrorsFromApi([{ field: 'body.modelParamsB', message: 'required for llm_inference' }, { field: 'body.countries.0', message: 'an ISO code' }])).toEqual({
      modelParamsB: 'Required for llm_inference',
      countries: 'An ISO code',
    });
  });
});

describe('recommendation form ↔ URL', () => {
  it('round-trips every field through the query string', () => {
    const f = form({ kind: 'llm_finetune', modelParamsB: '70', finetuneMethod: 'lora', precision: 'bf16', datasetTokens: '1B', epochs: '2', hours: '30', budgetUsd: '300', interruptible: true, regions: 'eu-', providers: ['sim'], gpuModels: ['H100-80GB', 'A100-80GB'], weights: { ...DEFAULT_SLIDERS, time: 9 } });
    const params = formToParams(f);
    expect(params.get('kind')).toBe('llm_finetune');
    expect(params.has('countries')).toBe(false);
    expect(formFromParams(new URLSearchParams(params.toString()))).toEqual(f);
  });

  it('describes no form without a mode, and drops values it cannot use', () => {
    expect(formFromParams(new URLSearchParams('gpu=H100'))).toBeNull();
    const f = formFromParams(new URLSearchParams('mode=job&kind=mining&precision=fp8&weights=cost:99'))!;
    expect(f.kind).toBe('llm_inference');
    expect(f.precision).toBe('');
    expect(f.weights).toBeNull();
  });
});

describe('nothing fits → relax', () => {
  const relax = (constraint: Relaxation['constraint'], suggested: number | null): Relaxation => ({ constraint, suggested, wouldAllow: 5, cheapestTotalUsd: 23.14, message: '' });

  it('applies a suggestion to the form field it concerns', () => {
    const f = form({ maxPricePerGpuHour: '0.5', budgetUsd: '10', hours: '2', providers: ['sim'], regions: 'eu-' });
    expect(applyRelaxation(f, relax('maxPricePerGpuHour', 1.72))?.maxPricePerGpuHour).toBe('1.72');
    expect(applyRelaxation(f, relax('budgetUsd', 23.14))?.budgetUsd).toBe('23.14');
    expect(applyRelaxation(f, relax('deadline', 3.5))?.hours).toBe('3.5');
    expect(applyRelaxation(f, relax('interruptible', null))?.interruptible).toBe(true);
    expect(applyRelaxation(f, relax('providers', null))?.providers).toEqual([]);
    expect(applyRelaxation(f, relax('regions', null))?.regions).toBe('');
    expect(applyRelaxation(f, relax('gpuMemory', null))).toBeNull();
    expect(relaxationLabel(relax('maxPricePerGpuHour', 1.72))).toBe('Raise the price cap to $1.72/GPU·h');
  });

  it('opens the deploy flow with the estimated hours, preemption included, rounded up', () => {
    const rec = { offer: offer({ id: 'ofr_abc' }), estimate: { hours: 4, expectedExtraHours: 0.21 } } as unknown as Recommendation;
    expect(deployHref(rec)).toBe('/deploy/ofr_abc?maxHours=4.3&from=recommend');
  });
});
