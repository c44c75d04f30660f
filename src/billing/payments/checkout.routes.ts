// Route declarations of payments: start a checkout, read the tenant's payment orders.
import { createRoute, z } from '@hono/zod-openapi';
import { idempotency } from '../../http/idempotency';
import { problemResponses } from '../../http/openapi';
import { requireRole } from '../../tenancy/auth.middleware';
import { nextCursorField, pageQueryFields } from '../../tenancy/paging';
import { CHECKOUT_MAX_CENTS, CHECKOUT_MIN_CENTS } from './amount';
import { checkoutAmountGuard } from './checkout.guard';
import { ORDER_STATUSES } from './orders';

const TAGS = ['Billing'];

export const CheckoutBodySchema = z
  .object({
    amountUsd: z
      .number()
      .min(CHECKOUT_MIN_CENTS / 100)
      .max(CHECKOUT_MAX_CENTS / 100)
      .openapi({ example: 50, description: 'USD to add as prepaid credit: $5 to $10,000, a plain JSON number with at most two decimals (no strings, no exponent).' }),
    provider: z.enum(['stripe', 'paypal']),
  })
  .strict();

export const CheckoutSchema = z
  .object({
    orderId: z.string().openapi({ example: 'pay_0123456789abcdef' }),
    provider: z.enum(['stripe', 'paypal']),
    checkoutUrl: z.string().openapi({ description: 'Send the payer here (Stripe Checkout, or PayPal approval).' }),
    amountUsd: z.number(),
    status: z.enum(ORDER_STATUSES),
  })
  .openapi('Checkout');

export const PaymentSchema = z
  .object({
    id: z.string(),
    provider: z.enum(['stripe', 'paypal']),
    status: z.enum(ORDER_STATUSES),
    amountUsd: z.number(),
    currency: z.string(),
    refundedUsd: z.number(),
    disputedUsd: z.number(),
    checkoutUrl: z.string().nullable().openapi({ description: 'While the order can still be paid.' }),
    providerOrderId: z.string().nullable().openapi({ description: 'Stripe Checkout Session id or PayPal order id.' }),
    failureReason: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    paidAt: z.string().nullable(),
  })
  .openapi('Payment');

export const createCheckoutRoute = createRoute({
  method: 'post',
  path: '/v1/billing/checkout',
  tags: TAGS,
  summary: 'Buy prepaid credit: start a Stripe or PayPal checkout',
  description:
    'Members and up; requires `Idempotency-Key`. Creates a Stripe Checkout Session or a PayPal order for the amount and answers the URL to send ' +
    'the payer to. The credit is added when the provider\'s signed webhook confirms the payment (see `GET /v1/billing/payments/{id}`). ' +
    'A provider that fails or times out answers 502; an unconfigured one 503.',
  middleware: [requireRole('member'), idempotency({ required: true }), checkoutAmountGuard],
  request: { body: { required: true, content: { 'application/json': { schema: CheckoutBodySchema } } } },
  responses: {
    201: { description: 'Checkout started', content: { 'application/json': { schema: CheckoutSchema } } },
    ...problemResponses(400, 401, 403, 409, 422, 502, 503),
  },
});

const IdParams = z.object({
  id: z
    .string()
    .regex(/^pay_[0-9a-z]{16}$/, 'a payment id looks like pay_ followed by 16 characters')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'pay_0123456789abcdef' }),
});

export const listPaymentsRoute = createRoute({
  method: 'get',
  path: '/v1/billing/payments',
  tags: TAGS,
  summary: "The tenant's payment orders, newest first",
  middleware: [requireRole('viewer')],
  request: { query: z.object({ ...pageQueryFields, status: z.enum(ORDER_STATUSES).optional() }).strict() },
  responses: {
    200: { description: 'A page of payments', content: { 'application/json': { schema: z.object({ data: z.array(PaymentSchema), nextCursor: nextCursorField }) } } },
    ...problemResponses(400, 401, 403),
  },
});

export const getPaymentRoute = createRoute({
  method: 'get',
  path: '/v1/billing/payments/{id}',
  tags: TAGS,
  summary: 'One payment order: paid yet? refunded? disputed?',
  middleware: [requireRole('viewer')],
  request: { params: IdParams },
  responses: { 200: { description: 'The payment', content: { 'application/json': { schema: PaymentSchema } } }, ...problemResponses(400, 401, 403, 404) },
});
