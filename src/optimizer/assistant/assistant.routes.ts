// Route declarations of the assistant: validation and OpenAPI from the same schemas.
import { createRoute, z } from '@hono/zod-openapi';
import { idempotency } from '../../http/idempotency';
import { problemResponses } from '../../http/openapi';
import { OfferSchema } from '../../market/offers.schemas';
import { requireRole } from '../../tenancy/auth.middleware';
import { RecommendationResultSchema } from '../response';
import { CONVERSATION_ID, MAX_TURNS } from './conversations';
import { INTENTS, OfferFiltersSchema, TREND_WINDOWS, TrendQuerySchema } from './interpretation';

const TAGS = ['Assistant'];

/** Longest message read; a request is a sentence or two, and the parser's work grows with the text. */
export const MAX_MESSAGE_CHARS = 2000;

const conversationId = z.string().regex(CONVERSATION_ID, 'a conversation id looks like cnv_ followed by 16 characters');

export const AssistantRequestSchema = z
  .object({
    message: z
      .string()
      .max(MAX_MESSAGE_CHARS, `at most ${MAX_MESSAGE_CHARS} characters`)
      .trim()
      .min(1, 'must not be empty')
      .openapi({ example: 'cheapest 8x H100 in Europe under $25/h' }),
    conversationId: conversationId.optional().openapi({ description: 'Continue this conversation (tenants only); its last request is refined.' }),
  })
  .strict();

const AI_OUTCOMES = ['used', 'invalid', 'failed', 'timeout'] as const;

export const InterpretationSchema = z
  .object({
    intent: z.enum(INTENTS),
    summary: z.string().openapi({ example: '8x H100 in Europe, under $25/h, cheapest first' }),
    filters: OfferFiltersSchema.optional().openapi({ description: 'search_offers: the offer search run.' }),
    workload: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'recommend: the request sent to POST /v1/recommendations (see RecommendationRequest).' }),
    query: TrendQuerySchema.optional().openapi({ description: 'price_trend: the history read.' }),
    modelName: z.string().optional().openapi({ example: 'Llama 3 70B' }),
    confidence: z.number().min(0).max(1).openapi({ description: "Share of the message's meaningful words the deterministic parser understood." }),
    unparsed: z.array(z.string()).openapi({ description: 'Phrases not understood, in message order.' }),
    refined: z.boolean().openapi({ description: "True when the message refined the conversation's last request." }),
    source: z.enum(['parser', 'parser+ai']),
    aiFields: z.array(z.string()).optional().openapi({ description: 'Fields Workers AI supplied that the parser could not read.' }),
  })
  .openapi('AssistantInterpretation');

const TrendSeriesSchema = z.object({
  model: z.string(),
  points: z.array(
    z.object({
      t: z.string(),
      minPricePerGpuHourUsd: z.number(),
      medianPricePerGpuHourUsd: z.number(),
      maxPricePerGpuHourUsd: z.number(),
      offers: z.number().int(),
    }),
  ),
  summary: z
    .object({
      firstMedianUsd: z.number(),
      lastMedianUsd: z.number(),
      changePct: z.number(),
      lowUsd: z.number(),
      highUsd: z.number(),
      from: z.string(),
      to: z.string(),
    })
    .nullable(),
  forecast: z
    .object({
      estimate: z.literal(true),
      method: z.literal('holt-linear'),
      horizonHours: z.number().int(),
      points: z.array(
        z.object({
          t: z.string(),
          pricePerGpuHourUsd: z.number(),
          lower80Usd: z.number(),
          upper80Usd: z.number(),
          lower95Usd: z.number(),
          upper95Usd: z.number(),
        }),
      ),
      backtestMapePercent: z.number().nullable(),
      reason: z.string().nullable(),
    })
    .nullable()
    .openapi({ description: 'When the question asked where prices are going: the forecast of GET /v1/gpus/{model}/forecast (an estimate).' }),
});

const AssistantDataSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('offers'),
      offers: z.array(OfferSchema),
      relaxed: z
        .object({ dropped: z.enum(['price', 'location', 'pricing', 'providers']), offers: z.array(OfferSchema) })
        .optional()
        .openapi({ description: 'When nothing matched: the constraint that, dropped, gives offers.' }),
    }),
    z.object({
      kind: z.literal('recommendations'),
      recommendations: RecommendationResultSchema.openapi({ description: 'What POST /v1/recommendations answers for the workload.' }),
    }),
    z.object({
      kind: z.literal('trend'),
      trend: z.object({
        window: z.enum(TREND_WINDOWS),
        pricing: z.string(),
        bucketSeconds: z.number().int(),
        series: z.array(TrendSeriesSchema),
      }),
    }),
  ])
  .nullable()
  .openapi('AssistantData');

export const AssistantResponseSchema = z
  .object({
    conversationId: z.string().nullable().openapi({ description: 'Null for anonymous callers (nothing is stored).' }),
    interpretation: InterpretationSchema,
    data: AssistantDataSchema,
    reply: z.string(),
    replySource: z.enum(['template', 'ai']),
    ai: z
      .object({ parse: z.enum(AI_OUTCOMES).optional(), phrase: z.enum(AI_OUTCOMES).optional() })
      .optional()
      .openapi({ description: 'Outcome of each Workers AI call, when the AI binding is configured.' }),
  })
  .openapi('AssistantAnswer');

export const assistantRoute = createRoute({
  method: 'post',
  path: '/v1/assistant',
  tags: TAGS,
  summary: 'Ask the assistant in plain English',
  description:
    'Understands requests such as "cheapest 8x H100 in Europe under $25/h", "fine-tune a 70B model with LoRA for about 10 hours, ' +
    `budget $300" or "what's the spot price trend for A100 this week?" and answers with the structured interpretation, the data and a ` +
    `short reply. Anyone may ask one-off questions; tenants (any role) get a stored conversation (the last ${MAX_TURNS} turns) whose ` +
    'follow-ups ("and in the US?") refine the last request.',
  middleware: [idempotency()],
  request: { body: { required: true, content: { 'application/json': { schema: AssistantRequestSchema } } } },
  responses: {
    200: { description: 'The answer', content: { 'application/json': { schema: AssistantResponseSchema } } },
    ...problemResponses(400, 401, 404, 429),
  },
});

const IdParams = z.object({ id: conversationId.openapi({ param: { name: 'id', in: 'path' }, example: 'cnv_abcdefghjkmnpqrs' }) });

export const ConversationSchema = z
  .object({
    id: z.string(),
    turnCount: z.number().int().openapi({ description: 'Turns ever taken; only the last ones are kept.' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    turns: z.array(
      z.object({ seq: z.number().int(), message: z.string(), interpretation: InterpretationSchema, reply: z.string(), createdAt: z.string() }),
    ),
  })
  .openapi('AssistantConversation');

export const getConversationRoute = createRoute({
  method: 'get',
  path: '/v1/assistant/conversations/{id}',
  tags: TAGS,
  summary: `A conversation with its last ${MAX_TURNS} turns`,
  middleware: [requireRole('viewer')],
  request: { params: IdParams },
  responses: {
    200: { description: 'The conversation', content: { 'application/json': { schema: ConversationSchema } } },
    ...problemResponses(400, 401, 404),
  },
});

export const deleteConversationRoute = createRoute({
  method: 'delete',
  path: '/v1/assistant/conversations/{id}',
  tags: TAGS,
  summary: 'Delete a conversation and its turns',
  middleware: [requireRole('viewer')],
  request: { params: IdParams },
  responses: {
    204: { description: 'Deleted' },
    ...problemResponses(400, 401, 404),
  },
});
