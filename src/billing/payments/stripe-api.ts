// The Stripe REST calls checkout makes: one Checkout Session per order (form-encoded, as Stripe's API
// takes it), with our order id in client_reference_id and in the metadata of both the session and its
// PaymentIntent, so whichever event arrives first can name the order.
import type { Config } from '../../env';
import { isRecord, joinUrl, ProviderCallError, providerFetch, readJson, str } from './transport';

export interface StripeSettings {
  secretKey: string;
  baseUrl: string;
  timeoutMs: number;
}

export function stripeSettings(config: Config): StripeSettings | null {
  const secretKey = config.raw.STRIPE_SECRET_KEY?.trim();
  return secretKey ? { secretKey, baseUrl: config.STRIPE_API_URL, timeoutMs: config.PAYMENTS_TIMEOUT_MS } : null;
}

export interface CheckoutSessionInput {
  orderId: string;
  tenantId: string;
  amountCents: number;
  successUrl: string;
  cancelUrl: string;
}

/** The form fields of `POST /v1/checkout/sessions` for one credit purchase. */
export function checkoutSessionForm(input: CheckoutSessionInput): URLSearchParams {
  return new URLSearchParams({
    mode: 'payment',
    'line_items[0][quantity]': '1',
    'line_items[0][price_data][currency]': 'usd',
    'line_items[0][price_data][unit_amount]': String(input.amountCents),
    'line_items[0][price_data][product_data][name]': 'GPUBroker prepaid credit',
    success_url: input.successUrl,
    cancel_url: input.cancelUrl,
    client_reference_id: input.orderId,
    'metadata[order_id]': input.orderId,
    'metadata[tenant_id]': input.tenantId,
    'payment_intent_data[metadata][order_id]': input.orderId,
    'payment_intent_data[metadata][tenant_id]': input.tenantId,
  });
}

/**
 * Creates the session. The order id is Stripe's Idempotency-Key, so the one retry after a network
 * error or a 5xx cannot create a second session.
 */
export async function createCheckoutSession(s: StripeSettings, input: CheckoutSessionInput): Promise<{ id: string; url: string }> {
  const body = checkoutSessionForm(input).toString();
  let res: Response | undefined;
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      res = await providerFetch(
        'stripe',
        joinUrl(s.baseUrl, '/v1/checkout/sessions'),
        {
          method: 'POST',
          headers: { authorization: `Bearer ${s.secretKey}`, 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': `checkout-${input.orderId}` },
          body,
        },
        s.timeoutMs,
      );
    } catch (err) {
      if (attempt === 2 || !(err instanceof ProviderCallError) || err.kind !== 'network') throw err;
      continue;
    }
    if (res.status < 500 || attempt === 2) break;
    await res.body?.cancel();
  }
  if (!res!.ok) throw await stripeError(res!);
  const session = await readJson('stripe', res!);
  const id = isRecord(session) ? str(session.id) : null;
  const url = isRecord(session) ? str(session.url) : null;
  if (!id || !id.startsWith('cs_') || !url || !/^https?:\/\//.test(url)) throw new ProviderCallError('stripe', 'bad_response', 'the checkout session has no id or url', res!.status);
  return { id, url };
}

/** Stripe errors are `{ error: { type, code, message } }`; we keep the type and code (never the message, which may quote our key). */
async function stripeError(res: Response): Promise<ProviderCallError> {
  let type = 'unknown';
  let code: string | undefined;
  try {
    const body = (await res.json()) as { error?: { type?: unknown; code?: unknown } };
    if (typeof body.error?.type === 'string') type = body.error.type.slice(0, 60);
    if (typeof body.error?.code === 'string') code = body.error.code.slice(0, 60);
  } catch {
    // not JSON: the status says enough
  }
  return new ProviderCallError('stripe', 'http', `HTTP ${res.status} (${type}${code ? `/${code}` : ''})`, res.status, code);
}
