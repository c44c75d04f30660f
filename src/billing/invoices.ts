// Monthly invoices, built from the ledger: everything posted to a tenant in a calendar month (UTC),
// usage summed per deployment and price, every other transaction a line of its own. Amounts are the
// ledger's own (charges positive, credits and payments negative), so the lines add up to exactly the
// change of the credit balance over the month. The cron pass issues each month's invoice once the
// month is over (stored, never recomputed); the current month is shown as an unstored draft.
import { randomId } from '../catalog/ids';
import { chargeOf } from './metering';
import { monthStart, nextMonthStart } from './period';

/** The invoice pass waits this long after a month ends, so a metering pass still posting with the old month's clock lands first. */
export const ISSUE_DELAY_MS = 10 * 60_000;
const INVOICES_PER_PASS = 25;

/** How each ledger kind counts on an invoice: a charge for the service, or a payment (money in or back out). */
export const CHARGE_KINDS = ['usage', 'subscription_fee', 'subscription_credit', 'adjustment'] as const;
export const PAYMENT_KINDS = ['credit_purchase', 'refund', 'dispute', 'dispute_won'] as const;

export interface InvoiceLine {
  kind: string;
  description: string;
  deploymentId: string | null;
  gpuModel: string | null;
  provider: string | null;
  quantityMs: number | null;
  unitPriceMicro: number | null;
  /** Charges positive, credits and payments negative: minus the line's effect on the credit balance. */
  amountMicro: number;
  transactionId: string | null;
}

export interface Invoice {
  id: string | null;
  tenantId: string;
  status: 'issued' | 'upcoming';
  periodStart: number;
  periodEnd: number;
  issuedAt: number | null;
  openingBalanceMicro: number;
  closingBalanceMicro: number;
  /** Sum of the charge lines (usage, fees, subscription credits, adjustments). */
  chargesMicro: number;
  /** Credit added by payments, net of refunds and disputes. */
  paymentsMicro: number;
  /** Amount per ledger kind, as on the lines. */
  totals: Record<string, number>;
  transactionCount: number;
  lines: InvoiceLine[];
}

interface UsageGroup {
  deployment_id: string;
  name: string | null;
  gpu_model: string | null;
  gpu_count: number | null;
  provider: string | null;
  price: number | null;
  bps: number | null;
  ms: number;
  amount: number;
  n: number;
}

interface OtherRow {
  id: string;
  kind: string;
  description: string;
  credit_delta_micro: number;
  deployment_id: string | null;
}

const OTHER_KINDS = [...CHARGE_KINDS.filter((k) => k !== 'usage'), ...PAYMENT_KINDS];

/** The invoice of [periodStart, periodEnd) from the ledger as it is now (not stored). */
export async function buildInvoice(db: D1Database | D1DatabaseSession, tenantId: string, periodStart: number, periodEnd: number): Promise<Invoice> {
  // One batch, one snapshot: the closing balance is today's balance minus what was posted after the period.
  const [usage, others, later, account] = await db.batch([
    db
      .prepare(
        `SELECT t.deployment_id, d.name, t.detail ->> '$.gpuModel' AS gpu_model, t.detail ->> '$.gpuCount' AS gpu_count, t.detail ->> '$.provider' AS provider,
           t.detail ->> '$.pricePerHourMicro' AS price, t.detail ->> '$.marginBps' AS bps,
           SUM(t.detail ->> '$.ms') AS ms, -SUM(t.credit_delta_micro) AS amount, COUNT(*) AS n
         FROM ledger_transactions t LEFT JOIN deployments d ON d.tenant_id = t.tenant_id AND d.id = t.deployment_id
         WHERE t.tenant_id = ?1 AND t.kind = 'usage' AND t.created_at >= ?2 AND t.created_at < ?3
         GROUP BY t.deployment_id, t.detail ->> '$.gpuModel', t.detail ->> '$.gpuCount', t.detail ->> '$.provider', t.detail ->> '$.pricePerHourMicro', t.detail ->> '$.marginBps'
         ORDER BY MIN(t.created_at), t.deployment_id`,
      )
      .bind(tenantId, periodStart, periodEnd),
    db
      .prepare(
        `SELECT id, kind, description, credit_delta_micro, deployment_id FROM ledger_transactions
         WHERE tenant_id = ?1 AND kind IN (SELECT value FROM json_each(?4)) AND created_at >= ?2 AND created_at < ?3 ORDER BY created_at, id`,
      )
      .bind(tenantId, periodStart, periodEnd, JSON.stringify(OTHER_KINDS)),
    db.prepare('SELECT COALESCE(SUM(credit_delta_micro), 0) AS total FROM ledger_transactions WHERE tenant_id = ?1 AND created_at >= ?2').bind(tenantId, periodEnd),
    db.prepare('SELECT balance_micro FROM billing_accounts WHERE tenant_id = ?1').bind(tenantId),
  ]);
  const lines: InvoiceLine[] = [];
  let transactionCount = 0;
  for (const g of (usage?.results ?? []) as UsageGroup[]) {
    transactionCount += g.n;
    const what = `${g.gpu_count ?? 1}× ${g.gpu_model ?? 'GPU'} on ${g.provider ?? 'unknown'}`;
    lines.push({
      kind: 'usage',
      description: `${g.name ?? 'deployment'} (${g.deployment_id}): ${what}`,
      deploymentId: g.deployment_id,
      gpuModel: g.gpu_model,
      provider: g.provider,
      quantityMs: g.ms,
      unitPriceMicro: g.price === null ? null : chargeOf(g.price, g.bps ?? 0),
      amountMicro: g.amount,
      transactionId: null,
    });
  }
  for (const t of (others?.results ?? []) as OtherRow[]) {
    transactionCount++;
    lines.push({
      kind: t.kind,
      description: t.description,
      deploymentId: t.deployment_id,
      gpuModel: null,
      provider: null,
      quantityMs: null,
      unitPriceMicro: null,
      amountMicro: -t.credit_delta_micro,
      transactionId: t.id,
    });
  }
  const totals: Record<string, number> = {};
  for (const l of lines) totals[l.kind] = (totals[l.kind] ?? 0) + l.amountMicro;
  const sumOf = (kinds: readonly string[]) => kinds.reduce((s, k) => s + (totals[k] ?? 0), 0);
  const balance = ((account?.results[0] as { balance_micro: number } | undefined)?.balance_micro ?? 0);
  const closing = balance - ((later?.results[0] as { total: number } | undefined)?.total ?? 0);
  const net = lines.reduce((s, l) => s + l.amountMicro, 0);
  return {
    id: null,
    tenantId,
    status: 'upcoming',
    periodStart,
    periodEnd,
    issuedAt: null,
    openingBalanceMicro: closing + net,
    closingBalanceMicro: closing,
    chargesMicro: sumOf(CHARGE_KINDS),
    paymentsMicro: -sumOf(PAYMENT_KINDS),
    totals,
    transactionCount,
    lines,
  };
}

/** The draft of the month holding `now`. */
export function upcomingInvoice(db: D1Database | D1DatabaseSession, tenantId: string, now: number): Promise<Invoice> {
  return buildInvoice(db, tenantId, monthStart(now), nextMonthStart(now));
}

interface InvoiceRow {
  id: string;
  tenant_id: string;
  period_start: number;
  period_end: number;
  issued_at: number;
  opening_balance_micro: number;
  closing_balance_micro: number;
  charges_micro: number;
  totals: string;
  transaction_count: number;
}

interface LineRow {
  kind: string;
  description: string;
  deployment_id: string | null;
  gpu_model: string | null;
  provider: string | null;
  quantity_ms: number | null;
  unit_price_micro: number | null;
  amount_micro: number;
  transaction_id: string | null;
}

export function fromRows(row: InvoiceRow, lines: LineRow[] | null): Invoice {
  const totals = JSON.parse(row.totals) as Record<string, number>;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    status: 'issued',
    periodStart: row.period_start,
    periodEnd: row.period_end,
    issuedAt: row.issued_at,
    openingBalanceMicro: row.opening_balance_micro,
    closingBalanceMicro: row.closing_balance_micro,
    chargesMicro: row.charges_micro,
    paymentsMicro: -PAYMENT_KINDS.reduce((s, k) => s + (totals[k] ?? 0), 0),
    totals,
    transactionCount: row.transaction_count,
    lines: (lines ?? []).map((l) => ({
      kind: l.kind,
      description: l.description,
      deploymentId: l.deployment_id,
      gpuModel: l.gpu_model,
      provider: l.provider,
      quantityMs: l.quantity_ms,
      unitPriceMicro: l.unit_price_micro,
      amountMicro: l.amount_micro,
      transactionId: l.transaction_id,
    })),
  };
}

/** An issued invoice of the tenant with its lines, or null (another tenant's id is null too). */
export async function loadInvoice(db: D1Database | D1DatabaseSession, tenantId: string, id: string): Promise<Invoice | null> {
  const [inv, lines] = await db.batch([
    db.prepare('SELECT * FROM invoices WHERE tenant_id = ?1 AND id = ?2').bind(tenantId, id),
    db
      .prepare(
        'SELECT kind, description, deployment_id, gpu_model, provider, quantity_ms, unit_price_micro, amount_micro, transaction_id FROM invoice_lines WHERE tenant_id = ?1 AND invoice_id = ?2 ORDER BY position',
      )
      .bind(tenantId, id),
  ]);
  const row = inv?.results[0] as InvoiceRow | undefined;
  return row ? fromRows(row, (lines?.results ?? []) as LineRow[]) : null;
}

export const INVOICE_COLUMNS = 'id, tenant_id, period_start, period_end, issued_at, opening_balance_micro, closing_balance_micro, charges_micro, totals, transaction_count';
export type { InvoiceRow };

export interface IssueReport {
  issued: number;
  empty: number;
  statements: number;
}

/**
 * Issues last month's invoices (once `ISSUE_DELAY_MS` into the new month), a few tenants per pass.
 * Idempotent: one invoice per tenant and month (unique index), its lines written only with it, and
 * `billing_accounts.invoiced_through` advanced in the same batch; a month without postings gets no invoice.
 */
export async function issueInvoices(db: D1Database, now: number): Promise<IssueReport> {
  const report: IssueReport = { issued: 0, empty: 0, statements: 1 };
  const current = monthStart(now);
  if (now - current < ISSUE_DELAY_MS) return { ...report, statements: 0 };
  const { results } = await db
    .prepare('SELECT tenant_id, invoiced_through FROM billing_accounts WHERE invoiced_through IS NULL OR invoiced_through < ?1 ORDER BY invoiced_through LIMIT ?2')
    .bind(current, INVOICES_PER_PASS)
    .all<{ tenant_id: string; invoiced_through: number | null }>();
  for (const a of results) {
    // One month at a time: a tenant behind by several months (the cron was down) catches up a month a pass.
    const start = a.invoiced_through ?? monthStart(current - 1);
    const end = nextMonthStart(start);
    const advance = db
      .prepare('UPDATE billing_accounts SET invoiced_through = ?2 WHERE tenant_id = ?1 AND invoiced_through IS ?3')
      .bind(a.tenant_id, end, a.invoiced_through);
    const draft = await buildInvoice(db, a.tenant_id, start, end);
    report.statements += 4;
    if (draft.transactionCount === 0) {
      await advance.run();
      report.statements++;
      report.empty++;
      continue;
    }
    const id = randomId('inv_');
    const lines = draft.lines.map((l, i) => [i + 1, l.kind, l.description, l.deploymentId, l.gpuModel, l.provider, l.quantityMs, l.unitPriceMicro, l.amountMicro, l.transactionId]);
    const [inserted] = await db.batch([
      db
        .prepare(
          `INSERT INTO invoices (${INVOICE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
           ON CONFLICT (tenant_id, period_start) DO NOTHING`,
        )
        .bind(id, a.tenant_id, start, end, now, draft.openingBalanceMicro, draft.closingBalanceMicro, draft.chargesMicro, JSON.stringify(draft.totals), draft.transactionCount),
      db
        .prepare(
          `INSERT INTO invoice_lines (invoice_id, tenant_id, position, kind, description, deployment_id, gpu_model, provider, quantity_ms, unit_price_micro, amount_micro, transaction_id)
           SELECT ?1, ?2, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6, j.value ->> 7, j.value ->> 8, j.value ->> 9
           FROM json_each(?3) j WHERE EXISTS (SELECT 1 FROM invoices WHERE id = ?1)`,
        )
        .bind(id, a.tenant_id, JSON.stringify(lines)),
      advance,
    ]);
    report.statements += 3;
    if ((inserted?.meta.changes ?? 0) === 1) report.issued++;
  }
  return report;
}
