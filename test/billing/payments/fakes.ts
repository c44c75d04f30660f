// Local stand-ins for the Stripe and PayPal REST APIs, answering the few endpoints we call with the
// shapes their API references document (Checkout Session object, Orders v2 order and capture, OAuth2
// token, verify-webhook-signature, the certificate download). Installed as the payments fetch, so
// the real clients run unchanged; each test can make a provider fail, hang, or answer otherwise.
import { afterEach } from 'vitest';
import { clearPaypalTokens } from '../../../src/billing/payments/paypal-api';
import { clearPaypalCertCache } from '../../../src/billing/payments/paypal-signature';
import { setPaymentsFetch } from '../../../src/billing/payments/transport';
import certPem from './fixtures/paypal-test-cert.pem?raw';

export const STRIPE_BASE = 'https://stripe.test';
export const PAYPAL_BASE = 'https://paypal.test';
export const CERT_URL = 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-test';

export interface FakeCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

type Answer = Response | (() => Response | Promise<Response>);

export interface Fakes {
  calls: FakeCall[];
  /** Answer the next Stripe session create with this instead (a 4xx/5xx, or 'hang' to never answer). */
  stripeSession: Answer | 'hang' | null;
  /** Answer PayPal order creation with this instead. */
  paypalOrder: Answer | 'hang' | null;
  /** Capture answer: default COMPLETED for the order's amount. */
  paypalCapture: ((paypalOrderId: string) => Response) | null;
  /** What verify-webhook-signature says (`SUCCESS`, `FAILURE`) or a Response to send. */
  paypalVerify: 'SUCCESS' | 'FAILURE' | Response;
  /** Whether the certificate URL answers (false: 503, so local verification cannot run). */
  certAvailable: boolean;
  /** The certificate served (defaults to the test fixture). */
  certPem: string;
  sessions: Map<string, Record<string, unknown>>;
  orders: Map<string, { customId: string; value: string }>;
}

let counter = 0;
const uid = (n = 14) => {
  counter++;
  return (crypto.randomUUID().replace(/-/g, '') + counter.toString(36)).toUpperCase().slice(0, n);
};

const json = (body: unknown, status = 200) => Response.json(body, { status });
const answer = async (a: Answer) => (typeof a === 'function' ? a() : a.clone());
const hang = (signal: AbortSignal | null | undefined) =>
  new Promise<Response>((_, reject) => signal?.addEventListener('abort', () => reject(new DOMException('The operation was aborted', 'AbortError'))));

export function installFakes(): Fakes {
  const fakes: Fakes = {
    calls: [],
    stripeSession: null,
    paypalOrder: null,
    paypalCapture: null,
    paypalVerify: 'SUCCESS',
    certAvailable: true,
    certPem,
    sessions: new Map(),
    orders: new Map(),
  };
  const captures = new Map<string, Response>();
  setPaymentsFetch(async (url, init) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    const body = typeof init.body === 'string' ? init.body : '';
    fakes.calls.push({ method: init.method ?? 'GET', url, headers, body });
    const u = new URL(url);

    if (url.startsWith(STRIPE_BASE)) {
      if (headers.authorization !== 'Bearer sk_test_vitest') return json({ error: { type: 'invalid_request_error', code: 'api_key_invalid', message: 'Invalid API Key provided: sk_test_****' } }, 401);
      if (u.pathname === '/v1/checkout/sessions' && init.method === 'POST') {
        if (fakes.stripeSession === 'hang') return hang(init.signal);
        if (fakes.stripeSession) return answer(fakes.stripeSession);
        const form = new URLSearchParams(body);
        const id = `cs_test_${uid(24)}`;
        const session = {
          id,
          object: 'checkout.session',
          amount_subtotal: Number(form.get('line_items[0][price_data][unit_amount]')),
          amount_total: Number(form.get('line_items[0][price_data][unit_amount]')),
          cancel_url: form.get('cancel_url'),
          client_reference_id: form.get('client_reference_id'),
          currency: form.get('line_items[0][price_data][currency]'),
          livemode: false,
          metadata: { order_id: form.get('metadata[order_id]'), tenant_id: form.get('metadata[tenant_id]') },
          mode: form.get('mode'),
          payment_intent: null,
          payment_status: 'unpaid',
          status: 'open',
          success_url: form.get('success_url'),
          url: `https://checkout.stripe.com/c/pay/${id}`,
        };
        fakes.sessions.set(id, session);
        return json(session);
      }
    }

    if (url.startsWith(PAYPAL_BASE)) {
      if (u.pathname === '/v1/oauth2/token') {
        if (headers.authorization !== `Basic ${btoa('paypal-test-client:paypal-test-secret')}` || body !== 'grant_type=client_credentials') return json({ error: 'invalid_client' }, 401);
        return json({ scope: 'https://uri.paypal.com/services/payments/payment', access_token: `A21AA${uid(20)}`, token_type: 'Bearer', app_id: 'APP-80W284485P519543T', expires_in: 32400, nonce: uid(10) });
      }
      if (!headers.authorization?.startsWith('Bearer A21AA')) return json({ name: 'AUTHENTICATION_FAILURE', message: 'Authentication failed' }, 401);
      if (u.pathname === '/v2/checkout/orders' && init.method === 'POST') {
        if (fakes.paypalOrder === 'hang') return hang(init.signal);
        if (fakes.paypalOrder) return answer(fakes.paypalOrder);
        const req = JSON.parse(body) as { purchase_units: Array<{ custom_id: string; amount: { value: string } }> };
        const id = uid(17);
        fakes.orders.set(id, { customId: req.purchase_units[0]!.custom_id, value: req.purchase_units[0]!.amount.value });
        return json(
          {
            id,
            status: 'PAYER_ACTION_REQUIRED',
            payment_source: { paypal: {} },
            links: [
              { href: `https://api.sandbox.paypal.com/v2/checkout/orders/${id}`, rel: 'self', method: 'GET' },
              { href: `https://www.sandbox.paypal.com/checkoutnow?token=${id}`, rel: 'payer-action', method: 'GET' },
            ],
          },
          200,
        );
      }
      const capture = /^\/v2\/checkout\/orders\/([\w-]+)\/capture$/.exec(u.pathname);
      if (capture && init.method === 'POST') {
        const orderId = capture[1]!;
        if (fakes.paypalCapture) return fakes.paypalCapture(orderId);
        // PayPal-Request-Id replays the first answer, as PayPal documents.
        const key = headers['paypal-request-id'] ?? uid();
        if (!captures.has(key)) {
          const order = fakes.orders.get(orderId);
          if (!order) return json({ name: 'RESOURCE_NOT_FOUND', details: [{ issue: 'INVALID_RESOURCE_ID' }] }, 404);
          captures.set(
            key,
            json(
              {
                id: orderId,
                status: 'COMPLETED',
                purchase_units: [
                  {
                    reference_id: order.customId,
                    payments: { captures: [{ id: `CAP${uid(14)}`, status: 'COMPLETED', amount: { currency_code: 'USD', value: order.value }, final_capture: true, custom_id: order.customId }] },
                  },
                ],
              },
              201,
            ),
          );
        }
        return captures.get(key)!.clone();
      }
      if (u.pathname === '/v1/notifications/verify-webhook-signature' && init.method === 'POST') {
        return typeof fakes.paypalVerify === 'string' ? json({ verification_status: fakes.paypalVerify }) : fakes.paypalVerify.clone();
      }
    }

    if (u.hostname === 'api.sandbox.paypal.com' && u.pathname.startsWith('/v1/notifications/certs/')) {
      if (!fakes.certAvailable) return new Response('unavailable', { status: 503 });
      return new Response(fakes.certPem, { headers: { 'content-type': 'application/x-pem-file' } });
    }
    throw new TypeError(`fake payments network: no route for ${init.method ?? 'GET'} ${url}`);
  });
  return fakes;
}

afterEach(() => {
  setPaymentsFetch(null);
  clearPaypalTokens();
  clearPaypalCertCache();
});
