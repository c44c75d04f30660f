// Route declarations of invoices: the issued months, one invoice with its lines, its printable HTML,
// and the current month's draft.
import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../http/openapi';
import { requireRole } from '../tenancy/auth.middleware';
import { nextCursorField, pageQueryFields } from '../tenancy/paging';

const TAGS = ['Billing'];
const isoTime = z.string().openapi({ format: 'date-time' });

const InvoiceLineSchema = z
  .object({
    kind: z.string().openapi({ description: 'The ledger kind the line sums: usage, subscription_fee, subscription_credit, adjustment, credit_purchase, refund, dispute, dispute_won.' }),
    description: z.string(),
    deploymentId: z.string().nullable(),
    gpuModel: z.string().nullable(),
    provider: z.string().nullable(),
    hours: z.number().nullable().openapi({ description: 'Usage lines: running hours.' }),
    unitPriceUsd: z.number().nullable().openapi({ description: 'Usage lines: the locked hourly price including the margin.' }),
    amountUsd: z.number().openapi({ description: 'Charges positive; credits and payments negative.' }),
    transactionId: z.string().nullable().openapi({ description: 'The ledger transaction of a single-transaction line.' }),
  })
  .openapi('InvoiceLine');

const InvoiceSummarySchema = z.object({
  id: z.string().nullable().openapi({ example: 'inv_0123456789abcdef', description: 'Null for the upcoming draft.' }),
  status: z.enum(['issued', 'upcoming']),
  currency: z.literal('USD'),
  periodStart: isoTime,
  periodEnd: isoTime,
  issuedAt: isoTime.nullable(),
  openingBalanceUsd: z.number(),
  closingBalanceUsd: z.number().openapi({ description: 'openingBalanceUsd − chargesUsd + paymentsUsd.' }),
  chargesUsd: z.number().openapi({ description: 'Usage, plan fees net of credits, and adjustments.' }),
  paymentsUsd: z.number().openapi({ description: 'Credit bought, net of refunds and disputes.' }),
  totals: z.record(z.string(), z.number()).openapi({ description: 'Amount per ledger kind, USD.' }),
  transactionCount: z.number().int(),
});

export const InvoiceSchema = InvoiceSummarySchema.extend({ lines: z.array(InvoiceLineSchema) }).openapi('Invoice');

const InvoiceIdParams = z.object({
  id: z
    .string()
    .regex(/^inv_[0-9a-z]{16}$/, 'an invoice id looks like inv_ followed by 16 letters and digits')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'inv_0123456789abcdef' }),
});

export const listInvoicesRoute = createRoute({
  method: 'get',
  path: '/v1/billing/invoices',
  tags: TAGS,
  summary: 'Issued monthly invoices, newest first',
  middleware: [requireRole('viewer')],
  request: { query: z.object(pageQueryFields).strict() },
  responses: {
    200: { description: 'A page of invoices (without lines)', content: { 'application/json': { schema: z.object({ data: z.array(InvoiceSummarySchema.openapi('InvoiceSummary')), nextCursor: nextCursorField }) } } },
    ...problemResponses(400, 401, 403),
  },
});

export const upcomingInvoiceRoute = createRoute({
  method: 'get',
  path: '/v1/billing/invoices/upcoming',
  tags: TAGS,
  summary: 'This month’s invoice so far (a draft, not stored)',
  middleware: [requireRole('viewer')],
  responses: { 200: { description: 'The draft', content: { 'application/json': { schema: InvoiceSchema } } }, ...problemResponses(401, 403) },
});

export const getInvoiceRoute = createRoute({
  method: 'get',
  path: '/v1/billing/invoices/{id}',
  tags: TAGS,
  summary: 'One issued invoice with its lines',
  middleware: [requireRole('viewer')],
  request: { params: InvoiceIdParams },
  responses: { 200: { description: 'The invoice', content: { 'application/json': { schema: InvoiceSchema } } }, ...problemResponses(400, 401, 403, 404) },
});

export const invoiceHtmlRoute = createRoute({
  method: 'get',
  path: '/v1/billing/invoices/{id}/html',
  tags: TAGS,
  summary: 'One issued invoice as a printable HTML page',
  description: 'A self-contained page (no scripts, print stylesheet) to print or save as PDF; served with `Content-Disposition: attachment` when `download=1`.',
  middleware: [requireRole('viewer')],
  request: { params: InvoiceIdParams, query: z.object({ download: z.enum(['0', '1']).optional() }).strict() },
  responses: { 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } }, ...problemResponses(400, 401, 403, 404) },
});
