// Live alert delivery: the `alerts` channel of /v1/live carries a tenant's own alert messages to
// that tenant's sockets only, needs credentials, travels alone, and is logged as a delivery.
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertsRoom } from '../../src/live/protocol';
import { closeAll, TestSocket, type Message } from '../live/socket';
import { send } from '../tenancy/calls';
import { createTenant, type TestTenant } from '../tenancy/fixtures';
import { CapturedQueue, fakeOutside, ingestMarket, type LambdaType } from './fakes';

const market: LambdaType[] = [{ name: 'gpu_1x_h100_sxm5', gpu: 'H100 (80 GB SXM5)', gpus: 1, cents: 199, regions: ['us-east-1', 'us-west-1'] }];
const rule = { gpu: 'H100', maxPricePerGpuHour: 2.5 };

async function liveAlert(t: TestTenant): Promise<string> {
  const res = await send<{ id: string }>('POST', '/v1/alerts', t.ownerToken, { rule, delivery: { type: 'live' } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function alertsSocket(token: string): Promise<TestSocket> {
  const socket = await TestSocket.connect(`/v1/live?channels=alerts&token=${token}`);
  await socket.next((m) => m.type === 'subscribed');
  return socket;
}

const deliveryOf = (tenantId: string, alertId: string) =>
  env.DB.prepare('SELECT kind, status, sockets, attempts, last_error, offer_count FROM alert_deliveries WHERE tenant_id = ?1 AND alert_id = ?2').bind(tenantId, alertId).all();

let a: TestTenant;
let b: TestTenant;

beforeEach(async () => {
  fakeOutside();
  [a, b] = await Promise.all([createTenant(), createTenant()]);
});

afterEach(() => closeAll());

describe('live alert delivery', () => {
  it("reaches every socket of the alert's tenant on the alerts channel, and no other tenant's", async () => {
    const [alertA, alertB] = [await liveAlert(a), await liveAlert(b)];
    const lurker = await createTenant(); // subscribed, but owns no alert
    const a1 = await alertsSocket(a.apiKey);
    const a2 = await TestSocket.connect('/v1/live?channels=alerts', { 'sec-websocket-protocol': `gpubroker.v1, bearer.${a.ownerToken}` });
    expect(await a2.next((m) => m.type === 'subscribed')).toMatchObject({ channels: ['alerts'], mode: 'live' });
    const b1 = await alertsSocket(b.apiKey);
    const other = await alertsSocket(lurker.apiKey);
    const anonymous = await TestSocket.connect('/v1/live?channels=market');
    await anonymous.next((m) => m.type === 'snapshot');

    await ingestMarket(Date.now(), market, new CapturedQueue());

    const gotA = await a1.next((m) => m.type === 'alert');
    expect(gotA).toMatchObject({
      type: 'alert',
      id: expect.stringMatching(/^msg_/),
      event: 'price_alert.triggered',
      data: { alertId: alertA, offerCount: 2, rule: { gpuModel: 'H100-80GB' } },
    });
    expect((gotA.data as { offers: unknown[] }).offers).toHaveLength(2);
    expect(await a2.next((m) => m.type === 'alert')).toEqual(gotA);
    expect(await b1.next((m) => m.type === 'alert')).toMatchObject({ data: { alertId: alertB } });

    // Give any stray message time to arrive before asserting there was none.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const alertIds = (s: TestSocket) => s.ofType('alert').map((m: Message) => (m.data as { alertId: string }).alertId);
    expect(alertIds(a1)).toEqual([alertA]);
    expect(alertIds(a2)).toEqual([alertA]);
    expect(alertIds(b1)).toEqual([alertB]);
    expect(other.ofType('alert')).toEqual([]);
    expect(anonymous.ofType('alert')).toEqual([]);

    expect((await deliveryOf(a.tenantId, alertA)).results).toEqual([{ kind: 'live', status: 'delivered', sockets: 2, attempts: 1, last_error: null, offer_count: 2 }]);
    expect((await deliveryOf(b.tenantId, alertB)).results).toMatchObject([{ status: 'delivered', sockets: 1 }]);
  });

  it('logs a live delivery that found no socket as failed, to 0 sockets', async () => {
    const id = await liveAlert(a);
    await ingestMarket(Date.now(), market, new CapturedQueue());
    expect((await deliveryOf(a.tenantId, id)).results).toEqual([
      { kind: 'live', status: 'failed', sockets: 0, attempts: 1, last_error: 'no live connection was subscribed to the alerts channel', offer_count: 2 },
    ]);
    const listed = await send<{ data: { kind: string; status: string; sockets: number }[] }>('GET', `/v1/alerts/${id}/deliveries`, a.ownerToken);
    expect(listed.body.data).toMatchObject([{ kind: 'live', status: 'failed', sockets: 0 }]);
  });

  it('refuses the alerts channel without credentials (4401), beside other channels or with a filter (4400)', async () => {
    const anonymous = await TestSocket.connect('/v1/live?channels=alerts');
    expect(await anonymous.next((m) => m.type === 'error')).toMatchObject({ code: 'unauthorized', status: 401 });
    expect((await anonymous.closed).code).toBe(4401);

    const mixed = await TestSocket.connect(`/v1/live?channels=alerts,market&token=${a.apiKey}`);
    expect(await mixed.next((m) => m.type === 'error')).toMatchObject({ status: 400, errors: [{ field: 'query.channels', message: 'alerts must be the only channel of its connection' }] });
    expect((await mixed.closed).code).toBe(4400);

    const filtered = await TestSocket.connect(`/v1/live?channels=alerts&maxPricePerGpuHour=3&token=${a.apiKey}`);
    expect(await filtered.next((m) => m.type === 'error')).toMatchObject({ status: 400, errors: [{ field: 'query.maxPricePerGpuHour' }] });
  });

  it('does not carry alerts on a market connection, and an alerts room admits only its own tenant', async () => {
    const marketSocket = await TestSocket.connect(`/v1/live?token=${a.apiKey}`);
    await marketSocket.next((m) => m.type === 'welcome');
    marketSocket.send({ type: 'subscribe', channels: ['alerts'] });
    expect(await marketSocket.next((m) => m.type === 'error')).toMatchObject({ code: 'channel_not_in_room', fatal: false });

    await expect(
      TestSocket.direct({ room: alertsRoom(a.tenantId), principal: { kind: 'api_key', ip: '198.51.100.7', tenantId: b.tenantId, maxConnections: 10 }, subscribe: { channels: ['alerts'] } }),
    ).rejects.toThrow(/expected 101, got 403/);
    await expect(TestSocket.direct({ room: alertsRoom(a.tenantId), principal: { kind: 'anonymous', ip: '198.51.100.7', maxConnections: 10 } })).rejects.toThrow(/got 403/);
  });
});
