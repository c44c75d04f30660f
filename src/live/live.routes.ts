// Route declarations of live prices: the WebSocket endpoint and its Server-Sent Events fallback.
// Both take the same query: channels, a filter (the `/v1/offers` filter names) and a resume point.
import { createRoute, z } from '@hono/zod-openapi';
import { PRICING_TYPES } from '../catalog/offer';
import { problemResponses } from '../http/openapi';
import { integer, list, number } from '../market/offers.schemas';
import { LIMITS } from './protocol';

const filterParams = {
  maxPricePerGpuHour: number(0, true).optional().openapi({ description: 'Only offers at or under this price per GPU-hour, USD.', example: '3' }),
  pricing: z.enum(PRICING_TYPES).optional().openapi({ description: 'Only this pricing type.' }),
  minGpuCount: integer(1, 1024).optional().openapi({ description: 'Minimum GPUs per instance.' }),
  maxGpuCount: integer(1, 1024).optional().openapi({ description: 'Maximum GPUs per instance.' }),
  minVramGb: number(0).optional().openapi({ description: 'Minimum VRAM per GPU, GB.' }),
  gpuModels: list(40).optional().openapi({ description: 'Only these GPU models (names or aliases), comma-separated.' }),
  providers: list(10).optional().openapi({ description: 'Only these providers, comma-separated.' }),
  countries: list(50).optional().openapi({ description: 'Only these countries (ISO 3166-1 alpha-2), comma-separated.' }),
};

const resumeParams = {
  lastSeq: integer(0, Number.MAX_SAFE_INTEGER)
    .optional()
    .openapi({ description: 'The last `seq` received on this URL: the room replays what came after (or sends a snapshot when it no longer holds it).' }),
  token: z
    .string()
    .max(4096)
    .optional()
    .openapi({ description: 'An API key or access token, for clients that cannot set Authorization (browsers). It may instead be a `bearer.<token>` entry of Sec-WebSocket-Protocol.' }),
};

export const LiveQuerySchema = z
  .object({
    channels: list(LIMITS.maxSubscriptions)
      .optional()
      .openapi({ description: 'Channels to subscribe to at once, comma-separated: `market`, `gpu:<model>`, `provider:<id>`.', example: 'gpu:H100-80GB' }),
    ...filterParams,
    ...resumeParams,
  })
  .strict();

export const LiveSseQuerySchema = z
  .object({
    channels: list(LIMITS.maxSubscriptions).openapi({ description: 'Channels, comma-separated: `market`, `gpu:<model>`, `provider:<id>`.', example: 'gpu:H100-80GB' }),
    ...filterParams,
    ...resumeParams,
  })
  .strict();

export type LiveQuery = z.output<typeof LiveQuerySchema>;

const PROTOCOL =
  'Messages are JSON. The server sends `welcome`, then per channel a `snapshot` (the cheapest listed offers that pass the filter, ' +
  `at most ${LIMITS.snapshotSize}) and afterwards \`update\` messages (offers added, price and availability changes old → new, ` +
  'offers removed), at most one per channel per second, each with the room\'s `seq`. Clients send ' +
  '`{"type":"subscribe","channels":[…],"filter":{…},"lastSeq":n}`, `{"type":"unsubscribe","channels":[…]}` and ' +
  '`{"type":"ping"}` (answered with `{"type":"pong"}`) every 30 s. See the README, "Live prices".';

export const liveSocketRoute = createRoute({
  method: 'get',
  path: '/v1/live',
  tags: ['Live'],
  summary: 'Live prices over a WebSocket',
  description:
    'Upgrades to a WebSocket (subprotocol `gpubroker.v1`). Anonymous callers may connect; an API key or access token may be ' +
    'given as `token` or as a `bearer.<token>` Sec-WebSocket-Protocol entry. A connection for exactly one channel is held by ' +
    'that channel\'s room and carries only it; any other connection can subscribe to any channels. Refusals after the ' +
    'upgrade request arrive as a close frame: 4000 + the HTTP status (4400, 4401, 4429) with the reason. ' +
    PROTOCOL,
  request: { query: LiveQuerySchema },
  responses: {
    101: { description: 'Switching to the WebSocket protocol' },
    ...problemResponses(400, 426, 429),
  },
});

export const liveSseRoute = createRoute({
  method: 'get',
  path: '/v1/live/sse',
  tags: ['Live'],
  summary: 'Live prices as Server-Sent Events',
  description:
    'The WebSocket messages as an event stream, for clients that cannot use WebSockets: each message is an event named by its ' +
    '`type`; snapshots and updates carry `id: <seq>`, so a reconnecting EventSource resumes through Last-Event-ID. ' +
    'A comment line every 15 s keeps proxies from closing the stream.',
  request: { query: LiveSseQuerySchema },
  responses: {
    200: { description: 'An endless event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...problemResponses(400, 429),
  },
});
