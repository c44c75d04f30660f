// The live endpoints: authenticate (done by the middleware), validate the channels and filter, then
// hand the connection to its PriceRoom. The WebSocket goes straight to the room; the SSE fallback is
// a WebSocket to the room that this Worker relays as an event stream.
import type { Context } from 'hono';
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { PLANS } from '../billing/plans';
import { badRequest, Problem, validationProblem } from '../http/problem';
import { iso } from '../http/time';
import type { liveSocketRoute, liveSseRoute, LiveQuery } from './live.routes';
import { CONNECT_HEADER, type ConnectRequest, type LivePrincipal } from './price-room';
import { unauthorized } from '../tenancy/auth.middleware';
import { ALERTS_CHANNEL, alertsRoom, canonicalChannel, FilterSchema, homeRoomFor, type Channel } from './protocol';
import { isWebSocketUpgrade, protocolHeaders } from './upgrade';

const SSE_HEARTBEAT_MS = 15_000;

function channelsOf(raw: string[] | undefined): Channel[] {
  const channels: Channel[] = [];
  for (const name of raw ?? []) {
    const channel = canonicalChannel(name);
    if (!channel) {
      throw badRequest(`no channel "${name}"`, [
        { field: 'query.channels', message: `"${name}" is not a channel; channels are market, gpu:<model> (see GET /v1/gpus), provider:<id> and alerts` },
      ]);
    }
    if (!channels.includes(channel)) channels.push(channel);
  }
  return channels;
}

function livePrincipal(c: Context<AppEnv>): LivePrincipal {
  const p = c.var.principal;
  if (p.kind === 'anonymous') return { kind: 'anonymous', ip: p.ip, maxConnections: c.var.config.LIVE_ANON_CONNECTIONS_PER_IP };
  return {
    kind: p.kind,
    ip: p.ip,
    tenantId: p.tenantId,
    ...(p.tokenExpiresAt ? { expiresAt: p.tokenExpiresAt } : {}),
    maxConnections: PLANS[p.plan].liveConnections,
  };
}

/** Opens a connection in the right room and returns the room's end of it. */
async function connect(c: Context<AppEnv>, query: LiveQuery, lastSeqHeader?: string): Promise<WebSocket> {
  const channels = channelsOf(query.channels);
  const { maxPricePerGpuHour, pricing, minGpuCount, maxGpuCount, minVramGb, gpuModels, providers, countries } = query;
  const raw = Object.fromEntries(
    Object.entries({ maxPricePerGpuHour, pricing, minGpuCount, maxGpuCount, minVramGb, gpuModels, providers, countries }).filter(([, v]) => v !== undefined),
  );
  const parsed = FilterSchema.safeParse(raw);
  if (!parsed.success) throw validationProblem(parsed.error, 'query');
  const filter = Object.keys(raw).length > 0 ? parsed.data : undefined;
  const headerSeq = lastSeqHeader !== undefined && /^\d{1,15}$/.test(lastSeqHeader.trim()) ? Number(lastSeqHeader) : undefined;
  const lastSeq = query.lastSeq ?? headerSeq;

  const room = channels.includes(ALERTS_CHANNEL) ? alertsRoomOf(c, channels, Object.keys(raw)) : homeRoomFor(channels.length > 0 ? channels : ['market']);
  const request: ConnectRequest = {
    room,
    principal: livePrincipal(c),
    ...(channels.length > 0 ? { subscribe: { channels, ...(filter ? { filter } : {}), ...(lastSeq !== undefined ? { lastSeq } : {}) } } : {}),
  };
  const ns = c.env.PRICE_ROOM;
  const res = await ns.get(ns.idFromName(room)).fetch('https://price-room/connect', {
    headers: { upgrade: 'websocket', [CONNECT_HEADER]: JSON.stringify(request) },
  });
  if (res.status === 429) {
    const { detail } = (await res.json()) as { detail: string };
    throw new Problem(429, 'too-many-connections', 'Too many live connections', detail);
  }
  if (res.status !== 101 || !res.webSocket) throw new Error(`price room ${room} answered ${res.status}`);
  return res.webSocket;
}

/** The caller's own alerts room: alerts need credentials, and travel on a connection of their own. */
function alertsRoomOf(c: Context<AppEnv>, channels: Channel[], filterNames: string[]): string {
  const p = c.var.principal;
  if (p.kind === 'anonymous') throw unauthorized('the alerts channel carries your tenant\'s price alerts: connect with an API key or access token');
  if (channels.length > 1) {
    throw badRequest('alerts travel on a connection of their own', [{ field: 'query.channels', message: 'alerts must be the only channel of its connection' }]);
  }
  if (filterNames.length > 0) {
    throw badRequest('the alerts channel takes no filter', filterNames.map((name) => ({ field: `query.${name}`, message: 'not allowed with the alerts channel' })));
  }
  return alertsRoom(p.tenantId);
}

export const liveSocket: RouteHandler<typeof liveSocketRoute, AppEnv> = async (c) => {
  if (!isWebSocketUpgrade(c.req.raw)) {
    throw new Problem(426, 'upgrade-required', 'Upgrade required', 'connect with a WebSocket client, or use /v1/live/sse for Server-Sent Events', undefined, {
      Upgrade: 'websocket',
    });
  }
  const webSocket = await connect(c, c.req.valid('query'));
  return new Response(null, { status: 101, webSocket, headers: protocolHeaders(c.req.raw) });
};

export const liveSse: RouteHandler<typeof liveSseRoute, AppEnv> = async (c) => {
  if (isWebSocketUpgrade(c.req.raw)) throw badRequest('this is the Server-Sent Events endpoint; WebSockets connect to /v1/live');
  const ws = await connect(c, c.req.valid('query'), c.req.header('last-event-id'));
  ws.accept();
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  let open = true;
  const stop = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    try {
      ws.close(1000, 'event stream ended');
    } catch {
      /* already closed */
    }
    writer.close().catch(() => {});
  };
  // A failed write means the client went away: stop relaying and let the room drop the socket.
  const write = (text: string) => {
    if (open) writer.write(encoder.encode(text)).catch(stop);
  };
  const heartbeat = setInterval(() => write(`: heartbeat ${iso(Date.now())}\n\n`), SSE_HEARTBEAT_MS);
  ws.addEventListener('message', (event) => {
    const data = typeof event.data === 'string' ? event.data : new TextDecoder().decode(event.data);
    const { type, seq } = JSON.parse(data) as { type: string; seq?: number };
    const id = (type === 'update' || type === 'snapshot') && seq !== undefined ? `id: ${seq}\n` : '';
    write(`event: ${type}\n${id}data: ${data}\n\n`);
  });
  ws.addEventListener('close', (event) => {
    write(`event: close\ndata: ${JSON.stringify({ code: event.code, reason: event.reason })}\n\n`);
    stop();
  });
  c.req.raw.signal.addEventListener('abort', stop);
  write('retry: 3000\n\n');
  return new Response(readable, {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' },
  });
};
