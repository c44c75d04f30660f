import { describe, expect, it } from 'vitest';
import { json } from '../helpers';
import { postReco } from './fixtures';

interface ProblemBody {
  type: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}

async function problem(body: unknown, status = 400): Promise<ProblemBody> {
  const res = await postReco(body);
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return json<ProblemBody>(res);
}

const fields = (p: ProblemBody) => p.errors?.map((e) => e.field) ?? [];

describe('POST /v1/recommendations: bad input', () => {
  it('answers 400 naming gpuCount for 0 GPUs, and for a fraction or a negative count', async () => {
    for (const gpuCount of [0, 1.5, -2]) {
      const p = await problem({ gpuCount, hours: 1 });
      expect(fields(p)).toEqual(['body.gpuCount']);
    }
  });

  it('answers 400 naming gpuMemoryGb for 10,000 GB of VRAM', async () => {
    const p = await problem({ gpuMemoryGb: 10_000, hours: 2 });
    expect(fields(p)).toEqual(['body.gpuMemoryGb']);
    expect(p.errors![0]!.message).toMatch(/at most 4096/);
  });

  it('answers 400 for negative numbers anywhere', async () => {
    const p = await problem({ gpuMemoryGb: -80, hours: -1, budgetUsd: -5, maxPricePerGpuHour: 0 });
    expect(fields(p).sort()).toEqual(['body.budgetUsd', 'body.gpuMemoryGb', 'body.hours', 'body.maxPricePerGpuHour']);
  });

  it('answers 400 for a negative weight, all-zero weights and an unknown criterion', async () => {
    expect(fields(await problem({ gpuCount: 1, weights: { cost: -1, time: 1 } }))).toEqual(['body.weights.cost']);
    const zero = await problem({ gpuCount: 1, weights: { cost: 0, time: 0 } });
    expect(fields(zero)).toEqual(['body.weights']);
    expect(zero.errors![0]!.message).toMatch(/at least one weight/);
    const unknown = await problem({ gpuCount: 1, weights: { speed: 1 } });
    expect(unknown.errors).toContainEqual({ field: 'body.weights.speed', message: 'unknown field' });
  });

  it('answers 400 naming unknown fields', async () => {
    const p = await problem({ gpuCount: 1, maxPrice: 3, gpu: 'H100' });
    expect(p.errors).toEqual(expect.arrayContaining([
      { field: 'body.maxPrice', message: 'unknown field' },
      { field: 'body.gpu', message: 'unknown field' },
    ]));
  });

  it('answers 400 when neither a job nor raw needs are given, or they are mixed', async () => {
    expect(fields(await problem({ budgetUsd: 100 }))).toEqual(['body.kind']);
    expect(fields(await problem({ kind: 'llm_inference', modelParamsB: 7, gpuMemoryGb: 40 }))).toEqual(['body.gpuMemoryGb']);
    expect(fields(await problem({ kind: 'llm_inference' }))).toEqual(['body.modelParamsB']);
    expect(fields(await problem({ gpuCount: 1, precision: 'bf16' }))).toEqual(['body.precision']);
    expect(fields(await problem({ kind: 'training', modelParamsB: 7 }))).toEqual(['body.datasetTokens']);
    expect(fields(await problem({ kind: 'training', modelParamsB: 7, precision: 'int4', hours: 3 }))).toEqual(['body.precision']);
    expect(fields(await problem({ kind: 'llm_finetune', finetuneMethod: 'qlora', precision: 'bf16', modelParamsB: 7, hours: 3 }))).toEqual(['body.precision']);
    expect(fields(await problem({ kind: 'bogus', modelParamsB: 7 }))).toEqual(['body.kind']);
  });

  it('answers 400 for unknown GPUs and providers, and a provider both included and excluded', async () => {
    expect(fields(await problem({ gpuCount: 1, gpuModels: ['H100', 'Quantum-9000'] }))).toEqual(['body.gpuModels.1']);
    expect(fields(await problem({ gpuCount: 1, providers: ['nope'] }))).toEqual(['body.providers']);
    expect(fields(await problem({ gpuCount: 1, providers: ['runpod'], excludeProviders: ['RunPod'] }))).toEqual(['body.excludeProviders']);
    expect(fields(await problem({ gpuCount: 1, limit: 21 }))).toEqual(['body.limit']);
    expect(fields(await problem({ gpuCount: 1, countries: ['USA'] }))).toEqual(['body.countries.0']);
  });

  it('answers 422 naming modelParamsB for a job no single instance can hold', async () => {
    const p = await problem({ kind: 'training', modelParamsB: 405, datasetTokens: 1e9 }, 422);
    expect(fields(p)).toEqual(['body.modelParamsB']);
    expect(p.detail).toMatch(/needs about 7,1\d\d GB/);
  });

  it('answers 415 for a body that is not JSON and 400 for malformed JSON', async () => {
    const { api } = await import('../helpers');
    const notJson = await api('/v1/recommendations', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'gpuCount=1' });
    expect(notJson.status).toBe(415);
    const broken = await api('/v1/recommendations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"gpuCount":' });
    expect(broken.status).toBe(400);
    expect(broken.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('POST /v1/recommendations in the OpenAPI document', () => {
  it('documents the request and response schemas', async () => {
    const { api } = await import('../helpers');
    const doc = await json<{ paths: Record<string, Record<string, { requestBody: unknown; responses: Record<string, unknown> }>>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } }>(
      await api('/openapi.json'),
    );
    const op = doc.paths['/v1/recommendations']!['post']!;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '422', '429']));
    expect(Object.keys(doc.components.schemas['RecommendationRequest']!.properties!)).toEqual(
      expect.arrayContaining(['gpuMemoryGb', 'gpuCount', 'minTflops', 'hours', 'kind', 'modelParamsB', 'precision', 'weights', 'interruptible', 'limit']),
    );
    expect(doc.components.schemas['RecommendationResult']).toBeDefined();
  });
});
