// Live prices end to end in workerd: a WebSocket through the Worker to a PriceRoom, fed by real
// cron ingestions of the simulated provider (seed 42) writing to D1.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { changeFromRow } from '../../src/live/changes';
import { signAccessToken, ACCESS_TOKEN_SECONDS } from '../../src/tenancy/jwt';
import { api, ingestAt, json } from '../helpers';
import { createTenant } from '../tenancy/fixtures';
import { offerRow } from './fixtures';
import { closeAll, sleep, TestSocket, type Message } from './socket';

afterEach(closeAll);

const T0 = Date.UTC(2026, 10, 1, 12);
/** The simulated market's most-offered model; its prices move on each of the next pulls. */
const MODEL = 'A100-80GB';

interface Change {
  kind: string;
  offerId: string;
  offer: { gpuModel: string; provider: string; pricePerGpuHourUsd: number; pricing: string; availability: string };
  price?: { oldPerGpuHourUsd: number; perGpuHourUsd: number };
  availability?: { old: string; new: string };
  observedAt: string;
  inView: boolean;
}

const changesOf = (m: Message) => m.changes as Change[];
const seqOf = (m: Message) => m.seq as number;
const newUpdate = (channel: string, after: number) => (m: Message) => m.type === 'update' && m.channel === channel && seqOf(m) > after;

describe('GET /v1/live', () => {
  it('answers a request that is not a WebSocket upgrade with 426 problem+json', async () => {
    const res = await api('/v1/live');
    expect(res.status).toBe(426);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('upgrade')).toBe('websocket');
  });

  it('welcomes a client on one GPU channel with a snapshot of the cheapest listed offers, then streams what an ingestion changed', async () => {
    await ingestAt(T0);
    const socket = await TestSocket.connect(`/v1/live?channels=gpu:${MODEL}`);
    const welcome = await socket.next((m) => m.type === 'welcome');
    expect(welcome.room).toBe(`gpu:${MODEL}`);
    expect(welcome.heartbeat).toMatchObject({ send: { type: 'ping' }, intervalMs: 30_000 });
    expect(await socket.next((m) => m.type === 'subscribed')).toMatchObject({ channels: [`gpu:${MODEL}`], mode: 'snapshot' });

    const snapshot = await socket.next((m) => m.type === 'snapshot');
    const offers = snapshot.offers as Change['offer'][] & { id: string }[];
    const page = await json<{ data: { id: string }[] }>(await api(`/v1/offers?gpu=${MODEL}&sort=pricePerGpuHour&limit=100`));
    expect(offers.length).toBeGreaterThan(0);
    expect((offers as unknown as { id: string }[]).map((o) => o.id)).toEqual(page.data.map((o) => o.id));
    expect(offers.every((o) => o.gpuModel === MODEL && o.availability !== 'unavailable')).toBe(true);

    const report = await ingestAt(T0 + 60_000);
    const update = await socket.next(newUpdate(`gpu:${MODEL}`, seqOf(snapshot)));
    const changes = changesOf(update);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => c.offer.gpuModel === MODEL && report.changedOfferIds.includes(c.offerId))).toBe(true);
    expect(Date.parse(update.committedAt as string)).toBeGreaterThanOrEqual(T0 + 60_000);
    const moved = changes.find((c) => c.price)!;
    expect(moved.observedAt).toBe(new Date(T0 + 60_000).toISOString());
    expect(moved.price!.oldPerGpuHourUsd).not.toBe(moved.price!.perGpuHourUsd);
    // The update follows the D1 write: the API already serves the new price.
    const stored = await json<{ pricePerGpuHourUsd: number }>(await api(`/v1/offers/${moved.offerId}`));
    expect(stored.pricePerGpuHourUsd).toBe(moved.price!.perGpuHourUsd);
  });

  it('filters a subscription: the snapshot within it, and only changes that pass it before or after', async () => {
    await ingestAt(T0);
    const socket = await TestSocket.connect('/v1/live');
    const welcome = await socket.next((m) => m.type === 'welcome');
    const filter = { maxPricePerGpuHour: 2, pricing: 'on_demand' };
    socket.send({ type: 'subscribe', channels: ['market'], filter });
    const snapshot = await socket.next((m) => m.type === 'snapshot');
    const offers = snapshot.offers as Change['offer'][];
    expect(offers.length).toBeGreaterThan(0);
    expect(offers.every((o) => o.pricing === 'on_demand' && o.pricePerGpuHourUsd <= 2)).toBe(true);

    await ingestAt(T0 + 60_000);
    const update = await socket.next(newUpdate('market', seqOf(welcome)));
    for (const c of changesOf(update)) {
      expect(c.offer.pricing).toBe('on_demand');
      const before = c.price?.oldPerGpuHourUsd ?? c.offer.pricePerGpuHourUsd;
      expect(Math.min(before, c.offer.pricePerGpuHourUsd)).toBeLessThanOrEqual(2);
      expect(c.inView).toBe(c.offer.pricePerGpuHourUsd <= 2 && c.offer.availability !== 'unavailable');
    }
  });

  it('holds several subscriptions on one socket, one update per channel, and stops one on unsubscribe', async () => {
    await ingestAt(T0);
    const socket = await TestSocket.connect('/v1/live');
    const welcome = await socket.next((m) => m.type === 'welcome');
    socket.send({ type: 'subscribe', channels: [`gpu:${MODEL}`, 'provider:sim'] });
    await socket.next((m) => m.type === 'snapshot' && m.channel === 'provider:sim');
    await socket.next((m) => m.type === 'snapshot' && m.channel === `gpu:${MODEL}`);

    await ingestAt(T0 + 60_000);
    const gpu = await socket.next(newUpdate(`gpu:${MODEL}`, seqOf(welcome)));
    const sim = await socket.next(newUpdate('provider:sim', seqOf(welcome)));
    expect(seqOf(gpu)).toBe(seqOf(sim));
    expect(changesOf(sim).length).toBeGreaterThan(changesOf(gpu).length);

    socket.send({ type: 'unsubscribe', channels: ['provider:sim'] });
    expect(await socket.next((m) => m.type === 'unsubscribed')).toMatchObject({ channels: ['provider:sim'], subscriptions: [`gpu:${MODEL}`] });
    await sleep(1100); // the room sends at most one update per second
    await ingestAt(T0 + 120_000);
    const next = await socket.next(newUpdate(`gpu:${MODEL}`, seqOf(gpu)));
    await sleep(100);
    expect(socket.messages.filter(newUpdate('provider:sim', seqOf(gpu)))).toHaveLength(0);
    expect(seqOf(next)).toBeGreaterThan(seqOf(gpu));
  });

  it('replays what a client missed when it reconnects with the last seq it saw', async () => {
    await ingestAt(T0);
    const first = await TestSocket.connect('/v1/live?channels=market');
    const welcome = await first.next((m) => m.type === 'welcome');
    await ingestAt(T0 + 60_000);
    const seen = await first.next(newUpdate('market', seqOf(welcome)));
    first.close(); // a deploy or an eviction drops the connection
    await first.closed;

    await sleep(1100);
    const missed = await ingestAt(T0 + 120_000);
    expect(missed.changedOfferIds.length).toBeGreaterThan(0);
    const again = await TestSocket.connect(`/v1/live?channels=market&lastSeq=${seqOf(seen)}`);
    expect(await again.next((m) => m.type === 'subscribed')).toMatchObject({ mode: 'replay' });
    const replay = await again.next((m) => m.type === 'update' && m.replay === true);
    expect(seqOf(replay)).toBeGreaterThan(seqOf(seen));
    expect(changesOf(replay).map((c) => c.offerId).sort()).toEqual([...missed.changedOfferIds].sort());
    expect(again.ofType('snapshot')).toHaveLength(0);
  });

  it('sends a snapshot instead when the room cannot replay from the given seq', async () => {
    await ingestAt(T0);
    const socket = await TestSocket.connect('/v1/live?channels=market&lastSeq=999999999');
    expect(await socket.next((m) => m.type === 'subscribed')).toMatchObject({ mode: 'snapshot' });
    expect((await socket.next((m) => m.type === 'snapshot')).offers).not.toHaveLength(0);
  });

  it('tells clients to resync with fresh snapshots when an ingestion changed more than LIVE_MAX_CHANGES offers', async () => {
    await ingestAt(T0);
    const socket = await TestSocket.connect('/v1/live?channels=provider:sim');
    const first = await socket.next((m) => m.type === 'snapshot');
    const report = await ingestAt(T0 + 60_000, { LIVE_MAX_CHANGES: '10' });
    expect(report.live).toMatchObject({ mode: 'resync', changes: 0 });
    const resync = await socket.next((m) => m.type === 'snapshot' && m.reason === 'resync');
    expect(seqOf(resync)).toBeGreaterThan(seqOf(first));
    expect(resync.offers).not.toHaveLength(0);
  });

  it('streams offers going stale as availability changes and deleted offers as removals', async () => {
    await ingestAt(T0);
    const socket = await TestSocket.connect('/v1/live?channels=provider:sim');
    const snapshot = await socket.next((m) => m.type === 'snapshot');
    // The provider stops answering: after STALE_AFTER_SECONDS its offers turn unavailable...
    const staled = await ingestAt(T0 + 11 * 60_000, { PROVIDERS_DISABLED: 'vastai,sim' });
    expect(staled.markedUnavailable).toBeGreaterThan(200);
    // (The first pull's additions may arrive in the same update: the room sends at most one a second.)
    const stale = await socket.next((m) => newUpdate('provider:sim', seqOf(snapshot))(m) && changesOf(m).some((c) => c.availability));
    const turned = changesOf(stale).filter((c) => c.kind === 'changed');
    expect(turned).toHaveLength(staled.markedUnavailable);
    expect(turned.every((c) => c.availability?.new === 'unavailable' && c.availability.old !== 'unavailable' && !c.inView)).toBe(true);
    // ...and after DELETE_AFTER_SECONDS they are removed.
    await sleep(1100);
    const deleted = await ingestAt(T0 + 25 * 3_600_000, { PROVIDERS_DISABLED: 'vastai,sim' });
    expect(deleted.deleted).toBe(300);
    const removed = await socket.next(newUpdate('provider:sim', seqOf(stale)));
    expect(changesOf(removed).every((c) => c.kind === 'removed' && !c.inView)).toBe(true);
    expect(changesOf(removed)).toHaveLength(300);
  });

  it('answers an exact ping without the room and any other ping with pong', async () => {
    const socket = await TestSocket.connect('/v1/live');
    await socket.next((m) => m.type === 'welcome');
    socket.send('{"type":"ping"}');
    await socket.nextNew('pong');
    socket.send('{ "type": "ping" }');
    await socket.nextNew('pong');
    expect(socket.ofType('pong')).toHaveLength(2);
  });
});

describe('live credentials', () => {
  it('takes an API key from the token parameter and counts the connection against the tenant', async () => {
    const t = await createTenant({ plan: 'pro' });
    const socket = await TestSocket.connect(`/v1/live?token=${t.apiKey}`);
    await socket.next((m) => m.type === 'welcome');
    expect(socket.response.headers.get('ratelimit-limit')).toBe('100'); // the pro plan's limit, not the anonymous one
  });

  it('takes a token from a bearer.<token> subprotocol entry and selects gpubroker.v1', async () => {
    const t = await createTenant({ plan: 'pro' });
    const socket = await TestSocket.connect('/v1/live', { 'sec-websocket-protocol': `gpubroker.v1, bearer.${t.ownerToken}` });
    await socket.next((m) => m.type === 'welcome');
    expect(socket.response.headers.get('sec-websocket-protocol')).toBe('gpubroker.v1');
    expect(socket.response.headers.get('ratelimit-limit')).toBe('100');
  });

  it('closes with 4401 and says why when the token is not valid', async () => {
    const socket = await TestSocket.connect('/v1/live?token=not-a-real-token');
    expect(await socket.next((m) => m.type === 'error')).toMatchObject({ code: 'unauthorized', status: 401, fatal: true });
    expect(await socket.closed).toMatchObject({ code: 4401 });
  });

  it('closes with 4401 when the access token expires during the connection', async () => {
    const t = await createTenant();
    const token = await signAccessToken(env, { sub: t.ownerId, tid: t.tenantId, role: 'owner' }, Date.now() - ACCESS_TOKEN_SECONDS * 1000 + 1500);
    const socket = await TestSocket.connect(`/v1/live?token=${token}`);
    await socket.next((m) => m.type === 'welcome');
    await sleep(2100);
    socket.send({ type: 'ping', x: 1 });
    expect(await socket.next((m) => m.type === 'error')).toMatchObject({ code: 'token_expired', fatal: true });
    expect(await socket.closed).toMatchObject({ code: 4401 });
  });

  it('refuses an anonymous address its sixth connection in a room with 4429', async () => {
    const ip = { 'cf-connecting-ip': '203.0.113.66' };
    const held = await Promise.all(Array.from({ length: 5 }, () => TestSocket.connect('/v1/live?channels=gpu:L4', ip)));
    await Promise.all(held.map((s) => s.next((m) => m.type === 'welcome')));
    const sixth = await TestSocket.connect('/v1/live?channels=gpu:L4', ip);
    expect(await sixth.next((m) => m.type === 'error')).toMatchObject({ code: 'too-many-connections', status: 429 });
    expect(await sixth.closed).toMatchObject({ code: 4429 });
    // Another room, or another address, is not affected.
    await (await TestSocket.connect('/v1/live?channels=gpu:T4', ip)).next((m) => m.type === 'welcome');
    await (await TestSocket.connect('/v1/live?channels=gpu:L4', { 'cf-connecting-ip': '203.0.113.67' })).next((m) => m.type === 'welcome');
  });
});

describe('bad input on a live socket', () => {
  const errorAfter = async (message: unknown, channels = '') => {
    const socket = await TestSocket.connect(`/v1/live${channels}`);
    await socket.next((m) => m.type === 'welcome');
    socket.send(message);
    return { socket, error: await socket.next((m) => m.type === 'error') };
  };

  it('names a bad channel in the URL and closes with 4400', async () => {
    const socket = await TestSocket.connect('/v1/live?channels=gpu:NOPE-1');
    const error = await socket.next((m) => m.type === 'error');
    expect(error).toMatchObject({ status: 400, errors: [{ field: 'query.channels' }] });
    expect(await socket.closed).toMatchObject({ code: 4400 });
  });

  it.each([
    ['invalid JSON', '{"type":', 'invalid_json'],
    ['an unknown message type', { type: 'hello' }, 'unknown_type'],
    ['an unknown channel', { type: 'subscribe', channels: ['gpu:Z9000'] }, 'unknown_channel'],
    ['an unknown filter field', { type: 'subscribe', channels: ['market'], filter: { cheap: true } }, 'invalid_message'],
    ['more than 50 subscriptions', { type: 'subscribe', channels: Array.from({ length: 51 }, (_, i) => (i % 2 ? 'market' : 'provider:sim')) }, 'too_many_subscriptions'],
    ['a message over 16 KB', JSON.stringify({ type: 'subscribe', channels: ['market'], pad: 'x'.repeat(17_000) }), 'message_too_large'],
  ])('answers %s with an error and keeps the socket open', async (_name, message, code) => {
    const { socket, error } = await errorAfter(message);
    expect(error).toMatchObject({ code, fatal: false });
    socket.send('{"type":"ping"}');
    await socket.nextNew('pong');
  });

  it('refuses a channel the connection\'s room does not carry', async () => {
    const { error } = await errorAfter({ type: 'subscribe', channels: ['provider:sim'] }, '?channels=gpu:L4');
    expect(error).toMatchObject({ code: 'channel_not_in_room' });
  });

  it('closes with 1008 after repeated bad messages', async () => {
    const socket = await TestSocket.connect('/v1/live');
    await socket.next((m) => m.type === 'welcome');
    for (const bad of ['nope', '{"type":"x"}', '[]']) socket.send(bad);
    expect(await socket.closed).toMatchObject({ code: 1008 });
    expect(socket.ofType('error').map((e) => e.fatal)).toEqual([false, false, true]);
  });

  it('closes a flood (more than 20 messages a second) with 1008', async () => {
    const socket = await TestSocket.connect('/v1/live');
    await socket.next((m) => m.type === 'welcome');
    for (let i = 0; i < 30; i++) socket.send('{ "type": "ping" }');
    expect(await socket.closed).toMatchObject({ code: 1008 });
    expect(socket.ofType('error')[0]).toMatchObject({ code: 'rate_limited' });
  });

  it('keeps serving other clients of a room after closing a bad one', async () => {
    await ingestAt(T0);
    const good = await TestSocket.connect('/v1/live?channels=market');
    const welcome = await good.next((m) => m.type === 'welcome');
    const bad = await TestSocket.connect('/v1/live?channels=market');
    for (let i = 0; i < 5; i++) bad.send('garbage');
    expect(await bad.closed).toMatchObject({ code: 1008 });
    await ingestAt(T0 + 60_000);
    expect(changesOf(await good.next(newUpdate('market', seqOf(welcome))))).not.toHaveLength(0);
  });
});

describe('PriceRoom', () => {
  it('sends at most one update per channel per second, merging what arrives meanwhile', async () => {
    const room = `market#${crypto.randomUUID()}`;
    const socket = await TestSocket.direct({ room, principal: { kind: 'anonymous', ip: '192.0.2.1', maxConnections: 5 }, subscribe: { channels: ['market'] } });
    await socket.next((m) => m.type === 'snapshot');
    const stub = env.PRICE_ROOM.get(env.PRICE_ROOM.idFromName(room));
    const change = (id: string, price: number) =>
      changeFromRow(offerRow({ id, price_per_hour_micro: price, price_per_gpu_hour_micro: price }), { pricePerHourMicro: 1, pricePerGpuHourMicro: 1, availability: 'available' }, Date.now());
    const publish = (id: string) => stub.publish(room, { committedAt: Date.now(), changes: [change(id, 2_000_000)], resync: false });
    expect((await publish('ofr_1111111111111')).seq).toBe(1);
    const first = await socket.next((m) => m.type === 'update');
    const firstAt = Date.now();
    await publish('ofr_2222222222222');
    await publish('ofr_3333333333333');
    const second = await socket.next((m) => m.type === 'update' && m !== first);
    expect(Date.now() - firstAt).toBeGreaterThanOrEqual(900);
    expect(seqOf(first)).toBe(1);
    expect(seqOf(second)).toBe(3);
    expect(changesOf(second).map((c) => c.offerId)).toEqual(['ofr_2222222222222', 'ofr_3333333333333']);
    expect(socket.ofType('update')).toHaveLength(2);
  });
});
