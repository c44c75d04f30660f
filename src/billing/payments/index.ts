// Wires payments into the app: checkout and payment orders under /v1/billing, the provider webhooks
// (outside /v1: no auth, no JSON body guard, no rate limit; their signature is their credential), and
// the platform-admin webhook routes. The payer returns to the web app's /checkout/return page.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env';
import { listWebhookEvents, retryWebhookEvent } from './admin.handlers';
import { listWebhookEventsRoute, retryWebhookEventRoute } from './admin.routes';
import { createCheckout, getPayment, listPayments } from './checkout.handlers';
import { createCheckoutRoute, getPaymentRoute, listPaymentsRoute } from './checkout.routes';
import { receivePaypalWebhook, receiveStripeWebhook } from './webhooks.handlers';

export { retryWebhookEvents } from './retry';

export function registerPayments(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createCheckoutRoute, createCheckout);
  app.openapi(listPaymentsRoute, listPayments);
  app.openapi(getPaymentRoute, getPayment);
  app.openapi(listWebhookEventsRoute, listWebhookEvents);
  app.openapi(retryWebhookEventRoute, retryWebhookEvent);
  app.post('/webhooks/stripe', receiveStripeWebhook);
  app.post('/webhooks/paypal', receivePaypalWebhook);
}
