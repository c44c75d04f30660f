// The PayPal REST calls: an OAuth2 client-credentials token (cached per isolate until shortly before it
// expires), Orders v2 create and capture (PayPal-Request-Id makes both idempotent), and the
// verify-webhook-signature API that backs up local certificate verification.
import { toBase64, utf8 } from '../../encoding';
import type { Config } from '../../env';
import { centsFromDecimalString, centsToDecimalString } from './amount';
import { isRecord, joinUrl, ProviderCallError, providerFetch, readJson, str } from './transport';

export interface PaypalSettings {
  clientId: string;
  clientSecret: string;
  baseUrl: string;
  timeoutMs: number;
}

export function paypalSettings(config: Config): PaypalSettings | null {
  const clientId = config.raw.PAYPAL_CLIENT_ID?.trim();
  const clientSecret = config.raw.PAYPAL_CLIENT_SECRET?.trim();
  return clientId && clientSecret ? { clientId, clientSecret, baseUrl: config.PAYPAL_API_URL, timeoutMs: config.PAYMENTS_TIMEOUT_MS } : null;
}

const tokens = new Map<string, { token: string; expiresAt: number }>();

/** Tests only: forget cached tokens. */
export function clearPaypalTokens(): void {
  tokens.clear();
}

async function accessToken(s: PaypalSettings, now: number): Promise<string> {
  const cacheKey = `${s.baseUrl}\n${s.clientId}`;
  const cached = tokens.get(cacheKey);
  if (cached && cached.expiresAt > now) return cached.token;
  const res = await providerFetch(
    'paypal',
    joinUrl(s.baseUrl, '/v1/oauth2/token'),
    {
      method: 'POST',
      headers: { authorization: `Basic ${toBase64(utf8(`${s.clientId}:${s.clientSecret}`))}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'grant_type=client_credentials',
    },
    s.timeoutMs,
  );
  if (!res.ok) throw await paypalError(res, 'token');
  const body = await readJson('paypal', res);
  const token = isRecord(body) ? str(body.access_token) : null;
  const expiresIn = isRecord(body) && typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 0;
  if (!token) throw new ProviderCallError('paypal', 'bad_response', 'the token answer has no access_token', res.status);
  // A minute early, so a token never expires between our check and PayPal's.
  tokens.set(cacheKey, { token, expiresAt: now + Math.max(0, expiresIn - 60) * 1000 });
  return token;
}

/** An authenticated call; a 401 drops the cached token and tries once more with a fresh one. */
async function call(s: PaypalSettings, path: string, init: { method: string; body?: string; headers?: Record<string, string> }, now: number): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const token = await accessToken(s, now);
    const res = await providerFetch(
      'paypal',
      joinUrl(s.baseUrl, path),
      { method: init.method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json', ...init.headers }, body: init.body },
      s.timeoutMs,
    );
    if (res.status !== 401 || attempt === 2) return res;
    await res.body?.cancel();
    tokens.delete(`${s.baseUrl}\n${s.clientId}`);
  }
}

export interface CreateOrderInput {
  orderId: string;
  amountCents: number;
  returnUrl: string;
  cancelUrl: string;
}

/** The body of `POST /v2/checkout/orders`: one purchase unit naming our order in reference_id and custom_id. */
export function createOrderBody(input: CreateOrderInput) {
  return {
    intent: 'CAPTURE',
    purchase_units: [
      {
        reference_id: input.orderId,
        custom_id: input.orderId,
        description: 'GPUBroker prepaid credit',
        amount: { currency_code: 'USD', value: centsToDecimalString(input.amountCents) },
      },
    ],
    payment_source: {
      paypal: {
        experience_context: { brand_name: 'GPUBroker', shipping_preference: 'NO_SHIPPING', user_action: 'PAY_NOW', return_url: input.returnUrl, cancel_url: input.cancelUrl },
      },
    },
  };
}

/** Creates the order and returns its id and the link the payer approves it at (`payer-action`, or `approve`). */
export async function createOrder(s: PaypalSettings, input: CreateOrderInput, now: number): Promise<{ id: string; approveUrl: string }> {
  const res = await call(s, '/v2/checkout/orders', { method: 'POST', body: JSON.stringify(createOrderBody(input)), headers: { 'paypal-request-id': `order-${input.orderId}` } }, now);
  if (!res.ok) throw await paypalError(res, 'order');
  const body = await readJson('paypal', res);
  const id = isRecord(body) ? str(body.id) : null;
  const links = isRecord(body) && Array.isArray(body.links) ? body.links.filter(isRecord) : [];
  const approve = links.find((l) => l.rel === 'payer-action') ?? links.find((l) => l.rel === 'approve');
  const approveUrl = approve ? str(approve.href) : null;
  if (!id || !approveUrl || !/^https?:\/\//.test(approveUrl)) throw new ProviderCallError('paypal', 'bad_response', 'the order has no id or approve link', res.status);
  return { id, approveUrl };
}

export type CaptureResult =
  | { kind: 'captured'; captureId: string; status: string; amountCents: number | null; currency: string | null; customId: string | null }
  | { kind: 'already_captured' };

/** Captures an approved order. PayPal-Request-Id = our order id, so a repeated capture replays the first answer. */
export async function captureOrder(s: PaypalSettings, paypalOrderId: string, orderId: string, now: number): Promise<CaptureResult> {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(paypalOrderId)) throw new ProviderCallError('paypal', 'bad_response', 'unusable PayPal order id');
  const res = await call(s, `/v2/checkout/orders/${paypalOrderId}/capture`, { method: 'POST', body: '{}', headers: { 'paypal-request-id': `capture-${orderId}` } }, now);
  if (res.status === 422) {
    const err = await paypalError(res, 'capture');
    if (err.code === 'ORDER_ALREADY_CAPTURED') return { kind: 'already_captured' };
    throw err;
  }
  if (!res.ok) throw await paypalError(res, 'capture');
  const body = await readJson('paypal', res);
  const unit = isRecord(body) && Array.isArray(body.purchase_units) && isRecord(body.purchase_units[0]) ? body.purchase_units[0] : null;
  const payments = unit && isRecord(unit.payments) ? unit.payments : null;
  const capture = payments && Array.isArray(payments.captures) && isRecord(payments.captures[0]) ? payments.captures[0] : null;
  const captureId = capture ? str(capture.id) : null;
  if (!capture || !captureId) throw new ProviderCallError('paypal', 'bad_response', 'the capture answer names no capture', res.status);
  const amount = isRecord(capture.amount) ? capture.amount : null;
  return {
    kind: 'captured',
    captureId,
    status: str(capture.status) ?? 'UNKNOWN',
    amountCents: amount ? centsFromDecimalString(amount.value) : null,
    currency: amount ? str(amount.currency_code) : null,
    customId: str(capture.custom_id),
  };
}

export interface TransmissionHeaders {
  transmissionId: string;
  transmissionTime: string;
  transmissionSig: string;
  certUrl: string;
  authAlgo: string;
}

/**
 * Asks PayPal whether a transmission is genuine. The event goes in as the exact bytes we received
 * (spliced into the request, not re-serialized), since the signature covers those bytes.
 */
export async function verifyWebhookSignatureApi(s: PaypalSettings, h: TransmissionHeaders, webhookId: string, rawEvent: string, now: number): Promise<boolean> {
  const head = JSON.stringify({
    auth_algo: h.authAlgo,
    cert_url: h.certUrl,
    transmission_id: h.transmissionId,
    transmission_sig: h.transmissionSig,
    transmission_time: h.transmissionTime,
    webhook_id: webhookId,
  });
  const body = `${head.slice(0, -1)},"webhook_event":${rawEvent}}`;
  const res = await call(s, '/v1/notifications/verify-webhook-signature', { method: 'POST', body }, now);
  if (!res.ok) throw await paypalError(res, 'verify-webhook-signature');
  const answer = await readJson('paypal', res);
  const status = isRecord(answer) ? answer.verification_status : undefined;
  if (status !== 'SUCCESS' && status !== 'FAILURE') throw new ProviderCallError('paypal', 'bad_response', 'verify-webhook-signature gave no verification_status', res.status);
  return status === 'SUCCESS';
}

/** PayPal errors carry `name` and `details[0].issue`; we keep those (never a token or a secret). */
async function paypalError(res: Response, what: string): Promise<ProviderCallError> {
  let name = 'unknown';
  let issue: string | undefined;
  try {
    const body = (await res.json()) as { name?: unknown; error?: unknown; details?: Array<{ issue?: unknown }> };
    if (typeof body.name === 'string') name = body.name.slice(0, 60);
    else if (typeof body.error === 'string') name = body.error.slice(0, 60);
    if (typeof body.details?.[0]?.issue === 'string') issue = body.details[0].issue.slice(0, 60);
  } catch {
    // not JSON
  }
  return new ProviderCallError('paypal', 'http', `${what}: HTTP ${res.status} (${name}${issue ? `/${issue}` : ''})`, res.status, issue ?? name);
}
