// Invoices of the caller's tenant: stored ones as issued (never recomputed), the current month as a
// draft built from the ledger on each request. Another tenant's invoice id answers 404.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { decodeCursor, fingerprint } from '../http/cursor';
import { notFound } from '../http/problem';
import { iso, isoOrNull } from '../http/time';
import { microToUsd } from '../money';
import { tenantOf } from '../tenancy/auth.middleware';
import { DEFAULT_PAGE_SIZE, toPage } from '../tenancy/paging';
import { INVOICE_CSP, renderInvoiceHtml } from './invoice-html';
import { fromRows, INVOICE_COLUMNS, loadInvoice, upcomingInvoice, type Invoice, type InvoiceRow } from './invoices';
import type { getInvoiceRoute, invoiceHtmlRoute, listInvoicesRoute, upcomingInvoiceRoute } from './invoices.routes';

function summary(inv: Invoice) {
  return {
    id: inv.id,
    status: inv.status,
    currency: 'USD' as const,
    periodStart: iso(inv.periodStart),
    periodEnd: iso(inv.periodEnd),
    issuedAt: isoOrNull(inv.issuedAt),
    openingBalanceUsd: microToUsd(inv.openingBalanceMicro),
    closingBalanceUsd: microToUsd(inv.closingBalanceMicro),
    chargesUsd: microToUsd(inv.chargesMicro),
    paymentsUsd: microToUsd(inv.paymentsMicro),
    totals: Object.fromEntries(Object.entries(inv.totals).map(([k, v]) => [k, microToUsd(v)])),
    transactionCount: inv.transactionCount,
  };
}

function full(inv: Invoice) {
  return {
    ...summary(inv),
    lines: inv.lines.map((l) => ({
      kind: l.kind,
      description: l.description,
      deploymentId: l.deploymentId,
      gpuModel: l.gpuModel,
      provider: l.provider,
      hours: l.quantityMs === null ? null : l.quantityMs / 3_600_000,
      unitPriceUsd: l.unitPriceMicro === null ? null : microToUsd(l.unitPriceMicro),
      amountUsd: microToUsd(l.amountMicro),
      transactionId: l.transactionId,
    })),
  };
}

const SORT = { s: 'periodStart', o: 'd' } as const;

export const listInvoices: RouteHandler<typeof listInvoicesRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const query = c.req.valid('query');
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const f = fingerprint({});
  const params: (string | number)[] = [tenantId];
  let where = 'tenant_id = ?1';
  if (query.cursor) {
    const state = decodeCursor(query.cursor, { ...SORT, f });
    params.push(state.v, state.id);
    where += ` AND (period_start, id) < (?2, ?3)`;
  }
  params.push(limit + 1);
  const { results } = await c.var.readDb
    .prepare(`SELECT ${INVOICE_COLUMNS} FROM invoices WHERE ${where} ORDER BY period_start DESC, id DESC LIMIT ?${params.length}`)
    .bind(...params)
    .all<InvoiceRow>();
  const page = toPage(results, limit, { ...SORT, f, key: (r) => ({ v: r.period_start, id: r.id }) });
  return c.json({ data: page.rows.map((r) => summary(fromRows(r, null))), nextCursor: page.nextCursor }, 200);
};

export const getUpcomingInvoice: RouteHandler<typeof upcomingInvoiceRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  return c.json(full(await upcomingInvoice(c.var.readDb, tenantId, Date.now())), 200);
};

export const getInvoice: RouteHandler<typeof getInvoiceRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const { id } = c.req.valid('param');
  const inv = await loadInvoice(c.var.readDb, tenantId, id);
  if (!inv) throw notFound(`no invoice ${id}`);
  return c.json(full(inv), 200);
};

export const getInvoiceHtml: RouteHandler<typeof invoiceHtmlRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const { id } = c.req.valid('param');
  const [inv, tenant] = await Promise.all([
    loadInvoice(c.var.readDb, tenantId, id),
    c.var.readDb.prepare('SELECT name FROM tenants WHERE id = ?1').bind(tenantId).first<{ name: string }>(),
  ]);
  if (!inv) throw notFound(`no invoice ${id}`);
  c.header('Content-Security-Policy', INVOICE_CSP);
  c.header('Cache-Control', 'private, no-store');
  if (c.req.valid('query').download === '1') c.header('Content-Disposition', `attachment; filename="gpubroker-${id}.html"`);
  return c.html(renderInvoiceHtml(inv, tenant?.name ?? ''), 200);
};
