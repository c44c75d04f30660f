import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { EUROPE } from '../../src/optimizer/assistant/lexicon';
import { DEFAULT_WEIGHTS } from '../../src/optimizer/request';
import { api, ingestAt, json } from '../helpers';
import { bearer, createTenant } from '../tenancy/fixtures';
import { insertBucket, insertOffers, insertSummary } from './fixtures';

interface Answer {
  conversationId: string | null;
  interpretation: {
    intent: string;
    summary: string;
    filters?: Record<string, unknown>;
    workload?: Record<string, unknown>;
    query?: Record<string, unknown>;
    confidence: number;
    unparsed: string[];
    refined: boolean;
    source: string;
    aiFields?: string[];
  };
  data:
    | { kind: 'offers'; offers: Array<{ id: string; pricePerHourUsd: number; country: string }>; relaxed?: { dropped: string; offers: Array<{ id: string }> } }
    | { kind: 'recommendations'; recommendations: Recommendations }
    | {
        kind: 'trend';
        trend: {
          window: string;
          pricing: string;
          series: Array<{ model: string; points: unknown[]; summary: Record<string, unknown> | null; forecast: { points: unknown[]; reason: string | null } | null }>;
        };
      }
    | null;
  reply: string;
  replySource: string;
  ai?: { parse?: string; phrase?: string };
}

interface Recommendations {
  data: Array<{ rank: number; offer: { id: string; gpuCount: number }; cost: { totalUsd: number }; estimate: { hours: number }; explanation: { summary: string } | null }>;
  diagnosis: { message: string } | null;
}

interface ProblemBody {
  status: number;
  title: string;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
}

const ask = (body: unknown, headers: Record<string, string> = {}) =>
  api('/v1/assistant', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function answer(body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await ask(body, headers);
  expect(res.status).toBe(200);
  return json<Answer>(res);
}

const offersOf = (a: Answer) => (a.data?.kind === 'offers' ? a.data.offers : []);

describe('POST /v1/assistant: offers', () => {
  it('answers the cheapest 8x H100 in Europe under $25/h from the listed offers', async () => {
    const [, de, , fr] = await insertOffers([
      { externalId: 'us', gpuCount: 8, pricePerHourUsd: 18, country: 'US' },
      { externalId: 'de', gpuCount: 8, pricePerHourUsd: 23.2, country: 'DE', region: 'eu-central-1' },
      { externalId: 'fr-over', gpuCount: 8, pricePerHourUsd: 26, country: 'FR', region: 'eu-south-1' },
      { externalId: 'fr', gpuCount: 8, pricePerHourUsd: 24.5, country: 'FR', region: 'eu-south-1', gpuModel: 'H100-PCIE-80GB' },
      { externalId: 'de-4x', gpuCount: 4, pricePerHourUsd: 10, country: 'DE', region: 'eu-central-1' },
      { externalId: 'de-gone', gpuCount: 8, pricePerHourUsd: 20, country: 'DE', availability: 'unavailable' },
      { externalId: 'de-a100', gpuCount: 8, pricePerHourUsd: 12, country: 'DE', gpuModel: 'A100-80GB' },
    ]);
    const body = await answer({ message: 'cheapest 8x H100 in Europe under $25/h' });
    expect(body.conversationId).toBeNull();
    expect(body.interpretation).toMatchObject({
      intent: 'search_offers',
      filters: { minGpuCount: 8, maxGpuCount: 8, maxPricePerHour: 25, countries: [...EUROPE], sort: 'cheapest' },
      confidence: 1,
      unparsed: [],
      refined: false,
      source: 'parser',
    });
    expect(offersOf(body).map((o) => o.id)).toEqual([de, fr]);
    expect(body.reply).toBe(
      'Cheapest match for 8x H100 in Europe, under $25/h: 8x H100-80GB on the simulated market in eu-central-1 (DE), on-demand, $23.20/h ($2.90 per GPU-hour). 1 more below.',
    );
    expect(body.replySource).toBe('template');
    expect(body.ai).toBeUndefined();
  });

  it('lists what GET /v1/offers lists for the same filters on the simulated market', async () => {
    await ingestAt(Date.now());
    const body = await answer({ message: 'cheapest on-demand A100 80GB, not on runpod' });
    const expected = await json<{ data: Array<{ id: string }> }>(
      await api('/v1/offers?gpu=A100-80GB,A100-PCIE-80GB&pricing=on_demand&provider=vastai,lambda,datacrunch,tensordock,shadeform,sim&sort=pricePerGpuHour&limit=5'),
    );
    expect(expected.data.length).toBeGreaterThan(0);
    expect(offersOf(body).map((o) => o.id)).toEqual(expected.data.map((o) => o.id));
  });

  it('says which constraint to relax when nothing matches', async () => {
    const [, cheapestEu] = await insertOffers([
      { externalId: 'us', gpuCount: 8, pricePerHourUsd: 18, country: 'US' },
      { externalId: 'se', gpuCount: 8, pricePerHourUsd: 21, country: 'SE', region: 'eu-north-1' },
      { externalId: 'de', gpuCount: 8, pricePerHourUsd: 22, country: 'DE', region: 'eu-central-1' },
    ]);
    const body = await answer({ message: '8x H100 in Europe under $10/h' });
    expect(body.data).toMatchObject({ kind: 'offers', offers: [], relaxed: { dropped: 'price', offers: [{ id: cheapestEu }] } });
    expect(body.reply).toBe(
      'No listed offer matches 8x H100 in Europe, under $10/h. Without the price limit, the best is 8x H100-80GB on the simulated market in eu-north-1 (SE), on-demand, $21.00/h ($2.63 per GPU-hour).',
    );
  });

  it('puts the fastest listed GPUs first', async () => {
    const [b200, h100] = await insertOffers([
      { externalId: 'b200', gpuModel: 'B200', pricePerHourUsd: 6 },
      { externalId: 'h100', gpuModel: 'H100-80GB', pricePerHourUsd: 2 },
      { externalId: 'a100', gpuModel: 'A100-80GB', pricePerHourUsd: 1 },
    ]);
    for (const model of ['B200', 'H100-80GB', 'A100-80GB']) await insertSummary(model, 1);
    const body = await answer({ message: 'top 2 fastest GPUs' });
    expect(offersOf(body).map((o) => o.id)).toEqual([b200, h100]);
    expect(body.reply).toMatch(/^Fastest match for GPUs: 1x B200 /);
  });
});

describe('POST /v1/assistant: recommendations', () => {
  const market = () =>
    insertOffers([
      { externalId: 'h100x4', gpuCount: 4, pricePerHourUsd: 12, country: 'US' },
      { externalId: 'h100x8', gpuCount: 8, pricePerHourUsd: 22, country: 'DE', region: 'eu-central-1' },
      { externalId: 'h100x8-dear', gpuCount: 8, pricePerHourUsd: 40, country: 'US' },
      { externalId: 'a100x2', gpuCount: 2, gpuModel: 'A100-80GB', pricePerHourUsd: 3, country: 'US' },
      { externalId: 'l4', gpuCount: 1, gpuModel: 'L4', pricePerHourUsd: 0.5, country: 'US' },
    ]);

  it('recommends for the issue\'s fine-tuning job exactly what POST /v1/recommendations does', async () => {
    await market();
    const body = await answer({ message: 'fine-tune a 70B model with LoRA for about 10 hours, budget $300' });
    expect(body.interpretation.workload).toEqual({ kind: 'llm_finetune', modelParamsB: 70, finetuneMethod: 'lora', hours: 10, budgetUsd: 300 });
    const direct = await json<Recommendations>(
      await api('/v1/recommendations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body.interpretation.workload) }),
    );
    expect(direct.data.length).toBeGreaterThan(0);
    expect(body.data?.kind).toBe('recommendations');
    const got = body.data!.kind === 'recommendations' ? body.data!.recommendations : undefined;
    expect(got!.data.map((r) => [r.rank, r.offer.id, r.cost.totalUsd])).toEqual(direct.data.map((r) => [r.rank, r.offer.id, r.cost.totalUsd]));
    const best = direct.data[0]!;
    expect(best.cost.totalUsd).toBeLessThanOrEqual(300);
    expect(body.reply).toMatch(new RegExp(`^Best offer to fine-tune a 70B model \\(LoRA\\), for 10 hours, budget \\$300: ${best.offer.gpuCount}x H100-80GB `));
    expect(body.reply).toContain(`$${best.cost.totalUsd.toFixed(2)} in total`);
  });

  it('treats GPUs with a duration as raw needs of at least one GPU', async () => {
    const [, , , a100] = await market();
    const body = await answer({ message: 'cheapest A100 80GB for about 3 hours' });
    expect(body.interpretation.workload).toMatchObject({ gpuModels: ['A100-80GB', 'A100-PCIE-80GB'], gpuCount: 1, hours: 3 });
    const got = body.data!.kind === 'recommendations' ? body.data!.recommendations : undefined;
    expect(got!.data.map((r) => r.offer.id)).toEqual([a100]);
    expect(body.reply).toContain('about 3 h, $9.00 in total');
  });

  it('asks for what the engine needs instead of failing', async () => {
    const body = await answer({ message: 'fine-tune llama 3 on 4 A100s' });
    expect(body.interpretation).toMatchObject({ intent: 'recommend', workload: { kind: 'llm_finetune', gpuCount: 4 } });
    expect(body.data).toBeNull();
    expect(body.reply).toBe(
      'I read this as: fine-tune Llama 3, on 4x A100. To recommend an offer I need to know how large the model is (say "a 7B model" or "Llama 3 70B"), ' +
        'and how long it runs or how much data it reads (say "for 10 hours" or "on 1B tokens").',
    );
  });

  it('says why nothing fits', async () => {
    await market();
    const body = await answer({ message: 'fine-tune a 70B model with LoRA for about 10 hours, budget $30' });
    const got = body.data!.kind === 'recommendations' ? body.data!.recommendations : undefined;
    expect(got!.data).toEqual([]);
    expect(body.reply).toBe(`No offer fits fine-tune a 70B model (LoRA), for 10 hours, budget $30. ${got!.diagnosis!.message}`);
  });

  it('answers a workload no instance can hold with the reason, not an error', async () => {
    await market();
    const body = await answer({ message: 'serve a 9000B model in fp32' });
    expect(body.data).toBeNull();
    expect(body.reply).toMatch(/^I read this as: serve a 9000B model, fp32\. .+/);
  });
});

describe('POST /v1/assistant: price trends', () => {
  it('answers a spot trend for A100 this week from the stored history', async () => {
    const now = Date.now();
    const day = 86_400_000;
    await insertBucket('A100-80GB', 'spot', now - 6 * day, 2.0, 1.9, 2.2);
    await insertBucket('A100-80GB', 'spot', now - 3 * day, 1.95, 1.7, 2.1);
    await insertBucket('A100-80GB', 'spot', now - 3_600_000, 1.8, 1.75, 1.9);
    await insertBucket('A100-80GB', 'on_demand', now - 3_600_000, 3.5);
    const body = await answer({ message: "what's the spot price trend for A100 this week?" });
    expect(body.interpretation).toMatchObject({ intent: 'price_trend', query: { gpuModels: ['A100-80GB', 'A100-PCIE-80GB', 'A100-40GB'], pricing: 'spot', window: '7d', forecast: false } });
    expect(body.data?.kind).toBe('trend');
    const trend = body.data!.kind === 'trend' ? body.data!.trend : undefined;
    expect(trend!.series.map((s) => [s.model, s.points.length])).toEqual([['A100-80GB', 3], ['A100-PCIE-80GB', 0], ['A100-40GB', 0]]);
    expect(trend!.series[0]!.summary).toMatchObject({ firstMedianUsd: 2, lastMedianUsd: 1.8, changePct: -10, lowUsd: 1.7, highUsd: 2.2 });
    expect(body.reply).toContain('A100-80GB spot median per GPU-hour over the last 7 days: down from $2.00 to $1.80 (−10.0%), low $1.70, high $2.20.');
    expect(body.reply).toContain('No spot price history for A100-PCIE-80GB over the last 7 days yet.');
    await insertBucket('A100-40GB', 'spot', now - 3_600_000, 1.2);
    const one = await answer({ message: 'A100 40GB spot price trend' });
    expect(one.reply).toBe('A100-40GB spot median per GPU-hour: $1.20, the only reading over the last 7 days so far.');
  });

  it('reads the same history as GET /v1/gpus/{model}/history after real ingestions', async () => {
    const now = Date.now();
    for (const minutesAgo of [180, 90, 0]) await ingestAt(now - minutesAgo * 60_000);
    const body = await answer({ message: 'how did H100 SXM prices move in the last 24h' });
    const history = await json<{ data: Array<{ medianPricePerGpuHourUsd: number }> }>(await api('/v1/gpus/H100-80GB/history?window=24h'));
    const series = body.data!.kind === 'trend' ? body.data!.trend.series : [];
    expect(series.map((s) => s.model)).toEqual(['H100-80GB']);
    expect(series[0]!.points).toEqual(history.data);
    expect(history.data.length).toBeGreaterThanOrEqual(2);
  });

  it('answers "will prices drop?" for the most-listed models, saying when history is too short to forecast', async () => {
    const now = Date.now();
    await insertSummary('RTX-4090', 40);
    await insertSummary('H100-80GB', 25);
    await insertSummary('L4', 3);
    await insertSummary('A10', 1);
    await insertBucket('RTX-4090', 'all', now - 86_400_000, 0.4);
    await insertBucket('RTX-4090', 'all', now - 600_000, 0.42);
    const body = await answer({ message: 'will prices drop?' });
    expect(body.interpretation.query).toEqual({ pricing: 'all', window: '7d', forecast: true });
    const series = body.data!.kind === 'trend' ? body.data!.trend.series : [];
    expect(series.map((s) => s.model)).toEqual(['RTX-4090', 'H100-80GB', 'L4']);
    expect(body.reply).toContain('RTX-4090 median per GPU-hour over the last 7 days: up from $0.40 to $0.42 (+5.0%)');
    expect(series[0]!.forecast).toMatchObject({ estimate: true, points: [], reason: expect.stringContaining('not enough history') });
    expect(body.reply).toContain('No forecast for RTX-4090: not enough history');
  });

  it('forecasts where prices are going as GET /v1/gpus/{model}/forecast does', async () => {
    const hour = 3_600_000;
    const start = Math.floor(Date.now() / hour) * hour - 47 * hour;
    for (let i = 0; i < 48; i++) await insertBucket('H100-80GB', 'all', start + i * hour, 3 - i * 0.01 + (i % 3) * 0.005);
    const body = await answer({ message: 'will H100 SXM prices drop?' });
    const series = body.data!.kind === 'trend' ? body.data!.trend.series : [];
    const endpoint = await json<{ forecast: Array<{ pricePerGpuHourUsd: number; lower80Usd: number; upper80Usd: number }>; backtest: { mapePercent: number } }>(
      await api('/v1/gpus/H100-80GB/forecast'),
    );
    expect(endpoint.forecast).toHaveLength(24);
    expect(series[0]!.forecast).toMatchObject({ estimate: true, horizonHours: 24, reason: null, backtestMapePercent: endpoint.backtest.mapePercent });
    expect(series[0]!.forecast!.points).toEqual(endpoint.forecast.map((p) => expect.objectContaining(p)));
    const last = endpoint.forecast[23]!;
    expect(last.pricePerGpuHourUsd).toBeLessThan(2.6);
    expect(body.reply).toContain(`Estimate for the next 24 hours (an extrapolation, not a quote): $${last.pricePerGpuHourUsd.toFixed(2)}, 80% range`);
  });
});

describe('POST /v1/assistant: conversations', () => {
  it('stores a tenant conversation and refines the last request with follow-ups', async () => {
    const tenant = await createTenant();
    const auth = bearer(tenant.apiKey);
    const first = await answer({ message: 'cheapest 8x H100 in Europe under $25/h' }, auth);
    expect(first.conversationId).toMatch(/^cnv_[0-9a-z]{16}$/);
    const id = first.conversationId!;

    const us = await answer({ message: 'and in the US?', conversationId: id }, auth);
    expect(us.conversationId).toBe(id);
    expect(us.interpretation).toMatchObject({ intent: 'search_offers', refined: true, summary: '8x H100 in the US, under $25/h, cheapest first' });
    expect(us.interpretation.filters).toEqual({
      gpuModels: ['H100-80GB', 'H100-PCIE-80GB', 'H100-NVL-94GB'],
      minGpuCount: 8,
      maxGpuCount: 8,
      maxPricePerHour: 25,
      countries: ['US'],
      sort: 'cheapest',
    });
    const spot = await answer({ message: 'what about spot?', conversationId: id }, auth);
    expect(spot.interpretation.filters).toMatchObject({ countries: ['US'], pricing: ['spot', 'interruptible'], maxPricePerHour: 25 });
    const four = await answer({ message: 'make it 4 GPUs', conversationId: id }, auth);
    expect(four.interpretation.filters).toMatchObject({ minGpuCount: 4, maxGpuCount: 4, maxPricePerHour: 25, pricing: ['spot', 'interruptible'] });
    const cheaper = await answer({ message: 'cheaper than $2', conversationId: id }, auth);
    expect(cheaper.interpretation.filters).toMatchObject({ minGpuCount: 4, maxPricePerGpuHour: 2 });
    expect(cheaper.interpretation.filters).not.toHaveProperty('maxPricePerHour');
    const hours = await answer({ message: 'for 20 hours instead', conversationId: id }, auth);
    expect(hours.interpretation).toMatchObject({ intent: 'recommend', refined: true });
    expect(hours.interpretation.workload).toEqual({
      gpuModels: ['H100-80GB', 'H100-PCIE-80GB', 'H100-NVL-94GB'],
      gpuCount: 4,
      hours: 20,
      maxPricePerGpuHour: 2,
      interruptible: true,
      countries: ['US'],
      weights: { ...DEFAULT_WEIGHTS, cost: DEFAULT_WEIGHTS.cost * 2 },
    });

    const stored = await env.DB.prepare(`SELECT seq, message, intent FROM assistant_turns WHERE tenant_id = ?1 AND conversation_id = ?2 ORDER BY seq`)
      .bind(tenant.tenantId, id)
      .all<{ seq: number; message: string; intent: string }>();
    expect(stored.results.map((r) => [r.seq, r.intent])).toEqual([
      [1, 'search_offers'],
      [2, 'search_offers'],
      [3, 'search_offers'],
      [4, 'search_offers'],
      [5, 'search_offers'],
      [6, 'recommend'],
    ]);
    const conversation = await json<{ id: string; turnCount: number; turns: Array<{ seq: number; message: string; reply: string; interpretation: { refined: boolean } }> }>(
      await api(`/v1/assistant/conversations/${id}`, { headers: auth }),
    );
    expect(conversation).toMatchObject({ id, turnCount: 6 });
    expect(conversation.turns[1]).toMatchObject({ seq: 2, message: 'and in the US?', reply: us.reply, interpretation: { refined: true } });
  });

  it('a trend follow-up keeps the GPU and a new subject starts a new request', async () => {
    const { apiKey } = await createTenant();
    const auth = bearer(apiKey);
    const first = await answer({ message: '2x A100 in Japan' }, auth);
    const trend = await answer({ message: 'will prices drop?', conversationId: first.conversationId }, auth);
    expect(trend.interpretation).toMatchObject({ intent: 'price_trend', refined: true, query: { gpuModels: ['A100-80GB', 'A100-PCIE-80GB', 'A100-40GB'], forecast: true } });
    const spot = await answer({ message: 'what about spot?', conversationId: first.conversationId }, auth);
    expect(spot.interpretation).toMatchObject({ intent: 'price_trend', query: { pricing: 'spot' } });
    const fresh = await answer({ message: 'L40S in Germany', conversationId: first.conversationId }, auth);
    expect(fresh.interpretation).toMatchObject({ intent: 'search_offers', refined: false, filters: { gpuModels: ['L40S'], countries: ['DE'] } });
  });

  it('a message it cannot read leaves the last request for the next follow-up', async () => {
    const { apiKey } = await createTenant();
    const auth = bearer(apiKey);
    const first = await answer({ message: 'RTX 4090 under $0.50/h' }, auth);
    const noise = await answer({ message: 'thanks, lovely weather', conversationId: first.conversationId }, auth);
    expect(noise.interpretation).toMatchObject({ intent: 'help', refined: false });
    const follow = await answer({ message: 'and in Canada?', conversationId: first.conversationId }, auth);
    expect(follow.interpretation).toMatchObject({ intent: 'search_offers', refined: true, filters: { gpuModels: ['RTX-4090'], maxPricePerGpuHour: 0.5, countries: ['CA'] } });
  });

  it(`keeps only the last 20 turns`, async () => {
    const { apiKey, tenantId } = await createTenant();
    const auth = bearer(apiKey);
    const first = await answer({ message: 'H100 in the US' }, auth);
    for (let i = 2; i <= 23; i++) await answer({ message: `make it ${i} GPUs`, conversationId: first.conversationId }, auth);
    const rows = await env.DB.prepare(`SELECT seq FROM assistant_turns WHERE tenant_id = ?1 AND conversation_id = ?2 ORDER BY seq`)
      .bind(tenantId, first.conversationId)
      .all<{ seq: number }>();
    expect(rows.results.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 4));
    const conversation = await json<{ turnCount: number; turns: Array<{ seq: number; message: string }> }>(
      await api(`/v1/assistant/conversations/${first.conversationId}`, { headers: auth }),
    );
    expect(conversation.turnCount).toBe(23);
    expect(conversation.turns.map((t) => t.message)).toEqual(Array.from({ length: 20 }, (_, i) => `make it ${i + 4} GPUs`));
    // The pruned first turn's GPU still carries through: each turn stores the whole refined request.
    const last = await answer({ message: 'and in Europe?', conversationId: first.conversationId }, auth);
    expect(last.interpretation.filters).toMatchObject({ gpuModels: ['H100-80GB', 'H100-PCIE-80GB', 'H100-NVL-94GB'], minGpuCount: 23 });
  });

  it("answers 404 for another tenant's conversation and leaves it untouched", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const mine = await answer({ message: 'H100 in the US' }, bearer(a.apiKey));
    const id = mine.conversationId!;
    for (const res of [
      await ask({ message: 'and in Europe?', conversationId: id }, bearer(b.apiKey)),
      await api(`/v1/assistant/conversations/${id}`, { headers: bearer(b.apiKey) }),
      await api(`/v1/assistant/conversations/${id}`, { method: 'DELETE', headers: bearer(b.apiKey) }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await json<ProblemBody>(res)).toMatchObject({ status: 404, detail: `no conversation ${id}` });
    }
    const { n } = (await env.DB.prepare(`SELECT COUNT(*) AS n FROM assistant_turns WHERE conversation_id = ?1`).bind(id).first<{ n: number }>())!;
    expect(n).toBe(1);
    const { results } = await env.DB.prepare(`SELECT tenant_id FROM assistant_conversations`).all<{ tenant_id: string }>();
    expect(results).toEqual([{ tenant_id: a.tenantId }]);
  });

  it('replays a retried turn with the same Idempotency-Key instead of storing it twice', async () => {
    const { apiKey, tenantId } = await createTenant();
    const headers = { ...bearer(apiKey), 'idempotency-key': 'turn-1' };
    const first = await ask({ message: 'H100 in the US' }, headers);
    const again = await ask({ message: 'H100 in the US' }, headers);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await json<Answer>(again)).toEqual(await json<Answer>(first));
    expect((await env.DB.prepare(`SELECT COUNT(*) AS n FROM assistant_turns WHERE tenant_id = ?1`).bind(tenantId).first<{ n: number }>())!.n).toBe(1);
  });

  it('deletes a conversation with its turns', async () => {
    const { apiKey } = await createTenant();
    const first = await answer({ message: 'H100 in the US' }, bearer(apiKey));
    const res = await api(`/v1/assistant/conversations/${first.conversationId}`, { method: 'DELETE', headers: bearer(apiKey) });
    expect(res.status).toBe(204);
    expect((await env.DB.prepare(`SELECT COUNT(*) AS n FROM assistant_turns`).first<{ n: number }>())!.n).toBe(0);
    expect((await api(`/v1/assistant/conversations/${first.conversationId}`, { headers: bearer(apiKey) })).status).toBe(404);
  });

  it('answers anonymous callers without storing anything, and refuses them a conversation', async () => {
    const body = await answer({ message: 'H100 in the US' });
    expect(body.conversationId).toBeNull();
    expect((await env.DB.prepare(`SELECT COUNT(*) AS n FROM assistant_conversations`).first<{ n: number }>())!.n).toBe(0);
    const res = await ask({ message: 'and in Europe?', conversationId: 'cnv_0123456789abcdef' });
    expect(res.status).toBe(401);
    expect(await json<ProblemBody>(res)).toMatchObject({ status: 401, detail: 'conversations belong to a tenant: sign in or send an API key' });
    expect((await api('/v1/assistant/conversations/cnv_0123456789abcdef')).status).toBe(401);
  });
});

describe('POST /v1/assistant: bad input', () => {
  const expectProblem = async (res: Response, status: number, field?: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await json<ProblemBody>(res);
    if (field) expect(body.errors?.map((e) => e.field)).toContain(field);
    return body;
  };

  it('refuses an empty or blank message naming body.message', async () => {
    for (const message of ['', '   \n\t ']) {
      const body = await expectProblem(await ask({ message }), 400, 'body.message');
      expect(body.errors).toEqual([{ field: 'body.message', message: 'must not be empty' }]);
    }
    await expectProblem(await ask({}), 400, 'body.message');
    await expectProblem(await ask({ message: 42 }), 400, 'body.message');
  });

  it('refuses 10 KB of noise and stores nothing', async () => {
    const { apiKey } = await createTenant();
    const noise = Array.from({ length: 10_240 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 90))).join('');
    const body = await expectProblem(await ask({ message: noise }, bearer(apiKey)), 400, 'body.message');
    expect(body.errors).toEqual([{ field: 'body.message', message: 'at most 2000 characters' }]);
    expect((await env.DB.prepare(`SELECT COUNT(*) AS n FROM assistant_turns`).first<{ n: number }>())!.n).toBe(0);
  });

  it('refuses unknown fields and malformed conversation ids', async () => {
    await expectProblem(await ask({ message: 'H100', model: 'gpt' }), 400, 'body.model');
    await expectProblem(await ask({ message: 'H100', conversationId: 'nope' }), 400, 'body.conversationId');
  });

  it('answers a message in another language with help and examples', async () => {
    const body = await answer({ message: 'Quelle est la carte graphique la moins chère ?' });
    expect(body.interpretation).toMatchObject({ intent: 'help', confidence: 0, unparsed: ['quelle est la carte graphique la moins chère'] });
    expect(body.data).toBeNull();
    expect(body.reply).toContain('Try: "cheapest 8x H100 in Europe under $25/h"');
  });

  it('answers 2,000 characters of noise with help', async () => {
    const noise = Array.from({ length: 2000 }, (_, i) => 'zq#%!~^'[i % 7]).join('');
    const body = await answer({ message: noise });
    expect(body.interpretation.intent).toBe('help');
    expect(body.reply).toMatch(/^I did not understand "zq.*Try:/);
  });
});
