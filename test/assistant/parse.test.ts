// The deterministic parser against a table of requests, each with the exact interpretation expected:
// intent, the structured part that intent runs on, and what was not understood.
import { describe, expect, it } from 'vitest';
import { understand, type Interpretation } from '../../src/optimizer/assistant/interpret';
import { ASIA, EUROPE } from '../../src/optimizer/assistant/lexicon';
import { parseMessage } from '../../src/optimizer/assistant/parse';
import { DEFAULT_WEIGHTS, RecommendationRequestSchema } from '../../src/optimizer/request';

const H100S = ['H100-80GB', 'H100-PCIE-80GB', 'H100-NVL-94GB'];
const A100S = ['A100-80GB', 'A100-PCIE-80GB', 'A100-40GB'];
const SPOT = ['spot', 'interruptible'];

type Expected = Pick<Interpretation, 'intent'> & Partial<Pick<Interpretation, 'filters' | 'workload' | 'query' | 'modelName' | 'unparsed'>>;

const TABLE: Array<[string, Expected]> = [
  // The three examples, verbatim.
  ['cheapest 8x H100 in Europe under $25/h', { intent: 'search_offers', filters: { gpuModels: H100S, minGpuCount: 8, maxGpuCount: 8, countries: [...EUROPE], maxPricePerHour: 25, sort: 'cheapest' } }],
  ['fine-tune a 70B model with LoRA for about 10 hours, budget $300', { intent: 'recommend', workload: { kind: 'llm_finetune', modelParamsB: 70, finetuneMethod: 'lora', hours: 10, budgetUsd: 300 } }],
  ["what's the spot price trend for A100 this week?", { intent: 'price_trend', query: { gpuModels: A100S, pricing: 'spot', window: '7d', forecast: false } }],

  // GPU names, aliases and counts.
  ['h100s in the US', { intent: 'search_offers', filters: { gpuModels: H100S, countries: ['US'] } }],
  ['A100 80GB on-demand under 2 dollars per GPU hour', { intent: 'search_offers', filters: { gpuModels: ['A100-80GB', 'A100-PCIE-80GB'], pricing: ['on_demand'], maxPricePerGpuHour: 2 } }],
  ['< 2 dollars per GPU hour for a 4090', { intent: 'search_offers', filters: { gpuModels: ['RTX-4090'], maxPricePerGpuHour: 2 } }],
  ['max $3/gpu-hr for MI300X', { intent: 'search_offers', filters: { gpuModels: ['MI300X'], maxPricePerGpuHour: 3 } }],
  ['eight H100s, spot, not on vast', { intent: 'search_offers', filters: { gpuModels: H100S, minGpuCount: 8, maxGpuCount: 8, pricing: SPOT as never, excludeProviders: ['vastai'] } }],
  ['a pair of A100s in Germany or France', { intent: 'search_offers', filters: { gpuModels: A100S, minGpuCount: 2, maxGpuCount: 2, countries: ['DE', 'FR'] } }],
  ['H100 x8 excluding runpod and vast.ai', { intent: 'search_offers', filters: { gpuModels: H100S, minGpuCount: 8, maxGpuCount: 8, excludeProviders: ['runpod', 'vastai'] } }],
  ['2 x A100 SXM in DE or NL, max $4 per GPU', { intent: 'search_offers', filters: { gpuModels: ['A100-80GB'], minGpuCount: 2, maxGpuCount: 2, countries: ['DE', 'NL'], maxPricePerGpuHour: 4 } }],
  ['8xH100 in eu-west under $30/h from runpod or lambda', { intent: 'search_offers', filters: { gpuModels: H100S, minGpuCount: 8, maxGpuCount: 8, regions: ['eu-west'], providers: ['runpod', 'lambda'], maxPricePerHour: 30 } }],
  ['Need H100 SXM5 x 4 in us-east-1', { intent: 'search_offers', filters: { gpuModels: ['H100-80GB'], minGpuCount: 4, maxGpuCount: 4, regions: ['us-east-1'] } }],
  ['up to 4 H100', { intent: 'search_offers', filters: { gpuModels: H100S, maxGpuCount: 4 } }],
  ['4+ A100', { intent: 'search_offers', filters: { gpuModels: A100S, minGpuCount: 4 } }],
  ['RTX 6000 Ada in Japan, spot', { intent: 'search_offers', filters: { gpuModels: ['RTX-6000-ADA'], countries: ['JP'], pricing: SPOT as never } }],
  ['A6000 or A5000 under $0.5/h', { intent: 'search_offers', filters: { gpuModels: ['A6000', 'A5000'], maxPricePerGpuHour: 0.5 } }],
  ['TensorDock V100', { intent: 'search_offers', filters: { gpuModels: ['V100', 'V100-32GB'], providers: ['tensordock'] } }],
  ['datacrunch H200 in Finland', { intent: 'search_offers', filters: { gpuModels: ['H200'], providers: ['datacrunch'], countries: ['FI'] } }],
  ['Gaudi 2 or MI300X at most $2.50 per GPU-hour', { intent: 'search_offers', filters: { gpuModels: ['GAUDI2', 'MI300X'], maxPricePerGpuHour: 2.5 } }],
  ['H100 or H200 in the US or Canada on demand, no spot', { intent: 'search_offers', filters: { gpuModels: [...H100S, 'H200'], countries: ['CA', 'US'], pricing: ['on_demand'] } }],
  ['the cheapest spot RTX 3090 on vast', { intent: 'search_offers', filters: { gpuModels: ['RTX-3090'], providers: ['vastai'], pricing: SPOT as never, sort: 'cheapest' } }],
  ['cheapest L40S with 48 GB in Canada', { intent: 'search_offers', filters: { gpuModels: ['L40S'], minVramGb: 48, countries: ['CA'], sort: 'cheapest' } }],
  ['CHEAPEST H100 IN EUROPE', { intent: 'search_offers', filters: { gpuModels: H100S, countries: [...EUROPE], sort: 'cheapest' } }],
  ['top 3 fastest GPUs in Asia', { intent: 'search_offers', filters: { countries: [...ASIA], sort: 'fastest', limit: 3 } }],
  ['how much does an H100 cost', { intent: 'search_offers', filters: { gpuModels: H100S }, unparsed: [] }],
  ['show me gpu offers', { intent: 'search_offers', filters: {} }],
  ['8 GPUs 80GB each, 64GB RAM, 2TB disk', { intent: 'search_offers', filters: { minGpuCount: 8, maxGpuCount: 8, minVramGb: 80 }, unparsed: ['64gb ram 2tb disk'] }],

  // Jobs: model sizes, precisions, kinds, durations, budgets.
  ['single 4090 for 2 days', { intent: 'recommend', workload: { gpuModels: ['RTX-4090'], gpuCount: 1, hours: 48 } }],
  ['serve Llama 3 70B in fp16 with 32k context at 100 tokens/s', { intent: 'recommend', modelName: 'Llama 3 70B', workload: { kind: 'llm_inference', modelParamsB: 70, precision: 'fp16', contextTokens: 32_768, tokensPerSecond: 100 } }],
  ['Mixtral 8x7B inference in 4-bit', { intent: 'recommend', modelName: 'Mixtral 8x7B', workload: { kind: 'llm_inference', modelParamsB: 46.7, precision: 'int4' } }],
  ['fine-tune Llama 3 8B with QLoRA for a week, budget $1.5k', { intent: 'recommend', modelName: 'Llama 3 8B', workload: { kind: 'llm_finetune', modelParamsB: 8, finetuneMethod: 'qlora', precision: 'int4', hours: 168, budgetUsd: 1500 } }],
  ['train a 7 billion parameters model on 10B tokens for 3 epochs', { intent: 'recommend', workload: { kind: 'training', modelParamsB: 7, datasetTokens: 10e9, epochs: 3 } }],
  ['stable diffusion XL image generation overnight', { intent: 'recommend', modelName: 'SDXL', workload: { kind: 'image_generation', modelParamsB: 3.5, hours: 12 } }],
  ['SDXL batch jobs on RTX 4090 spot', { intent: 'recommend', modelName: 'SDXL', workload: { kind: 'image_generation', modelParamsB: 3.5, gpuModels: ['RTX-4090'], interruptible: true } }],
  ['4 GPUs with at least 48GB VRAM each for 5 hours', { intent: 'recommend', workload: { gpuCount: 4, gpuMemoryGb: 192, hours: 5 } }],
  ['pretrain a 1.3B model on 50B tokens using 64 H100s', { intent: 'recommend', workload: { kind: 'training', modelParamsB: 1.3, datasetTokens: 50e9, gpuModels: H100S, gpuCount: 64 } }],
  ['inference for Qwen2.5 72B Instruct int8, batch size 16', { intent: 'recommend', modelName: 'Qwen 2.5 72B', workload: { kind: 'llm_inference', modelParamsB: 72, precision: 'int8', batchSize: 16 } }],
  ['4x L4 for an hour', { intent: 'recommend', workload: { gpuModels: ['L4'], gpuCount: 4, hours: 1 } }],
  ['a100s for about 3 hours under $1.5k total', { intent: 'recommend', workload: { gpuModels: A100S, gpuCount: 1, hours: 3, budgetUsd: 1500 } }],
  ['fine-tune llama 3 on 4 A100s', { intent: 'recommend', modelName: 'Llama 3', workload: { kind: 'llm_finetune', gpuModels: A100S, gpuCount: 4 } }],
  ['host a chatbot with mistral', { intent: 'recommend', modelName: 'Mistral 7B', workload: { kind: 'llm_inference', modelParamsB: 7.3 } }],
  ['run Flux on a 4090', { intent: 'recommend', modelName: 'FLUX.1', workload: { kind: 'image_generation', modelParamsB: 12, gpuModels: ['RTX-4090'] } }],
  ['GPU with 24GB for stable diffusion', { intent: 'recommend', modelName: 'Stable Diffusion 1.5', workload: { kind: 'image_generation', modelParamsB: 1 } }],
  ['8x H100 for 2 days on spot, under $20/h', { intent: 'recommend', workload: { gpuModels: H100S, gpuCount: 8, hours: 48, interruptible: true, maxPricePerGpuHour: 2.5 } }],

  ['train a 7B model on 10B tokens on H100s, spot ok', { intent: 'recommend', workload: { kind: 'training', modelParamsB: 7, datasetTokens: 10e9, gpuModels: H100S, interruptible: true } }],
  ['spot is fine for a 4090', { intent: 'search_offers', filters: { gpuModels: ['RTX-4090'], pricing: SPOT as never } }],

  // Trends.
  ['how did H100 prices move in the last 24h', { intent: 'price_trend', query: { gpuModels: H100S, pricing: 'all', window: '24h', forecast: false } }],
  ['will prices drop?', { intent: 'price_trend', query: { pricing: 'all', window: '7d', forecast: true } }],
  ['B200 prices over the past month', { intent: 'price_trend', query: { gpuModels: ['B200'], pricing: 'all', window: '30d', forecast: false } }],
  ['price forecast for H100 next week', { intent: 'price_trend', query: { gpuModels: H100S, pricing: 'all', window: '7d', forecast: true } }],
  ['is it a good time to rent A100s or will they get cheaper?', { intent: 'price_trend', query: { gpuModels: A100S, pricing: 'all', window: '7d', forecast: true } }],
  ['on-demand L40S price history over the last 3 days', { intent: 'price_trend', query: { gpuModels: ['L40S'], pricing: 'on_demand', window: '7d', forecast: false } }],

  // Nothing to act on.
  ['¿Cuál es la GPU más barata en Europa?', { intent: 'help', unparsed: ['cuál es la', 'más barata en europa'] }],
  ['asdf qwerty zxcv', { intent: 'help', unparsed: ['asdf qwerty zxcv'] }],
  ['hello', { intent: 'help', unparsed: [] }],
  ['what can you do?', { intent: 'help', unparsed: [] }],
];

describe('the assistant parser', () => {
  it('has at least 40 examples', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(40);
  });

  it.each(TABLE)('reads %j', (message, expected) => {
    const { interpretation } = understand(message);
    const seen: Expected = { intent: interpretation.intent };
    for (const key of ['filters', 'workload', 'query', 'modelName'] as const) if (interpretation[key] !== undefined) (seen as Record<string, unknown>)[key] = interpretation[key];
    const { unparsed = [], ...rest } = expected;
    expect(seen).toEqual(rest);
    expect(interpretation.unparsed).toEqual(unparsed);
  });

  it('reports the share of words it understood', () => {
    expect(parseMessage('cheapest 8x H100 in Europe under $25/h').confidence).toBe(1);
    // Meaningful words: h100, europe (understood), blue, fluffy, unicorn (not): 2 of 5.
    const partly = parseMessage('H100 in Europe with a blue fluffy unicorn');
    expect(partly.unparsed).toEqual(['blue fluffy unicorn']);
    expect(partly.confidence).toBe(0.4);
    expect(parseMessage('asdf qwerty zxcv').confidence).toBe(0);
  });

  it('restates what it understood in one line', () => {
    expect(understand('cheapest 8x H100 in Europe under $25/h').interpretation.summary).toBe('8x H100 in Europe, under $25/h, cheapest first');
    expect(understand('fine-tune a 70B model with LoRA for about 10 hours, budget $300').interpretation.summary).toBe(
      'fine-tune a 70B model (LoRA), for 10 hours, budget $300',
    );
    expect(understand("what's the spot price trend for A100 this week?").interpretation.summary).toBe('spot prices of A100 over the last 7 days');
  });

  it('turns sort words into the recommendation weights and keeps every workload valid for the engine', () => {
    expect(understand('cheapest way to serve Llama 3 8B').interpretation.workload!.weights).toEqual({ ...DEFAULT_WEIGHTS, cost: 0.8 });
    expect(understand('fastest way to serve Llama 3 8B').interpretation.workload!.weights).toEqual({ ...DEFAULT_WEIGHTS, time: DEFAULT_WEIGHTS.time * 3 });
    for (const [message, expected] of TABLE) {
      if (expected.intent !== 'recommend' || !expected.workload?.modelParamsB || expected.workload.kind === 'llm_finetune' || expected.workload.kind === 'training') continue;
      expect(RecommendationRequestSchema.safeParse(understand(message).interpretation.workload).success, message).toBe(true);
    }
  });

  it('leaves impossible numbers unread instead of guessing', () => {
    expect(parseMessage('make it 0 GPUs')).toMatchObject({ facts: {}, unparsed: ['0'] });
    expect(parseMessage('2.5 GPUs')).toMatchObject({ facts: {}, unparsed: ['2 5'] });
    expect(parseMessage('H100 x0')).toMatchObject({ facts: { gpuModels: ['H100-80GB', 'H100-PCIE-80GB', 'H100-NVL-94GB'] }, unparsed: ['x0'] });
    expect(parseMessage('budget $0 for 0 hours')).toMatchObject({ facts: {}, unparsed: ['budget 0 for 0 hours'] });
  });

  it('never reads a model size or a memory size as a GPU count', () => {
    expect(parseMessage('Mixtral 8x7B on 2 A100 80GB').facts).toMatchObject({ modelParamsB: 46.7, minGpuCount: 2, maxGpuCount: 2, gpuModels: ['A100-80GB', 'A100-PCIE-80GB'] });
    expect(parseMessage('Llama 3 70B').facts.minGpuCount).toBeUndefined();
  });

  it('reads 2,000 characters of noise and reports it cut short', () => {
    const noise = Array.from({ length: 2000 }, (_, i) => 'x$/8 h1e€ü-'[i % 11]).join('');
    const result = parseMessage(noise);
    expect(result.unparsed.length).toBeLessThanOrEqual(20);
    for (const phrase of result.unparsed) expect(phrase.length).toBeLessThanOrEqual(60);
  });
});
