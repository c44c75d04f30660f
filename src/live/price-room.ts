// The PriceRoom Durable Object: one per live channel. It holds its clients' WebSockets with the
// Hibernation API, so a room whose clients are quiet is evicted from memory and costs nothing; it is
// woken by a client message or by the ingestion's `publish` RPC. Every published batch gets the
// room's next `seq` and is kept in storage for a few minutes, so a client that reconnects (after a
// deploy, an eviction, a network blip) and names the last `seq` it saw gets what it missed.
import { DurableObject } from 'cloudflare:workers';
import { randomId } from '../catalog/ids';
import { chunk } from '../db/client';
import type { Bindings } from '../env';
import { iso } from '../http/time';
import { buildOfferSearch, type OfferRow } from '../market/offers.query';
import type { OfferQuery } from '../market/offers.schemas';
import { toApiOffer } from '../market/offers.handlers';
import { concerns, inView, type LiveChange } from './changes';
import type { LiveBatch } from './publish';
import {
  ALERTS_CHANNEL,
  alertsRoomTenant,
  canonicalChannel,
  CLOSE,
  ClientMessageSchema,
  LIMITS,
  roomChannel,
  roomServes,
  subscriptionKey,
  type Channel,
  type ClientMessage,
  type Filter,
} from './protocol';

/** Who a connection belongs to, as the Worker authenticated it, and how many connections it may hold here. */
export interface LivePrincipal {
  kind: 'anonymous' | 'user' | 'api_key';
  ip: string;
  tenantId?: string;
  /** Epoch ms at which an access token expires; the room closes the socket then (4401). */
  expiresAt?: number;
  maxConnections: number;
}

/** What the Worker passes to the room with a connection, in the `X-Live-Connect` header. */
export interface ConnectRequest {
  room: string;
  principal: LivePrincipal;
  subscribe?: { channels: Channel[]; filter?: Filter; lastSeq?: number };
}

export const CONNECT_HEADER = 'x-live-connect';

type Subscriptions = Record<Channel, Filter | null>;

/** A socket's state. It travels in the socket's attachment (capped at 2 KB by the runtime); larger
 *  subscription sets spill to storage under `s:<id>`. */
interface SocketState {
  id: string;
  principal: { kind: LivePrincipal['kind']; tenantId?: string; expiresAt?: number };
  subs: Subscriptions;
  /** Times of recent bad messages. */
  strikes: number[];
}

interface Attachment extends Omit<SocketState, 'subs'> {
  subs: Subscriptions | null;
}

interface StoredBatchMeta {
  committedAt: number;
  /** The room's own clock at storing: retention never depends on the publisher's clock. */
  storedAt: number;
  resync: boolean;
  parts: number;
}

interface StoredBatch extends StoredBatchMeta {
  seq: number;
  changes: LiveChange[];
}

interface Sent {
  seq: number;
  at: number;
}

const ATTACHMENT_MAX = 2000;
const CHANGES_PER_PART = 400;
const pad = (seq: number) => String(seq).padStart(12, '0');
const metaKey = (seq: number) => `b:${pad(seq)}`;
const partKey = (seq: number, part: number) => `p:${pad(seq)}:${part}`;
const spillKey = (id: string) => `s:${id}`;

export class PriceRoom extends DurableObject<Bindings> {
  private name: string | null = null;
  /** Socket state while this instance is awake; rebuilt from attachments after hibernation. */
  private readonly sockets = new Map<WebSocket, SocketState>();
  private readonly flood = new Map<WebSocket, { start: number; count: number }>();
  /** `<socket id>\n<channel>` of subscriptions waiting for their snapshot: live updates skip them. */
  private readonly awaitingSnapshot = new Set<string>();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    // Heartbeats are answered by the runtime without waking the room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  // ---------------------------------------------------------------- connections

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    let connect: ConnectRequest;
    try {
      connect = JSON.parse(request.headers.get(CONNECT_HEADER) ?? '') as ConnectRequest;
    } catch {
      return new Response('missing connect header', { status: 400 });
    }
    this.remember(connect.room);
    const p = connect.principal;
    // An alerts room holds its own tenant's sockets only (the Worker names the room after the caller's tenant).
    const alertsTenant = alertsRoomTenant(connect.room);
    if (alertsTenant !== null && (p.kind === 'anonymous' || p.tenantId !== alertsTenant)) {
      return Response.json({ detail: 'an alerts room only holds its own tenant\'s connections' }, { status: 403 });
    }
    const tag = p.kind === 'anonymous' ? `ip:${p.ip}` : `tenant:${p.tenantId}`;
    const held = this.ctx.getWebSockets(tag).length;
    if (held >= p.maxConnections) {
      const who = p.kind === 'anonymous' ? 'this address' : 'this tenant';
      return Response.json({ detail: `${who} already holds ${held} live connections in room ${connect.room}, the most allowed` }, { status: 429 });
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [tag]);
    const state: SocketState = {
      id: randomId('conn_'),
      principal: { kind: p.kind, ...(p.tenantId ? { tenantId: p.tenantId } : {}), ...(p.expiresAt ? { expiresAt: p.expiresAt } : {}) },
      subs: {},
      strikes: [],
    };
    this.save(server, state);
    const sent = this.sent();
    send(server, {
      type: 'welcome',
      room: connect.room,
      connectionId: state.id,
      seq: sent.seq,
      heartbeat: { send: { type: 'ping' }, reply: { type: 'pong' }, intervalMs: LIMITS.heartbeatIntervalMs },
      limits: {
        maxSubscriptions: LIMITS.maxSubscriptions,
        maxMessageBytes: LIMITS.maxMessageBytes,
        maxMessagesPerSecond: LIMITS.maxMessagesPerSecond,
        snapshotSize: LIMITS.snapshotSize,
        replayWindowSeconds: LIMITS.replayWindowMs / 1000,
      },
    });
    if (connect.subscribe) {
      const msg = { type: 'subscribe' as const, ...connect.subscribe };
      this.ctx.waitUntil(this.subscribe(server, state, msg).catch((err) => this.fail(server, err)));
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const state = this.state(ws);
    if (!state) return void safeClose(ws, CLOSE.internal, 'connection state lost; reconnect');
    const now = Date.now();
    if (this.expired(ws, state, now)) return;
    const f = this.flood.get(ws);
    if (!f || now - f.start >= 1000) this.flood.set(ws, { start: now, count: 1 });
    else if (++f.count > LIMITS.maxMessagesPerSecond) {
      return this.reject(ws, state, 'rate_limited', `more than ${LIMITS.maxMessagesPerSecond} messages in one second; this one was dropped`);
    }
    if (typeof data !== 'string') return this.reject(ws, state, 'binary_not_supported', 'send JSON text messages');
    if (utf8Length(data) > LIMITS.maxMessageBytes) {
      return this.reject(ws, state, 'message_too_large', `messages are at most ${LIMITS.maxMessageBytes} bytes`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return this.reject(ws, state, 'invalid_json', 'the message is not JSON');
    }
    const type = typeof parsed === 'object' && parsed !== null ? (parsed as { type?: unknown }).type : undefined;
    if (type !== 'subscribe' && type !== 'unsubscribe' && type !== 'ping') {
      return this.reject(ws, state, 'unknown_type', `unknown message type ${JSON.stringify(type ?? null)}; use subscribe, unsubscribe or ping`);
    }
    const result = ClientMessageSchema.safeParse(parsed);
    if (!result.success) {
      const errors = result.error.issues.map((i) => ({ field: i.path.join('.') || 'message', message: i.message }));
      return this.reject(ws, state, 'invalid_message', `invalid ${type} message`, errors);
    }
    const msg = result.data;
    if (msg.type === 'ping') return send(ws, { type: 'pong' });
    if (msg.type === 'unsubscribe') return this.unsubscribe(ws, state, msg.channels);
    try {
      await this.subscribe(ws, state, msg);
    } catch (err) {
      this.fail(ws, err);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.forget(ws);
    // Completes the closing handshake; code 1005/1006 are reserved and cannot be sent back.
    safeClose(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.forget(ws);
  }

  // ---------------------------------------------------------------- publishing

  /**
   * Takes one ingestion's changes for this room: stores them as the next `seq` and sends them now,
   * or, within a second of the last update, at the next alarm (at most one update per second).
   */
  async publish(room: string, batch: LiveBatch): Promise<{ seq: number; sockets: number }> {
    this.remember(room);
    const kv = this.ctx.storage.kv;
    const now = Date.now();
    const seq = (kv.get<number>('seq') ?? 0) + 1;
    const parts = chunk(batch.changes, CHANGES_PER_PART);
    parts.forEach((changes, i) => kv.put(partKey(seq, i), changes));
    kv.put<StoredBatchMeta>(metaKey(seq), { committedAt: batch.committedAt, storedAt: now, resync: batch.resync, parts: parts.length });
    kv.put('seq', seq);
    this.prune(now);
    const sent = this.sent();
    const due = sent.at + LIMITS.minUpdateIntervalMs;
    if (now >= due) await this.flush();
    else {
      const alarm = await this.ctx.storage.getAlarm();
      if (alarm === null || alarm > due) await this.ctx.storage.setAlarm(due);
    }
    return { seq, sockets: this.ctx.getWebSockets().length };
  }

  /**
   * Sends alert messages to this tenant's sockets subscribed to `alerts` (only an alerts room has
   * any); returns how many sockets received each message. `payload` is the delivery's JSON body.
   */
  async deliverAlerts(room: string, messages: { id: string; payload: string }[]): Promise<number[]> {
    this.remember(room);
    const tenantId = alertsRoomTenant(room);
    if (tenantId === null) return messages.map(() => 0);
    const now = Date.now();
    const sockets = this.ctx.getWebSockets(`tenant:${tenantId}`).filter((ws) => {
      const state = this.state(ws);
      return state !== null && state.principal.tenantId === tenantId && ALERTS_CHANNEL in state.subs && !this.expired(ws, state, now);
    });
    return messages.map((m) => {
      const { type: event, ...rest } = JSON.parse(m.payload) as { type: string };
      const text = JSON.stringify({ type: 'alert', id: m.id, event, ...rest });
      let count = 0;
      for (const ws of sockets) if (sendText(ws, text)) count++;
      return count;
    });
  }

  override async alarm(): Promise<void> {
    await this.flush();
  }

  /** Sends every stored batch not yet sent, as one update per subscription. */
  private async flush(): Promise<void> {
    const kv = this.ctx.storage.kv;
    const seq = kv.get<number>('seq') ?? 0;
    const sent = this.sent();
    if (seq <= sent.seq) return;
    const batches = this.batches(sent.seq, seq);
    kv.put<Sent>('sent', { seq, at: Date.now() });
    if (batches) await this.deliver(batches, seq);
  }

  private async deliver(batches: StoredBatch[], seq: number): Promise<void> {
    const now = Date.now();
    const resync = batches.some((b) => b.resync);
    const changes = resync ? [] : batches.flatMap((b) => b.changes);
    const committedAt = Math.max(...batches.map((b) => b.committedAt));
    // Sockets with the same subscription share one rendered message.
    const groups = new Map<string, { channel: Channel; filter: Filter | undefined; sockets: WebSocket[] }>();
    for (const ws of this.ctx.getWebSockets()) {
      const state = this.state(ws);
      if (!state || this.expired(ws, state, now)) continue;
      for (const [channel, filter] of Object.entries(state.subs)) {
        if (this.awaitingSnapshot.has(`${state.id}\n${channel}`)) continue;
        const key = subscriptionKey(channel, filter ?? undefined);
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { channel, filter: filter ?? undefined, sockets: [] }));
        group.sockets.push(ws);
      }
    }
    for (const group of groups.values()) {
      const text = resync
        ? JSON.stringify(await this.snapshotMessage(group.channel, group.filter, seq, 'resync'))
        : this.updateText(group.channel, group.filter, changes, seq, committedAt, false);
      if (text !== null) for (const ws of group.sockets) sendText(ws, text);
    }
  }

  private updateText(channel: Channel, filter: Filter | undefined, changes: LiveChange[], seq: number, committedAt: number, replay: boolean): string | null {
    const relevant = changes.filter((c) => concerns(channel, filter, c));
    if (relevant.length === 0) return null;
    return JSON.stringify({
      type: 'update',
      room: this.name,
      channel,
      seq,
      replay,
      committedAt: iso(committedAt),
      changes: relevant.map((c) => ({ ...c, inView: inView(filter, c) })),
    });
  }

  // ---------------------------------------------------------------- subscriptions

  private async subscribe(ws: WebSocket, state: SocketState, msg: Extract<ClientMessage, { type: 'subscribe' }>): Promise<void> {
    const room = this.name ?? 'market';
    if (msg.channels.length > LIMITS.maxSubscriptions) {
      return this.reject(ws, state, 'too_many_subscriptions', `a connection holds at most ${LIMITS.maxSubscriptions} subscriptions`);
    }
    const channels: Channel[] = [];
    for (const raw of msg.channels) {
      const channel = canonicalChannel(raw);
      if (!channel) return this.reject(ws, state, 'unknown_channel', `no channel "${raw}"; channels are market, gpu:<model>, provider:<id> and alerts`);
      if (channel === ALERTS_CHANNEL && !roomServes(room, channel)) {
        return this.reject(ws, state, 'channel_not_in_room', 'the alerts channel has a connection of its own: connect to /v1/live?channels=alerts with an API key or access token');
      }
      if (channel === ALERTS_CHANNEL && msg.filter) return this.reject(ws, state, 'invalid_message', 'the alerts channel takes no filter');
      if (!roomServes(room, channel)) {
        return this.reject(
          ws,
          state,
          'channel_not_in_room',
          `this connection carries only ${roomChannel(room)}; connect to /v1/live without channels (or with several) for one that carries any channel`,
        );
      }
      if (!channels.includes(channel)) channels.push(channel);
    }
    const subs: Subscriptions = { ...state.subs };
    for (const channel of channels) subs[channel] = msg.filter ?? null;
    if (Object.keys(subs).length > LIMITS.maxSubscriptions) {
      return this.reject(ws, state, 'too_many_subscriptions', `a connection holds at most ${LIMITS.maxSubscriptions} subscriptions`);
    }
    state.subs = subs;
    this.save(ws, state);

    const sent = this.sent();
    // Alert messages are not kept for replay: the deliveries log (GET /v1/alerts/{id}/deliveries) is their record.
    if (alertsRoomTenant(room) !== null) return send(ws, { type: 'subscribed', channels, filter: null, seq: sent.seq, mode: 'live' });
    const replay = msg.lastSeq === undefined ? null : this.replayable(msg.lastSeq, sent.seq);
    send(ws, { type: 'subscribed', channels, filter: msg.filter ?? null, seq: sent.seq, mode: replay ? 'replay' : 'snapshot' });
    if (replay) {
      for (const channel of channels) {
        const text = this.updateText(channel, msg.filter, replay.flatMap((b) => b.changes), sent.seq, Math.max(0, ...replay.map((b) => b.committedAt)), true);
        if (text !== null) sendText(ws, text);
      }
      return;
    }
    await Promise.all(channels.map((channel) => this.sendSnapshot(ws, state, channel, msg.filter)));
  }

  /** Batches after `lastSeq` up to `upTo`, if the room still holds them all and none is a resync. */
  private replayable(lastSeq: number, upTo: number): StoredBatch[] | null {
    if (lastSeq > upTo) return null; // a seq this room never sent (its storage was reset)
    const batches = this.batches(lastSeq, upTo);
    return batches && !batches.some((b) => b.resync) ? batches : null;
  }

  /** A snapshot, then whatever was sent while it was being read, so nothing falls between the two. */
  private async sendSnapshot(ws: WebSocket, state: SocketState, channel: Channel, filter: Filter | undefined): Promise<void> {
    const key = `${state.id}\n${channel}`;
    this.awaitingSnapshot.add(key);
    try {
      let from = this.sent().seq;
      sendText(ws, JSON.stringify(await this.snapshotMessage(channel, filter, from, 'subscribe')));
      for (let round = 0; round < 3; round++) {
        const to = this.sent().seq;
        if (to <= from) return;
        const missed = this.replayable(from, to);
        if (!missed) {
          sendText(ws, JSON.stringify(await this.snapshotMessage(channel, filter, to, 'resync')));
        } else {
          const text = this.updateText(channel, filter, missed.flatMap((b) => b.changes), to, Math.max(...missed.map((b) => b.committedAt)), false);
          if (text !== null) sendText(ws, text);
        }
        from = to;
      }
    } finally {
      this.awaitingSnapshot.delete(key);
    }
  }

  /** The cheapest listed offers of a channel that pass the filter, read from D1. */
  private async snapshotMessage(channel: Channel, filter: Filter | undefined, seq: number, reason: 'subscribe' | 'resync') {
    const now = Date.now();
    const query = snapshotQuery(channel, filter);
    let offers: ReturnType<typeof toApiOffer>[] = [];
    let truncated = false;
    if (query) {
      const search = buildOfferSearch(query, now);
      const { results } = await this.env.DB.prepare(search.sql).bind(...search.params).all<OfferRow>();
      truncated = results.length > search.limit;
      offers = results.slice(0, search.limit).map((row) => toApiOffer(row, now));
    }
    return { type: 'snapshot', room: this.name, channel, seq, reason, at: iso(now), truncated, offers };
  }

  private unsubscribe(ws: WebSocket, state: SocketState, raw: string[]): void {
    const removed: Channel[] = [];
    const subs = { ...state.subs };
    for (const name of raw) {
      const channel = canonicalChannel(name);
      if (channel && channel in subs) {
        delete subs[channel];
        removed.push(channel);
      }
    }
    state.subs = subs;
    this.save(ws, state);
    send(ws, { type: 'unsubscribed', channels: removed, subscriptions: Object.keys(subs) });
  }

  // ---------------------------------------------------------------- bad clients

  /** Answers a bad message with an error; the third within a minute closes the socket with 1008. */
  private reject(ws: WebSocket, state: SocketState, code: string, message: string, errors?: { field: string; message: string }[]): void {
    const now = Date.now();
    state.strikes = [...state.strikes.filter((t) => now - t < LIMITS.strikeWindowMs), now];
    const fatal = state.strikes.length >= LIMITS.maxStrikes;
    send(ws, { type: 'error', code, message, ...(errors ? { errors } : {}), fatal });
    if (fatal) {
      this.forget(ws);
      safeClose(ws, CLOSE.policy, `${code}: too many bad messages`);
    } else this.save(ws, state);
  }

  private fail(ws: WebSocket, err: unknown): void {
    console.error(`live room ${this.name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    send(ws, { type: 'error', code: 'internal', message: 'the room failed to answer; try again', fatal: false });
  }

  /** Closes a socket whose access token has expired; true if it did. */
  private expired(ws: WebSocket, state: SocketState, now: number): boolean {
    if (state.principal.expiresAt === undefined || state.principal.expiresAt > now) return false;
    send(ws, { type: 'error', code: 'token_expired', message: 'the access token expired; reconnect with a fresh one', fatal: true });
    this.forget(ws);
    safeClose(ws, CLOSE.unauthorized, 'access token expired');
    return true;
  }

  // ---------------------------------------------------------------- storage

  private remember(room: string): void {
    if (this.name === room) return;
    this.name = room;
    const kv = this.ctx.storage.kv;
    if (kv.get('name') !== room) kv.put('name', room);
  }

  private sent(): Sent {
    return this.ctx.storage.kv.get<Sent>('sent') ?? { seq: 0, at: 0 };
  }

  /** Stored batches in (after, upTo]; null if any has been pruned. */
  private batches(after: number, upTo: number): StoredBatch[] | null {
    const kv = this.ctx.storage.kv;
    const out: StoredBatch[] = [];
    for (let seq = after + 1; seq <= upTo; seq++) {
      const meta = kv.get<StoredBatchMeta>(metaKey(seq));
      if (!meta) return null;
      const changes: LiveChange[] = [];
      for (let i = 0; i < meta.parts; i++) changes.push(...(kv.get<LiveChange[]>(partKey(seq, i)) ?? []));
      out.push({ ...meta, seq, changes });
    }
    return out;
  }

  /** Drops sent batches older than the replay window (or beyond the newest 200), and spilled state of sockets that are gone. */
  private prune(now: number): void {
    const kv = this.ctx.storage.kv;
    const seq = kv.get<number>('seq') ?? 0;
    const sentSeq = this.sent().seq;
    for (const [key, meta] of kv.list<StoredBatchMeta>({ prefix: 'b:' })) {
      const batchSeq = Number(key.slice(2));
      const old = now - meta.storedAt > LIMITS.replayWindowMs || seq - batchSeq >= LIMITS.maxReplayBatches;
      if (!old || batchSeq > sentSeq) break; // keys are in seq order; never drop an unsent batch
      for (let i = 0; i < meta.parts; i++) kv.delete(partKey(batchSeq, i));
      kv.delete(key);
    }
    const spilled = [...kv.list({ prefix: 's:' })].map(([key]) => key);
    if (spilled.length > 0) {
      const live = new Set(this.ctx.getWebSockets().map((ws) => (ws.deserializeAttachment() as Attachment | null)?.id));
      for (const key of spilled) if (!live.has(key.slice(2))) kv.delete(key);
    }
  }

  private save(ws: WebSocket, state: SocketState): void {
    this.sockets.set(ws, state);
    const kv = this.ctx.storage.kv;
    const attachment: Attachment = state;
    if (JSON.stringify(attachment).length <= ATTACHMENT_MAX) {
      ws.serializeAttachment(attachment);
      kv.delete(spillKey(state.id));
    } else {
      kv.put(spillKey(state.id), state.subs);
      ws.serializeAttachment({ ...attachment, subs: null } satisfies Attachment);
    }
  }

  private state(ws: WebSocket): SocketState | null {
    const known = this.sockets.get(ws);
    if (known) return known;
    const attachment = ws.deserializeAttachment() as Attachment | null;
    if (!attachment) return null;
    const subs = attachment.subs ?? this.ctx.storage.kv.get<Subscriptions>(spillKey(attachment.id)) ?? {};
    const state: SocketState = { ...attachment, subs };
    this.sockets.set(ws, state);
    return state;
  }

  private forget(ws: WebSocket): void {
    const state = this.sockets.get(ws) ?? (ws.deserializeAttachment() as Attachment | null);
    if (state) this.ctx.storage.kv.delete(spillKey(state.id));
    this.sockets.delete(ws);
    this.flood.delete(ws);
  }
}

/** The offer search a snapshot runs: the channel and filter as `/v1/offers` parameters; null when nothing can match. */
export function snapshotQuery(channel: Channel, filter: Filter | undefined): OfferQuery | null {
  let gpu = filter?.gpuModels;
  let provider = filter?.providers;
  if (channel.startsWith('gpu:')) {
    const model = channel.slice(4);
    if (gpu && !gpu.includes(model)) return null;
    gpu = [model];
  } else if (channel.startsWith('provider:')) {
    const id = channel.slice(9);
    if (provider && !provider.includes(id)) return null;
    provider = [id];
  }
  return {
    gpu,
    provider,
    minGpuCount: filter?.minGpuCount,
    maxGpuCount: filter?.maxGpuCount,
    minVramGb: filter?.minVramGb,
    maxPricePerGpuHour: filter?.maxPricePerGpuHour,
    country: filter?.countries,
    pricing: filter?.pricing ? [filter.pricing] : undefined,
    availableOnly: true,
    sort: 'pricePerGpuHour',
    order: 'asc',
    limit: LIMITS.snapshotSize,
  } as OfferQuery;
}

function send(ws: WebSocket, message: object): void {
  sendText(ws, JSON.stringify(message));
}

/** Sends, ignoring a socket that closed meanwhile: one gone client must not stop a broadcast. True if sent. */
function sendText(ws: WebSocket, text: string): boolean {
  try {
    ws.send(text);
    return true;
  } catch {
    return false;
  }
}

function safeClose(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason.slice(0, 120));
  } catch {
    /* already closed */
  }
}

function utf8Length(text: string): number {
  // Every UTF-16 unit is at most 3 UTF-8 bytes: only long texts need counting.
  return text.length * 3 <= LIMITS.maxMessageBytes ? text.length : new TextEncoder().encode(text).length;
}
