// Wires a tenant's billing routes into the app. The public price list, GET /v1/plans, is wired in
// app.ts; the platform admins' credit adjustments in src/admin/.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { getBalance, getSubscription, getUsage, listLedger, postChangePlan } from './billing.handlers';
import { changePlanRoute, getBalanceRoute, getSubscriptionRoute, listLedgerRoute, usageRoute } from './billing.routes';
import { getInvoice, getInvoiceHtml, getUpcomingInvoice, listInvoices } from './invoices.handlers';
import { getInvoiceRoute, invoiceHtmlRoute, listInvoicesRoute, upcomingInvoiceRoute } from './invoices.routes';

export function registerBilling(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getBalanceRoute, getBalance);
  app.openapi(listLedgerRoute, listLedger);
  app.openapi(usageRoute, getUsage);
  app.openapi(getSubscriptionRoute, getSubscription);
  app.openapi(changePlanRoute, postChangePlan);
  app.openapi(listInvoicesRoute, listInvoices);
  // Before /{id}: "upcoming" is not an invoice id.
  app.openapi(upcomingInvoiceRoute, getUpcomingInvoice);
  app.openapi(getInvoiceRoute, getInvoice);
  app.openapi(invoiceHtmlRoute, getInvoiceHtml);
}
