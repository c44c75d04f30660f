// The ALERT_DELIVERIES consumer against a scripted receiver: Standard Webhooks signatures checked by
// recomputing the HMAC here, retries with backoff under one webhook-id, giving up after the last
// attempt, the dead-letter queue, duplicates, timeouts, redirects, and DNS that changed since creation.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { ALERT_DEAD_LETTER_QUEUE, ALERT_QUEUE, deliveryBackoffSeconds, processDelivery, type AlertDeliveryMessage } from '../../src/alerts/delivery';
import { verifyWebhook } from '../../src/alerts/signing';
import worker from '../../src/index';
import { send } from '../tenancy/calls';
import { createTenant, type TestTenant } from '../tenancy/fixtures';
import { CapturedQueue, fakeOutside, ingestMarket, type Outside } from './fakes';

const HOOK = 'https://hooks.example.com/gpu?source=gpubroker';
let t: TestTenant;
let outside: Outside;
let alert: { id: string; signingSecret: string };
let message: AlertDeliveryMessage;

beforeEach(async () => {
  t = await createTenant({ plan: 'pro' });
  outside = fakeOutside({ 'hooks.example.com': ['93.184.216.34'] });
  const res = await send<{ id: string; signingSecret: string }>('POST', '/v1/alerts', t.ownerToken, {
    name: 'H100 watch',
    rule: { gpu: 'H100', maxPricePerGpuHour: 2.5 },
    delivery: { type: 'webhook', url: HOOK },
  });
  alert = res.body;
  const queue = new CapturedQueue();
  await ingestMarket(Date.now(), [{ name: 'gpu_1x_h100_sxm5', gpu: 'H100 (80 GB SXM5)', gpus: 1, cents: 199, regions: ['us-east-1', 'us-west-1'] }], queue);
  expect(queue.messages).toHaveLength(1);
  message = queue.messages[0]!;
});

/** Hands the message to the Worker's queue handler as `queue` would, and reports what it did with it. */
async function consume(queue: string, attempts = 1, overrides: Record<string, string> = {}) {
  const result = { explicitAcks: [] as string[], retryMessages: [] as { msgId: string; delaySeconds: number | undefined }[] };
  const id = crypto.randomUUID();
  const msg = {
    id,
    timestamp: new Date(),
    attempts,
    body: message,
    ack: () => void result.explicitAcks.push(id),
    retry: (options?: QueueRetryOptions) => void result.retryMessages.push({ msgId: id, delaySeconds: options?.delaySeconds }),
  };
  const batch = { queue, messages: [msg], ackAll() {}, retryAll() {} } as unknown as MessageBatch<unknown>;
  await worker.queue!(batch, { ...env, ...overrides } as typeof env);
  return result;
}

/** HMAC-SHA256 by the spec, computed here without the module under test: base64 of HMAC(key, "id.timestamp.body"). */
async function specSignature(secret: string, id: string, timestamp: string, body: string): Promise<string> {
  const key = Uint8Array.from(atob(secret.slice('whsec_'.length)), (c) => c.charCodeAt(0));
  const hmac = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', hmac, new TextEncoder().encode(`${id}.${timestamp}.${body}`)));
  return btoa(String.fromCharCode(...mac));
}

const delivery = () => env.DB.prepare('SELECT * FROM alert_deliveries WHERE tenant_id = ?1 AND id = ?2').bind(t.tenantId, message.deliveryId).first<Record<string, unknown>>();

interface ApiDelivery {
  id: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  attemptLog: { attempt: number; statusCode: number | null; latencyMs: number | null; error: string | null; responseSnippet: string | null }[];
}
const deliveriesApi = async () => (await send<{ data: ApiDelivery[] }>('GET', `/v1/alerts/${alert.id}/deliveries`, t.ownerToken)).body.data;

describe('alert webhook delivery', () => {
  it('POSTs the payload signed per Standard Webhooks, verifiable by recomputing the HMAC', async () => {
    const result = await consume(ALERT_QUEUE);
    expect(result.explicitAcks).toHaveLength(1);
    expect(outside.received).toHaveLength(1);
    const req = outside.received[0]!;
    expect(req.url).toBe(HOOK);
    expect(req.headers.get('content-type')).toBe('application/json');
    expect(req.headers.get('webhook-id')).toBe(message.deliveryId);
    const timestamp = req.headers.get('webhook-timestamp')!;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);

    // The receiver's side, by the spec: key = base64-decoded secret after whsec_, content = id.timestamp.body.
    expect(req.headers.get('webhook-signature')).toBe(`v1,${await specSignature(alert.signingSecret, message.deliveryId, timestamp, req.body)}`);
    expect(await verifyWebhook(alert.signingSecret, req.headers, req.body)).toBe(true);
    expect(await verifyWebhook(alert.signingSecret, req.headers, req.body.replace('H100', 'H200'))).toBe(false);

    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ type: 'price_alert.triggered', data: { alertId: alert.id, alertName: 'H100 watch', offerCount: 2, rule: { gpuModel: 'H100-80GB' } } });
    expect(body.data.offers).toHaveLength(2);
    expect(await delivery()).toMatchObject({ status: 'delivered', attempts: 1, last_status_code: 200, claimed_until: null, delivered_at: expect.any(Number) });
    const [logged] = await deliveriesApi();
    expect(logged).toMatchObject({ id: message.deliveryId, status: 'delivered', attempts: 1, attemptLog: [{ attempt: 1, statusCode: 200, error: null, responseSnippet: 'ok' }] });
    expect(logged!.attemptLog[0]!.latencyMs).toEqual(expect.any(Number));
  });

  it('retries a 500 with backoff under the same webhook-id, then records the success', async () => {
    outside.answer = () => new Response('{"error":"database down"}', { status: 500 });
    const first = await consume(ALERT_QUEUE, 1);
    expect(first.explicitAcks).toEqual([]);
    expect(first.retryMessages).toEqual([expect.objectContaining({ delaySeconds: deliveryBackoffSeconds(1) })]);
    expect(deliveryBackoffSeconds(1)).toBe(5);
    expect(await delivery()).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 500, last_error: 'answered 500' });

    outside.answer = () => new Response(null, { status: 204 });
    const second = await consume(ALERT_QUEUE, 2);
    expect(second.explicitAcks).toHaveLength(1);
    expect(outside.received.map((r) => r.headers.get('webhook-id'))).toEqual([message.deliveryId, message.deliveryId]);
    expect(outside.received[0]!.body).toBe(outside.received[1]!.body);
    for (const r of outside.received) expect(await verifyWebhook(alert.signingSecret, r.headers, r.body)).toBe(true);
    const [logged] = await deliveriesApi();
    expect(logged).toMatchObject({
      status: 'delivered',
      attempts: 2,
      lastStatusCode: 204,
      lastError: null,
      attemptLog: [
        { attempt: 1, statusCode: 500, error: 'answered 500', responseSnippet: '{"error":"database down"}' },
        { attempt: 2, statusCode: 204, error: null, responseSnippet: null },
      ],
    });
  });

  it('backs off exponentially: 5 s, 20 s, 80 s … capped at 6 hours', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 12].map(deliveryBackoffSeconds)).toEqual([5, 20, 80, 320, 1280, 5120, 20480, 21600, 21600]);
  });

  it('gives up after ALERTS_MAX_ATTEMPTS: the delivery is failed and every attempt logged', async () => {
    outside.answer = () => new Response('busy', { status: 503 });
    const settings = { ALERTS_MAX_ATTEMPTS: '3' };
    expect((await consume(ALERT_QUEUE, 1, settings)).retryMessages).toHaveLength(1);
    expect((await consume(ALERT_QUEUE, 2, settings)).retryMessages).toHaveLength(1);
    const last = await consume(ALERT_QUEUE, 3, settings);
    expect(last.retryMessages).toEqual([]);
    expect(last.explicitAcks).toHaveLength(1);
    expect(await delivery()).toMatchObject({ status: 'failed', attempts: 3, last_status_code: 503, failed_at: expect.any(Number) });
    const [logged] = await deliveriesApi();
    expect(logged!.attemptLog.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([
      [1, 503, 'answered 503'],
      [2, 503, 'answered 503'],
      [3, 503, 'answered 503'],
    ]);
    // A late duplicate sends nothing more.
    await consume(ALERT_QUEUE, 4, settings);
    expect(outside.received).toHaveLength(3);
  });

  it('marks a delivery failed when its message reaches the dead-letter queue', async () => {
    outside.answer = () => new Response('busy', { status: 503 });
    await consume(ALERT_QUEUE, 1);
    const dead = await consume(ALERT_DEAD_LETTER_QUEUE, 1);
    expect(dead.explicitAcks).toHaveLength(1);
    expect(await delivery()).toMatchObject({ status: 'failed', last_error: 'answered 503; retries exhausted on the queue' });
    expect(outside.received).toHaveLength(1);
  });

  it('sends once however often the message is delivered, also when duplicates arrive together', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    outside.answer = async () => {
      await held;
      return new Response('ok');
    };
    const both = Promise.all([processDelivery(env, message), processDelivery(env, message)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const outcomes = await both;
    expect(outcomes.map((o) => o.ack)).toEqual([true, true]);
    expect(outcomes.map((o) => (o.ack ? o.note : '')).sort()).toEqual(['attempt in flight elsewhere', 'delivered']);
    await consume(ALERT_QUEUE, 1);
    expect(await processDelivery(env, message)).toEqual({ ack: true, note: 'already delivered' });
    expect(outside.received).toHaveLength(1);
    expect(await delivery()).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('times out a receiver that does not answer, and logs it', async () => {
    outside.answer = () => new Promise<Response>(() => {});
    const started = Date.now();
    const outcome = await processDelivery({ ...env, ALERTS_DELIVERY_TIMEOUT_MS: '200' }, message);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(outcome).toEqual({ ack: false, retryAfterSeconds: 5 });
    expect(await delivery()).toMatchObject({ status: 'pending', last_status_code: null, last_error: 'no answer within 200 ms' });
  });

  it('does not follow redirects', async () => {
    outside.answer = () => new Response(null, { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } });
    await processDelivery(env, message);
    expect(outside.received).toHaveLength(1);
    expect(await delivery()).toMatchObject({
      status: 'pending',
      last_status_code: 302,
      last_error: 'answered 302, a redirect to http://169.254.169.254/latest/meta-data/; redirects are not followed',
    });
  });

  it('sends nothing when the host now resolves to a private address (DNS rebinding)', async () => {
    outside.dns['hooks.example.com'] = ['10.0.0.7'];
    const outcome = await processDelivery(env, message);
    expect(outcome).toEqual({ ack: false, retryAfterSeconds: 5 });
    expect(outside.received).toEqual([]);
    expect(await delivery()).toMatchObject({ status: 'pending', attempts: 1, last_error: 'not sent: hooks.example.com resolves to 10.0.0.7, a private address (10.0.0.0/8)' });
  });

  it('keeps only the start of a large answer', async () => {
    outside.answer = () => new Response('x'.repeat(100_000), { status: 400 });
    await processDelivery(env, message);
    const [logged] = await deliveriesApi();
    expect(logged!.attemptLog[0]!.responseSnippet).toBe('x'.repeat(200));
  });

  it('sends nothing for an alert deleted meanwhile', async () => {
    expect((await send('DELETE', `/v1/alerts/${alert.id}`, t.ownerToken)).status).toBe(204);
    const result = await consume(ALERT_QUEUE);
    expect(result.explicitAcks).toHaveLength(1);
    expect(outside.received).toEqual([]);
    expect(await delivery()).toMatchObject({ status: 'failed', last_error: 'alert deleted before delivery' });
  });

  it("lists deliveries only to the alert's tenant", async () => {
    await consume(ALERT_QUEUE);
    const other = await createTenant();
    expect((await send('GET', `/v1/alerts/${alert.id}/deliveries`, other.ownerToken)).status).toBe(404);
    const page = await send<{ data: ApiDelivery[]; nextCursor: string | null }>('GET', `/v1/alerts/${alert.id}/deliveries?status=delivered&limit=1`, t.ownerToken);
    expect(page.body.data.map((d) => d.id)).toEqual([message.deliveryId]);
    expect((await send<{ data: ApiDelivery[] }>('GET', `/v1/alerts/${alert.id}/deliveries?status=failed`, t.ownerToken)).body.data).toEqual([]);
  });
});
