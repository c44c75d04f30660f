// The metering pass: charges every deployment with unbilled running time to its tenant's credit, set
// by set — one page of deployments read, then one D1 batch of six statements posting all of that
// page's usage transactions, their entries, the balances, the deployments' billing marks and the
// low-balance / exhausted events — instead of a batch per deployment. 10,000 running deployments are
// 71 statements, far under D1's 1,000 queries per invocation; each statement binds at most three
// parameters (a page travels as one JSON array through json_each: ~420 KB for 1,000 windows, under
// D1's 2 MB value limit). Pages of 1,000 rather than more keep each batch — a write transaction that
// holds up every other writer — short.
//
// Never twice for the same second: each window is guarded on the deployment row it was computed from
// (billing mark, closed running time and cost, open interval), its reference `usage:<dep>:<fromRunMs>`
// is unique, and the mark advances in the same batch as the posting, so two overlapping passes or a
// retried one find the window taken and write nothing.
import { randomId } from '../catalog/ids';
import { LOW_BALANCE_PERCENT } from './account';
import { usageWindow, type MeteredRow, type UsageWindow } from './metering';
import { monthStart } from './period';

/** Deployments per read and per batch. */
export const METER_CHUNK = 1000;

interface MeterCandidate extends MeteredRow {
  id: string;
  tenant_id: string;
  gpu_model: string;
  gpu_count: number;
  provider: string;
  region: string;
}

export interface MeterReport {
  /** Deployments with running or unbilled time. */
  deploymentsSeen: number;
  /** Usage transactions written (one per deployment charged). */
  deploymentsCharged: number;
  chargedMicro: number;
  /** Windows another pass took first (their guard no longer held). */
  skipped: number;
  /** D1 statements issued, reads included. */
  statements: number;
  /** Tenants whose credit this pass drew on. */
  tenants: string[];
  /** D1's own execution time per statement kind, summed over the pages (ms). */
  sqlMs: Record<string, number>;
}

// Positions in each window's full JSON row (`j.value ->> n`), which only the transactions statement
// reads; the statements after it get a compact row (`c.*` positions) and the events the tenant ids, so
// the large text (description, detail) is sent and parsed once per page.
const TXN = 0, DEP = 1, TENANT = 2, FROM_RUN = 3, FROM_COST = 4, RUN_MS = 5, COST = 6, SINCE = 7, DELTA = 8, DESCRIPTION = 9, DETAIL = 10, REFERENCE = 11;
const C_TXN = 0, C_DEP = 1, C_FROM_RUN = 2, C_TO_RUN = 3, C_TO_COST = 4, C_USAGE = 5, C_MARGIN = 6;
const v = (n: number) => `j.value ->> ${n}`;
const postedRows = `json_each(?1) j JOIN ledger_transactions t ON t.id = ${v(C_TXN)}`;

// 1. The transactions, each only if its deployment is still exactly as it was read (and the reference is new).
const TRANSACTIONS_SQL = `
INSERT INTO ledger_transactions (id, tenant_id, kind, reference, credit_delta_micro, description, deployment_id, detail, actor_type, actor_id, created_at)
SELECT ${v(TXN)}, d.tenant_id, 'usage', ${v(REFERENCE)}, ${v(DELTA)}, ${v(DESCRIPTION)}, d.id, ${v(DETAIL)}, 'system', NULL, ?2
FROM json_each(?1) j JOIN deployments d ON d.id = ${v(DEP)}
WHERE d.tenant_id = ${v(TENANT)} AND d.billed_run_ms = ${v(FROM_RUN)} AND d.billed_cost_micro = ${v(FROM_COST)}
  AND d.run_ms = ${v(RUN_MS)} AND d.cost_micro = ${v(COST)} AND d.running_since IS ${v(SINCE)}
ON CONFLICT (reference) DO NOTHING`;

// 2. Their entries, in one pass over the page: credit −(cost + margin), revenue:usage +cost,
//    revenue:margin +margin (none when the margin is 0).
const ENTRIES_SQL = `
INSERT INTO ledger_entries (transaction_id, tenant_id, account, amount_micro, created_at)
SELECT t.id, t.tenant_id, a.account, CASE a.n WHEN 0 THEN t.credit_delta_micro WHEN 1 THEN ${v(C_USAGE)} ELSE ${v(C_MARGIN)} END AS amount, ?2
FROM ${postedRows} JOIN (SELECT 0 AS n, 'credit' AS account UNION ALL SELECT 1, 'revenue:usage' UNION ALL SELECT 2, 'revenue:margin') a
WHERE amount <> 0`;

// 3. Balances, the month's usage and, when credit runs out, the start of the exhaustion.
const ACCOUNTS_SQL = `
INSERT INTO billing_accounts (tenant_id, balance_micro, updated_at, usage_month_start, usage_month_micro, exhausted_at)
SELECT t.tenant_id, SUM(t.credit_delta_micro), ?2, ?3, -SUM(t.credit_delta_micro), ?2 FROM ${postedRows} WHERE true GROUP BY t.tenant_id
ON CONFLICT (tenant_id) DO UPDATE SET
  balance_micro = balance_micro + excluded.balance_micro,
  updated_at = excluded.updated_at,
  usage_month_micro = CASE WHEN usage_month_start = excluded.usage_month_start THEN usage_month_micro + excluded.usage_month_micro ELSE excluded.usage_month_micro END,
  usage_month_start = excluded.usage_month_start,
  exhausted_at = CASE WHEN balance_micro + excluded.balance_micro > 0 THEN exhausted_at ELSE COALESCE(exhausted_at, excluded.exhausted_at) END`;

// 4. The billing marks, for the windows posted.
const MARKS_SQL = `
UPDATE deployments SET billed_run_ms = ${v(C_TO_RUN)}, billed_cost_micro = ${v(C_TO_COST)}
FROM ${postedRows} WHERE deployments.id = ${v(C_DEP)} AND deployments.billed_run_ms = ${v(C_FROM_RUN)}`;

// 5. A low-balance warning, once per top-up (its reference names the top-up), for the page's tenants.
const LOW_BALANCE_SQL = `
INSERT INTO billing_events (id, tenant_id, kind, severity, reference, detail, created_at)
SELECT 'bev_' || lower(hex(randomblob(10))), a.tenant_id, 'low_balance', 'warning', 'low_balance:' || a.tenant_id || ':' || a.topup_transaction_id,
  json_object('balanceUsd', a.balance_micro / 1e6, 'topUpBalanceUsd', a.topup_balance_micro / 1e6, 'thresholdPercent', ${LOW_BALANCE_PERCENT}), ?2
FROM billing_accounts a
WHERE a.tenant_id IN (SELECT value FROM json_each(?1)) AND a.topup_transaction_id IS NOT NULL AND a.balance_micro * 100 < a.topup_balance_micro * ${LOW_BALANCE_PERCENT}
ON CONFLICT (reference) DO NOTHING`;

// 6. Credit exhausted, once per exhaustion (its reference names when it began).
const EXHAUSTED_SQL = `
INSERT INTO billing_events (id, tenant_id, kind, severity, reference, detail, created_at)
SELECT 'bev_' || lower(hex(randomblob(10))), a.tenant_id, 'credit_exhausted', 'critical', 'credit_exhausted:' || a.tenant_id || ':' || a.exhausted_at,
  json_object('balanceUsd', a.balance_micro / 1e6, 'exhaustedAt', a.exhausted_at), ?2
FROM billing_accounts a WHERE a.tenant_id IN (SELECT value FROM json_each(?1)) AND a.exhausted_at IS NOT NULL
ON CONFLICT (reference) DO NOTHING`;

/** The pass's statements, exported for the query-plan test. */
export const METER_SQL = () => ({ TRANSACTIONS_SQL, ENTRIES_SQL, ACCOUNTS_SQL, MARKS_SQL, LOW_BALANCE_SQL, EXHAUSTED_SQL, READ_SQL });

const READ_SQL = `
SELECT id, tenant_id, run_ms, cost_micro, running_since, quoted_price_per_hour_micro, margin_bps, billed_run_ms, billed_cost_micro,
  gpu_model, gpu_count, provider, region
FROM deployments WHERE (running_since IS NOT NULL OR cost_micro <> billed_cost_micro) AND id > ?1 ORDER BY id LIMIT ?2`;

interface Window {
  /** For the transactions statement. */
  full: unknown[];
  /** For the entries, balances and marks. */
  compact: unknown[];
  tenantId: string;
  chargeMicro: number;
}

function windowOf(d: MeterCandidate, w: UsageWindow, now: number): Window {
  const ms = w.toRunMs - w.fromRunMs;
  const detail = {
    fromRunMs: w.fromRunMs,
    toRunMs: w.toRunMs,
    ms,
    seconds: ms / 1000,
    pricePerHourMicro: d.quoted_price_per_hour_micro,
    marginBps: d.margin_bps,
    costMicro: w.costMicro,
    marginMicro: w.marginMicro,
    gpuModel: d.gpu_model,
    gpuCount: d.gpu_count,
    provider: d.provider,
    region: d.region,
    meteredAt: now,
  };
  const description = `${d.gpu_count}× ${d.gpu_model} on ${d.provider}: ${ms / 1000} s at ${d.quoted_price_per_hour_micro / 1e6} USD/h + ${d.margin_bps / 100}%`;
  const txn = randomId('txn_');
  const charge = w.costMicro + w.marginMicro;
  return {
    full: [txn, d.id, d.tenant_id, w.fromRunMs, d.billed_cost_micro, d.run_ms, d.cost_micro, d.running_since, -charge, description, JSON.stringify(detail), `usage:${d.id}:${w.fromRunMs}`],
    compact: [txn, d.id, w.fromRunMs, w.toRunMs, w.toCostMicro, w.costMicro, w.marginMicro],
    tenantId: d.tenant_id,
    chargeMicro: charge,
  };
}

/** One metering pass at `now`. Safe to run twice or concurrently: a window is charged once. */
export async function meterUsage(db: D1Database, now: number, options: { chunk?: number } = {}): Promise<MeterReport> {
  const size = options.chunk ?? METER_CHUNK;
  const report: MeterReport = { deploymentsSeen: 0, deploymentsCharged: 0, chargedMicro: 0, skipped: 0, statements: 0, tenants: [], sqlMs: {} };
  const timed = (name: string, result: D1Result | undefined) => {
    report.sqlMs[name] = Math.round(((report.sqlMs[name] ?? 0) + (result?.meta.duration ?? 0)) * 100) / 100;
  };
  const tenants = new Set<string>();
  const month = monthStart(now);
  for (let after = ''; ; ) {
    const read = await db.prepare(READ_SQL).bind(after, size).all<MeterCandidate>();
    const results = read.results;
    timed('read', read);
    report.statements++;
    report.deploymentsSeen += results.length;
    const windows = results.flatMap((d) => {
      const w = usageWindow(d, now);
      return w ? [windowOf(d, w, now)] : [];
    });
    if (windows.length > 0) {
      const full = JSON.stringify(windows.map((w) => w.full));
      const compact = JSON.stringify(windows.map((w) => w.compact));
      const pageTenants = JSON.stringify([...new Set(windows.map((w) => w.tenantId))]);
      const batch = await db.batch([
        db.prepare(TRANSACTIONS_SQL).bind(full, now),
        db.prepare(ENTRIES_SQL).bind(compact, now),
        db.prepare(ACCOUNTS_SQL).bind(compact, now, month),
        db.prepare(MARKS_SQL).bind(compact),
        db.prepare(LOW_BALANCE_SQL).bind(pageTenants, now),
        db.prepare(EXHAUSTED_SQL).bind(pageTenants, now),
      ]);
      report.statements += 6;
      ['transactions', 'entries', 'accounts', 'marks', 'lowBalance', 'exhausted'].forEach((name, i) => timed(name, batch[i]));
      const written = batch[0]?.meta.changes ?? 0;
      report.deploymentsCharged += written;
      report.skipped += windows.length - written;
      if (written === windows.length) {
        for (const w of windows) {
          report.chargedMicro += w.chargeMicro;
          tenants.add(w.tenantId);
        }
      } else if (written > 0) {
        // Some windows were taken by another pass: count only what this one wrote.
        const posted = await db
          .prepare(`SELECT t.tenant_id, t.credit_delta_micro FROM ${postedRows}`)
          .bind(compact)
          .all<{ tenant_id: string; credit_delta_micro: number }>();
        report.statements++;
        for (const p of posted.results) {
          report.chargedMicro -= p.credit_delta_micro;
          tenants.add(p.tenant_id);
        }
      }
    }
    if (results.length < size) break;
    after = results[results.length - 1]!.id;
  }
  report.tenants = [...tenants];
  return report;
}
