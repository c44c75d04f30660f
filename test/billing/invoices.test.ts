// Monthly invoices: built from the ledger (lines per deployment, fee, payment, adjustment), totals
// equal to the ledger's entries to the micro-dollar, issued once after the month, never changed after;
// the current month as a draft; the printable page; other tenants' invoices are not found.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildInvoice, ISSUE_DELAY_MS, issueInvoices } from '../../src/billing/invoices';
import { meterUsage } from '../../src/billing/meter';
import { changePlan } from '../../src/billing/subscriptions';
import { applyTransition, loadDeployment } from '../../src/deployments/store';
import { insertDeployment } from '../deployments/fixtures';
import { api } from '../helpers';
import { send, type ProblemBody } from '../tenancy/calls';
import { createTenant, type TestTenant } from '../tenancy/fixtures';
import { fund } from './fixtures';

const db = env.DB;
const NOV_1 = Date.UTC(2026, 10, 1);
const DEC_1 = Date.UTC(2026, 11, 1);
const at = (day: number, hour = 0, minute = 0) => Date.UTC(2026, 10, day, hour, minute);
let t: TestTenant;

interface InvoiceBody {
  id: string;
  status: string;
  periodStart: string;
  periodEnd: string;
  openingBalanceUsd: number;
  closingBalanceUsd: number;
  chargesUsd: number;
  paymentsUsd: number;
  totals: Record<string, number>;
  transactionCount: number;
  lines: { kind: string; description: string; deploymentId: string | null; gpuModel: string | null; hours: number | null; unitPriceUsd: number | null; amountUsd: number }[];
}

/** Sum of the tenant's `credit` entries in [from, to): what the invoice must reconcile to. */
const creditEntries = async (tenantId: string, from: number, to: number) =>
  (await db
    .prepare(`SELECT COALESCE(SUM(amount_micro), 0) AS s FROM ledger_entries WHERE tenant_id = ?1 AND account = 'credit' AND created_at >= ?2 AND created_at < ?3`)
    .bind(tenantId, from, to)
    .first<{ s: number }>())!.s;

/** A November with credit before it, a purchase, two deployments (one stopped mid-window), a plan fee and an adjustment. */
async function november(): Promise<{ a100: string; h100: string }> {
  await fund(t.tenantId, 100, Date.UTC(2026, 9, 31));
  await fund(t.tenantId, 50, at(2), 'credit_purchase');
  const a100 = await insertDeployment(t.tenantId, { name: 'train <b>1</b>', gpu_model: 'A100-80GB', provider: 'sim', quoted_price_per_hour_micro: 3_600_000, running_since: at(10) });
  const h100 = await insertDeployment(t.tenantId, { name: 'infer', gpu_model: 'H100-80GB', provider: 'runpod', quoted_price_per_hour_micro: 7_200_000, running_since: at(20) });
  await meterUsage(db, at(10, 1)); // A100: 1 h
  await meterUsage(db, at(10, 2)); // A100: 1 h
  const row = (await loadDeployment(db, t.tenantId, a100.id))!;
  await applyTransition(db, row, { to: 'terminated', reason: 'user_requested', source: 'api' }, at(10, 2, 30)); // A100 ends after 2.5 h
  await meterUsage(db, at(20, 0, 30)); // A100's last 30 min; H100: 30 min
  await applyTransition(db, (await loadDeployment(db, t.tenantId, h100.id))!, { to: 'terminated', reason: 'user_requested', source: 'api' }, at(20, 0, 30));
  await changePlan(db, { kind: 'user', tenantId: t.tenantId, plan: 'free', role: 'owner', ip: '203.0.113.9', userId: t.ownerId, keyId: null, isPlatformAdmin: false }, 'basic', at(16), { BILLING_MIN_RUNTIME_MINUTES: 10 });
  await fund(t.tenantId, -1, at(25)); // an admin's correction
  return { a100: a100.id, h100: h100.id };
}

/** The raw response (the page is HTML, not JSON). */
const fetchRaw = (path: string, token: string) => api(path, { headers: { Authorization: `Bearer ${token}` } });

beforeEach(async () => {
  t = await createTenant({ plan: 'free', name: 'Acme <GPU> & Co' });
});

describe('issueInvoices', () => {
  it("issues last month's invoice with lines that sum to the ledger's credit entries to the micro-dollar", async () => {
    const { a100, h100 } = await november();
    await fund(t.tenantId, 5, DEC_1 + 60_000, 'credit_purchase'); // December: not on November's invoice
    expect((await issueInvoices(db, DEC_1 + ISSUE_DELAY_MS - 1)).issued).toBe(0); // too early: a pass may still post with November's clock
    expect((await issueInvoices(db, DEC_1 + ISSUE_DELAY_MS)).issued).toBe(1);

    const list = await send<{ data: InvoiceBody[] }>('GET', '/v1/billing/invoices', t.ownerToken);
    expect(list.body.data).toHaveLength(1);
    const { status, body } = await send<InvoiceBody>('GET', `/v1/billing/invoices/${list.body.data[0]!.id}`, t.ownerToken);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'issued', periodStart: '2026-11-01T00:00:00.000Z', periodEnd: '2026-12-01T00:00:00.000Z' });
    // basic from 16 Nov 00:00: 15 of 30 days of $29 = $14.50.
    expect(body.lines.map((l) => [l.kind, l.deploymentId, l.hours, l.unitPriceUsd, l.amountUsd])).toEqual([
      ['usage', a100, 2.5, 3.96, 9.9], // 2.5 h × $3.60 + 10%
      ['usage', h100, 0.5, 7.92, 3.96], // 0.5 h × $7.20 + 10%
      ['credit_purchase', null, null, null, -50],
      ['subscription_fee', null, null, null, 14.5],
      ['adjustment', null, null, null, 1],
    ]);
    expect(body.lines[0]!.description).toBe(`train <b>1</b> (${a100}): 1× A100-80GB on sim`);
    expect(body).toMatchObject({ openingBalanceUsd: 100, chargesUsd: 9.9 + 3.96 + 14.5 + 1, paymentsUsd: 50, transactionCount: 7 });
    expect(body.totals).toEqual({ usage: 13.86, credit_purchase: -50, subscription_fee: 14.5, adjustment: 1 });

    // To the micro-dollar: the lines are minus the credit entries of November; the balances are the ledger's.
    const micro = (usd: number) => Math.round(usd * 1e6);
    expect(body.lines.reduce((s, l) => s + micro(l.amountUsd), 0)).toBe(-(await creditEntries(t.tenantId, NOV_1, DEC_1)));
    expect(micro(body.openingBalanceUsd)).toBe(await creditEntries(t.tenantId, 0, NOV_1));
    expect(micro(body.closingBalanceUsd)).toBe(await creditEntries(t.tenantId, 0, DEC_1));
    expect(micro(body.closingBalanceUsd)).toBe(micro(body.openingBalanceUsd) - micro(body.chargesUsd) + micro(body.paymentsUsd));
  });

  it('never changes an issued invoice, and issues each month once however often the pass runs', async () => {
    await november();
    await Promise.all([issueInvoices(db, DEC_1 + ISSUE_DELAY_MS), issueInvoices(db, DEC_1 + ISSUE_DELAY_MS)]);
    const { n } = (await db.prepare('SELECT COUNT(*) AS n FROM invoices WHERE tenant_id = ?1').bind(t.tenantId).first<{ n: number }>())!;
    expect(n).toBe(1);
    const id = (await db.prepare('SELECT id FROM invoices WHERE tenant_id = ?1').bind(t.tenantId).first<{ id: string }>())!.id;
    const before = (await send<InvoiceBody>('GET', `/v1/billing/invoices/${id}`, t.ownerToken)).body;
    // A posting stamped inside November arrives after the invoice was issued.
    await fund(t.tenantId, 3, at(30, 23, 59), 'credit_purchase');
    expect((await issueInvoices(db, DEC_1 + 2 * ISSUE_DELAY_MS)).issued).toBe(0);
    expect((await send<InvoiceBody>('GET', `/v1/billing/invoices/${id}`, t.ownerToken)).body).toEqual(before);
    // Built afresh, the month now differs; the stored invoice is what was issued.
    expect((await buildInvoice(db, t.tenantId, NOV_1, DEC_1)).paymentsMicro).toBe(53_000_000);
  });

  it('issues no invoice for a month without postings', async () => {
    await fund(t.tenantId, 10, Date.UTC(2026, 9, 15));
    const report = await issueInvoices(db, DEC_1 + ISSUE_DELAY_MS);
    expect(report).toMatchObject({ issued: 0, empty: 1 });
    expect((await issueInvoices(db, DEC_1 + ISSUE_DELAY_MS)).empty).toBe(0);
  });
});

describe('invoice views', () => {
  it('serves a printable page: escaped, no scripts, strict CSP', async () => {
    await november();
    await issueInvoices(db, DEC_1 + ISSUE_DELAY_MS);
    const id = (await db.prepare('SELECT id FROM invoices WHERE tenant_id = ?1').bind(t.tenantId).first<{ id: string }>())!.id;
    const page = await fetchRaw(`/v1/billing/invoices/${id}/html?download=1`, t.ownerToken);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(page.headers.get('content-security-policy')).not.toMatch(/script-src/);
    expect(page.headers.get('content-disposition')).toBe(`attachment; filename="gpubroker-${id}.html"`);
    const html = await page.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('train &lt;b&gt;1&lt;/b&gt;');
    expect(html).toContain('Acme &lt;GPU&gt; &amp; Co');
    expect(html).toContain('@media print');
    expect(html).toContain('$9.90');
  });

  it("answers 404 for another tenant's invoice, 400 for a malformed id", async () => {
    await november();
    await issueInvoices(db, DEC_1 + ISSUE_DELAY_MS);
    const id = (await db.prepare('SELECT id FROM invoices WHERE tenant_id = ?1').bind(t.tenantId).first<{ id: string }>())!.id;
    const other = await createTenant();
    expect((await send<ProblemBody>('GET', `/v1/billing/invoices/${id}`, other.ownerToken)).status).toBe(404);
    expect((await fetchRaw(`/v1/billing/invoices/${id}/html`, other.ownerToken)).status).toBe(404);
    expect((await send<{ data: unknown[] }>('GET', '/v1/billing/invoices', other.ownerToken)).body.data).toEqual([]);
    expect((await send<ProblemBody>('GET', '/v1/billing/invoices/inv_nope', t.ownerToken)).status).toBe(400);
  });

  it('shows the current month as an unstored draft that follows new postings', async () => {
    await fund(t.tenantId, 20, Date.now() - 1000, 'credit_purchase');
    const draft = await send<InvoiceBody>('GET', '/v1/billing/invoices/upcoming', t.ownerToken);
    expect(draft.status).toBe(200);
    expect(draft.body).toMatchObject({ id: null, status: 'upcoming', paymentsUsd: 20, closingBalanceUsd: 20 });
    await fund(t.tenantId, -2, Date.now());
    expect((await send<InvoiceBody>('GET', '/v1/billing/invoices/upcoming', t.ownerToken)).body).toMatchObject({ chargesUsd: 2, closingBalanceUsd: 18 });
    const { n } = (await db.prepare('SELECT COUNT(*) AS n FROM invoices').first<{ n: number }>())!;
    expect(n).toBe(0);
  });
});
