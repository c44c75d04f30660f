// The Workers AI path, with fake AI bindings passed in the env: phrasing, reading what the parser
// could not, and every way the model can fail (garbage, schema-breaking JSON, invented numbers,
// errors, timeouts) falling back to the deterministic answer.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { EUROPE } from '../../src/optimizer/assistant/lexicon';
import type { Bindings } from '../../src/env';
import { json } from '../helpers';
import { bearer, createTenant } from '../tenancy/fixtures';
import { insertOffers } from './fixtures';

type Inputs = { messages: Array<{ role: string; content: string }>; response_format?: { type: string; json_schema: unknown } };

/** A stand-in for env.AI: parse calls (JSON mode) and phrase calls answered by separate handlers. */
function fakeAi(handlers: { parse?: (inputs: Inputs) => unknown; phrase?: (inputs: Inputs) => unknown }) {
  const calls: Array<{ model: string; inputs: Inputs; kind: 'parse' | 'phrase' }> = [];
  return {
    calls,
    async run(model: string, inputs: Record<string, unknown>) {
      const typed = inputs as Inputs;
      const kind = typed.response_format ? 'parse' : 'phrase';
      calls.push({ model, inputs: typed, kind });
      const handler = handlers[kind];
      if (!handler) throw new Error(`unexpected ${kind} call`);
      return handler(typed);
    },
  };
}

interface Answer {
  conversationId: string | null;
  interpretation: { intent: string; filters?: Record<string, unknown>; unparsed: string[]; source: string; aiFields?: string[] };
  data: { kind: string; offers?: Array<{ id: string }> } | null;
  reply: string;
  replySource: string;
  ai?: { parse?: string; phrase?: string };
}

async function askWith(ai: unknown, body: unknown, options: { headers?: Record<string, string>; vars?: Record<string, string> } = {}): Promise<Answer> {
  const { default: worker } = await import('../../src/index');
  const res = await worker.fetch(
    new Request('http://gpubroker.test/v1/assistant', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(body),
    }),
    { ...env, ...options.vars, AI: ai } as Bindings,
    { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext,
  );
  expect(res.status).toBe(200);
  return json<Answer>(res);
}

describe('POST /v1/assistant with Workers AI', () => {
  it('phrases the reply with the model and stores that reply', async () => {
    await insertOffers([{ externalId: 'de', gpuCount: 8, pricePerHourUsd: 23.2, country: 'DE', region: 'eu-central-1' }]);
    const phrased = 'Good news: 8x H100-80GB in eu-central-1 (DE) for $23.20/h, which is $2.90 per GPU-hour.';
    const ai = fakeAi({ phrase: () => ({ response: phrased }) });
    const { apiKey, tenantId } = await createTenant();
    const body = await askWith(ai, { message: 'cheapest 8x H100 in Europe under $25/h' }, { headers: bearer(apiKey) });
    expect(body).toMatchObject({ reply: phrased, replySource: 'ai', ai: { phrase: 'used' }, interpretation: { source: 'parser' } });
    // Everything was understood, so the model was asked only to phrase, with the template reply as its draft.
    expect(ai.calls.map((c) => [c.kind, c.model])).toEqual([['phrase', '@cf/meta/llama-3.1-8b-instruct']]);
    expect(ai.calls[0]!.inputs.messages[1]!.content).toContain('Draft answer: Cheapest match for 8x H100 in Europe, under $25/h: 8x H100-80GB');
    const row = await env.DB.prepare(`SELECT reply FROM assistant_turns WHERE tenant_id = ?1`).bind(tenantId).first<{ reply: string }>();
    expect(row!.reply).toBe(phrased);
  });

  it('uses the configured model', async () => {
    const ai = fakeAi({ phrase: () => ({ response: 'Hello! Ask me about GPU offers.' }) });
    await askWith(ai, { message: 'hello' }, { vars: { ASSISTANT_AI_MODEL: '@cf/meta/llama-3.2-3b-instruct' } });
    expect(ai.calls.map((c) => c.model)).toEqual(['@cf/meta/llama-3.2-3b-instruct']);
  });

  it('keeps the template reply when the phrased one states a number the answer does not hold', async () => {
    await insertOffers([{ externalId: 'de', gpuCount: 8, pricePerHourUsd: 23.2, country: 'DE', region: 'eu-central-1' }]);
    const ai = fakeAi({ phrase: () => ({ response: 'The best is 8x H100 in Germany at $19.99/h.' }) });
    const body = await askWith(ai, { message: 'cheapest 8x H100 in Europe under $25/h' });
    expect(body.replySource).toBe('template');
    expect(body.ai).toEqual({ phrase: 'invalid' });
    expect(body.reply).toMatch(/^Cheapest match for 8x H100 in Europe, under \$25\/h: 8x H100-80GB .* \$23\.20\/h/);
  });

  it('reads what the parser could not, validated and normalised, and the parser still wins where it read', async () => {
    const [de, fr] = await insertOffers([
      { externalId: 'de', gpuModel: 'H100-80GB', pricePerHourUsd: 2.4, country: 'DE', region: 'eu-central-1' },
      { externalId: 'fr', gpuModel: 'H100-80GB', pricePerHourUsd: 2.6, country: 'FR', region: 'eu-south-1' },
      { externalId: 'us', gpuModel: 'H100-80GB', pricePerHourUsd: 1.9, country: 'US' },
    ]);
    const ai = fakeAi({
      parse: () => ({ response: { intent: 'search_offers', facts: { gpuModels: ['H100', 'Banana 9000'], countries: ['de', 'fr'], sort: 'cheapest', pricing: null } } }),
      phrase: () => {
        throw new Error('phrasing is down');
      },
    });
    const body = await askWith(ai, { message: '¿Cuál es la H100 más barata en Alemania o Francia?' });
    expect(body.interpretation).toMatchObject({
      intent: 'search_offers',
      source: 'parser+ai',
      filters: { gpuModels: ['H100-80GB', 'H100-PCIE-80GB', 'H100-NVL-94GB'], countries: ['DE', 'FR'], sort: 'cheapest' },
      unparsed: ['cuál es la', 'más barata en alemania o francia'],
    });
    expect([...body.interpretation.aiFields!].sort()).toEqual(['countries', 'sort']);
    expect(body.data!.offers!.map((o) => o.id)).toEqual([de, fr]);
    expect(body.ai).toEqual({ parse: 'used', phrase: 'failed' });
    expect(body.replySource).toBe('template');
    const parseCall = ai.calls.find((c) => c.kind === 'parse')!;
    expect(parseCall.inputs.response_format!.type).toBe('json_schema');
    expect(parseCall.inputs.messages[1]!.content).toBe('¿Cuál es la H100 más barata en Alemania o Francia?');

    const mixed = fakeAi({ parse: () => ({ response: JSON.stringify({ intent: 'search_offers', facts: { countries: ['US'], pricing: ['spot'] } }) }), phrase: () => ({ response: '' }) });
    const both = await askWith(mixed, { message: 'H100 in Europe with a blue fluffy unicorn' });
    expect(both.interpretation.filters).toMatchObject({ countries: [...EUROPE], pricing: ['spot', 'interruptible'] });
    expect(both.interpretation.aiFields).toEqual(['pricing']);
    expect(both.ai).toEqual({ parse: 'used', phrase: 'invalid' });
  });

  it('falls back to the deterministic answer when the model returns garbage', async () => {
    const ai = fakeAi({ parse: () => ({ response: 'Sure! Here is the JSON you asked for: {not json' }), phrase: () => ({ response: { weird: true } }) });
    const body = await askWith(ai, { message: 'asdf qwerty zxcv' });
    expect(body).toMatchObject({ interpretation: { intent: 'help', source: 'parser', unparsed: ['asdf qwerty zxcv'] }, data: null, replySource: 'template', ai: { parse: 'invalid', phrase: 'invalid' } });
    expect(body.reply).toMatch(/^I did not understand "asdf qwerty zxcv"\. I can find GPU offers/);
  });

  it('does not use JSON that breaks the schema', async () => {
    for (const facts of [{ maxPricePerGpuHour: -3 }, { countries: ['Germany'] }, { minGpuCount: 8, maxGpuCount: 2 }, { gpuModels: ['H100'], surprise: 1 }]) {
      const ai = fakeAi({ parse: () => ({ response: { intent: 'search_offers', facts } }), phrase: () => ({ response: 'x' }) });
      const body = await askWith(ai, { message: 'asdf qwerty zxcv' });
      expect(body.interpretation).toMatchObject({ intent: 'help', source: 'parser' });
      expect(body.ai!.parse).toBe('invalid');
    }
  });

  it('falls back when the model throws or does not answer in time', async () => {
    const failing = fakeAi({
      parse: () => Promise.reject(new Error('3040: capacity exceeded')),
      phrase: () => Promise.reject(new Error('3040: capacity exceeded')),
    });
    const failed = await askWith(failing, { message: 'asdf qwerty zxcv' });
    expect(failed).toMatchObject({ interpretation: { intent: 'help' }, replySource: 'template', ai: { parse: 'failed', phrase: 'failed' } });

    const hanging = fakeAi({ parse: () => new Promise(() => {}), phrase: () => new Promise(() => {}) });
    const slow = await askWith(hanging, { message: 'asdf qwerty zxcv' }, { vars: { ASSISTANT_AI_TIMEOUT_MS: '100' } });
    expect(slow).toMatchObject({ interpretation: { intent: 'help' }, replySource: 'template', ai: { parse: 'timeout', phrase: 'timeout' } });
  });
});
