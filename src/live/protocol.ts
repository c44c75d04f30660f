// The live-price protocol: channel names, subscription filters, the messages a client may send, and
// which changes a subscription sees. Pure: the PriceRoom and the HTTP routes share it, tests call it.
import { z } from 'zod';
import { AVAILABILITY, PRICING_TYPES } from '../catalog/offer';
import { getGpuModel, resolveGpuModel } from '../catalog/gpus';
import { ADAPTERS } from '../providers/registry';

/** Protocol limits, stated once: the welcome message and the README quote them. */
export const LIMITS = {
  maxSubscriptions: 50,
  maxMessageBytes: 16 * 1024,
  maxMessagesPerSecond: 20,
  /** Bad messages (or flood refusals) within `strikeWindowMs` that close the socket with 1008. */
  maxStrikes: 3,
  strikeWindowMs: 60_000,
  snapshotSize: 100,
  heartbeatIntervalMs: 30_000,
  /** At most one `update` per channel per this many ms. */
  minUpdateIntervalMs: 1000,
  /** How long a room keeps sent batches for replay. A reconnect within this window misses nothing. */
  replayWindowMs: 5 * 60_000,
  maxReplayBatches: 200,
} as const;

/** WebSocket subprotocol the server selects; browsers pass credentials as a second `bearer.<token>` entry. */
export const SUBPROTOCOL = 'gpubroker.v1';
export const BEARER_PROTOCOL_PREFIX = 'bearer.';

/** Close codes: 1008 is the standard "policy violation"; 4xxx mirror the HTTP status of the refusal. */
export const CLOSE = {
  policy: 1008,
  badRequest: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  tooMany: 4429,
  internal: 4500,
} as const;

const PROVIDER_IDS = ADAPTERS.map((a) => a.id);

export type Channel = string;
export type ChannelKind = 'market' | 'gpu' | 'provider' | 'alerts';

/** A tenant's own price-alert messages. Held by a room of the tenant's own, never by the market room. */
export const ALERTS_CHANNEL = 'alerts';
const ALERTS_ROOM_PREFIX = 'alerts:';

/** The room that holds a tenant's `alerts` subscriptions. */
export const alertsRoom = (tenantId: string) => `${ALERTS_ROOM_PREFIX}${tenantId}`;

/** The tenant an alerts room belongs to, or null for any other room. */
export const alertsRoomTenant = (room: string): string | null => (room.startsWith(ALERTS_ROOM_PREFIX) ? room.slice(ALERTS_ROOM_PREFIX.length) : null);

/**
 * Parses a channel name: `market`, `gpu:<model>` (canonical name or alias, case-insensitive) or
 * `provider:<id>`. Returns the canonical channel name, or null if there is no such channel.
 */
export function canonicalChannel(raw: string): Channel | null {
  const text = raw.trim();
  if (text === 'market') return 'market';
  if (text === ALERTS_CHANNEL) return ALERTS_CHANNEL;
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  const kind = text.slice(0, colon).toLowerCase();
  const name = text.slice(colon + 1);
  if (kind === 'gpu') {
    const model = getGpuModel(name) ?? resolveGpuModel(name);
    return model ? `gpu:${model.name}` : null;
  }
  if (kind === 'provider') {
    const id = name.toLowerCase();
    return PROVIDER_IDS.includes(id) ? `provider:${id}` : null;
  }
  return null;
}

export function channelKind(channel: Channel): ChannelKind {
  if (channel === ALERTS_CHANNEL) return 'alerts';
  return channel === 'market' ? 'market' : channel.startsWith('gpu:') ? 'gpu' : 'provider';
}

/** Whether an offer of this GPU model and provider belongs to the channel. */
export function inChannel(channel: Channel, gpuModel: string, provider: string): boolean {
  if (channel === 'market') return true;
  if (channel === ALERTS_CHANNEL) return false;
  if (channel.startsWith('gpu:')) return channel.slice(4) === gpuModel;
  return channel.slice(9) === provider;
}

/**
 * The Durable Object that holds a connection. A connection for exactly one channel lives in that
 * channel's room, so a busy channel's fan-out has an object of its own; any other connection lives
 * in the market room, which sees every change and so can serve any mix of channels.
 */
export function homeRoomFor(channels: readonly Channel[]): Channel {
  const distinct = [...new Set(channels)];
  return distinct.length === 1 ? distinct[0]! : 'market';
}

/** The room name minus an optional `#shard` suffix (tests use suffixes for rooms of their own). */
export function roomChannel(room: string): Channel {
  if (alertsRoomTenant(room) !== null) return ALERTS_CHANNEL;
  const hash = room.indexOf('#');
  return hash < 0 ? room : room.slice(0, hash);
}

/** Whether a room can serve a subscription: the market room carries every change, others only their own. */
export function roomServes(room: string, channel: Channel): boolean {
  const own = roomChannel(room);
  if (own === ALERTS_CHANNEL || channel === ALERTS_CHANNEL) return own === channel;
  return own === 'market' || own === channel;
}

const upperList = <T extends z.ZodType<string>>(item: T, max: number) => z.array(item).min(1).max(max);

export const FilterSchema = z
  .object({
    maxPricePerGpuHour: z.number().positive().max(10_000).optional(),
    pricing: z.enum(PRICING_TYPES).optional(),
    minGpuCount: z.number().int().min(1).max(1024).optional(),
    maxGpuCount: z.number().int().min(1).max(1024).optional(),
    minVramGb: z.number().min(0).max(10_000).optional(),
    gpuModels: upperList(z.string().max(64), 40)
      .transform((items, ctx) => {
        const out: string[] = [];
        for (const item of items) {
          const model = getGpuModel(item) ?? resolveGpuModel(item);
          if (!model) {
            ctx.addIssue({ code: 'custom', message: `unknown GPU "${item}"; see GET /v1/gpus` });
            return z.NEVER;
          }
          if (!out.includes(model.name)) out.push(model.name);
        }
        return out;
      })
      .optional(),
    providers: upperList(z.string().max(32), PROVIDER_IDS.length)
      .refine((items) => items.every((p) => PROVIDER_IDS.includes(p.toLowerCase())), `providers are ${PROVIDER_IDS.join(', ')}`)
      .transform((items) => [...new Set(items.map((p) => p.toLowerCase()))])
      .optional(),
    countries: upperList(z.string().regex(/^[A-Za-z]{2}$/, 'ISO 3166-1 alpha-2, e.g. US'), 50)
      .transform((items) => [...new Set(items.map((c) => c.toUpperCase()))])
      .optional(),
  })
  .strict()
  .refine((f) => f.minGpuCount === undefined || f.maxGpuCount === undefined || f.minGpuCount <= f.maxGpuCount, {
    message: 'maxGpuCount must be at least minGpuCount',
    path: ['maxGpuCount'],
  });

export type Filter = z.output<typeof FilterSchema>;

// Longer lists are refused by the room with `too_many_subscriptions`; this bound only caps parsing.
const channelList = z.array(z.string().max(80)).min(1).max(1000);

export const ClientMessageSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('subscribe'),
      channels: channelList,
      filter: FilterSchema.optional(),
      /** The last `seq` this client saw in this room; the room replays what came after, or sends a snapshot. */
      lastSeq: z.number().int().min(0).optional(),
    })
    .strict(),
  z.object({ type: z.literal('unsubscribe'), channels: channelList }).strict(),
  z.object({ type: z.literal('ping') }).strict(),
]);

export type ClientMessage = z.output<typeof ClientMessageSchema>;

/** The offer fields a filter looks at, in API units. */
export interface OfferState {
  gpuModel: string;
  provider: string;
  gpuCount: number;
  vramGbPerGpu: number;
  pricePerGpuHourUsd: number;
  pricing: string;
  country: string | null;
  availability: (typeof AVAILABILITY)[number];
}

/** Whether an offer (in some state) passes a filter. Availability is not a filter: it is news. */
export function matchesFilter(filter: Filter | undefined, o: OfferState): boolean {
  if (!filter) return true;
  if (filter.maxPricePerGpuHour !== undefined && o.pricePerGpuHourUsd > filter.maxPricePerGpuHour) return false;
  if (filter.pricing !== undefined && o.pricing !== filter.pricing) return false;
  if (filter.minGpuCount !== undefined && o.gpuCount < filter.minGpuCount) return false;
  if (filter.maxGpuCount !== undefined && o.gpuCount > filter.maxGpuCount) return false;
  if (filter.minVramGb !== undefined && o.vramGbPerGpu < filter.minVramGb) return false;
  if (filter.gpuModels !== undefined && !filter.gpuModels.includes(o.gpuModel)) return false;
  if (filter.providers !== undefined && !filter.providers.includes(o.provider)) return false;
  if (filter.countries !== undefined && (o.country === null || !filter.countries.includes(o.country))) return false;
  return true;
}

/** A stable text for a (channel, filter) pair, so sockets with equal subscriptions share one rendered message. */
export function subscriptionKey(channel: Channel, filter: Filter | undefined): string {
  if (!filter) return channel;
  const sorted = Object.fromEntries(Object.entries(filter).sort(([a], [b]) => a.localeCompare(b)));
  return `${channel} ${JSON.stringify(sorted)}`;
}
