// Checkout and the payment list. An order row is written once the provider has answered: `created`
// with the provider's id and checkout URL, or `failed` with why; never a row pointing at nothing.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env';
import { randomId } from '../../catalog/ids';
import { notFound, Problem } from '../../http/problem';
import { microToUsd } from '../../money';
import { tenantOf } from '../../tenancy/auth.middleware';
import { newestFirstPage } from '../../tenancy/paging';
import { centsToMicro } from './amount';
import type { createCheckoutRoute, getPaymentRoute, listPaymentsRoute } from './checkout.routes';
import { insertOrderStatement, toApiPayment, type OrderRow } from './orders';
import { createOrder, paypalSettings } from './paypal-api';
import { createCheckoutSession, stripeSettings } from './stripe-api';
import { ProviderCallError } from './transport';

/** Where the provider sends the payer back: the web app when configured, else this API's small return page. */
function returnUrls(c: Parameters<RouteHandler<typeof createCheckoutRoute, AppEnv>>[0], orderId: string) {
  const config = c.var.config;
  const base = (config.WEB_APP_URL ?? config.API_PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/+$/, '');
  const url = (result: string) => `${base}/checkout/return?order=${orderId}&result=${result}`;
  return { success: url('success'), cancel: url('cancelled') };
}

export const createCheckout: RouteHandler<typeof createCheckoutRoute, AppEnv> = async (c) => {
  const actor = tenantOf(c.var.principal);
  const { amountUsd, provider } = c.req.valid('json');
  // The guard allowed at most two decimals, so this is exact.
  const amountCents = Math.round(amountUsd * 100);
  const config = c.var.config;
  const orderId = randomId('pay_');
  const urls = returnUrls(c, orderId);
  const now = Date.now();
  const row: OrderRow = {
    id: orderId,
    tenant_id: actor.tenantId,
    provider,
    provider_order_id: null,
    provider_payment_id: null,
    amount_micro: centsToMicro(amountCents),
    currency: 'USD',
    status: 'created',
    refunded_micro: 0,
    disputed_micro: 0,
    version: 0,
    checkout_url: null,
    last_error: null,
    created_by: actor.userId ?? actor.keyId,
    created_at: now,
    updated_at: now,
    paid_at: null,
  };

  const stripe = provider === 'stripe' ? stripeSettings(config) : null;
  const paypal = provider === 'paypal' ? paypalSettings(config) : null;
  if (!stripe && !paypal) throw new Problem(503, 'payment-provider-unavailable', 'Payment provider unavailable', `${provider} payments are not configured on this server`);
  try {
    if (stripe) {
      const session = await createCheckoutSession(stripe, { orderId, tenantId: actor.tenantId, amountCents, successUrl: urls.success, cancelUrl: urls.cancel });
      row.provider_order_id = session.id;
      row.checkout_url = session.url;
    } else {
      const order = await createOrder(paypal!, { orderId, amountCents, returnUrl: urls.success, cancelUrl: urls.cancel }, now);
      row.provider_order_id = order.id;
      row.checkout_url = order.approveUrl;
    }
  } catch (err) {
    if (!(err instanceof ProviderCallError)) throw err;
    const failedAt = Date.now();
    await c.env.DB.batch([insertOrderStatement(c.env.DB, { ...row, status: 'failed', last_error: err.message.slice(0, 300), updated_at: failedAt })]);
    console.warn(`checkout ${orderId} failed: ${err.message}`);
    throw new Problem(502, 'payment-provider-error', 'Payment provider error', `${provider} could not start the checkout (${err.kind}${err.status ? ` ${err.status}` : ''}); try again`);
  }
  row.updated_at = Date.now();
  await c.env.DB.batch([insertOrderStatement(c.env.DB, row)]);
  return c.json({ orderId, provider, checkoutUrl: row.checkout_url!, amountUsd: microToUsd(row.amount_micro), status: row.status }, 201);
};

export const listPayments: RouteHandler<typeof listPaymentsRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const query = c.req.valid('query');
  const page = await newestFirstPage<OrderRow>(c.var.readDb, 'payment_orders', { tenantId, match: { status: query.status }, limit: query.limit, cursor: query.cursor });
  return c.json({ data: page.rows.map(toApiPayment), nextCursor: page.nextCursor }, 200);
};

export const getPayment: RouteHandler<typeof getPaymentRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const { id } = c.req.valid('param');
  const row = await c.var.readDb.prepare('SELECT * FROM payment_orders WHERE tenant_id = ?1 AND id = ?2').bind(tenantId, id).first<OrderRow>();
  if (!row) throw notFound(`no payment ${id}`);
  return c.json(toApiPayment(row), 200);
};
