// The double-entry ledger: every movement of money is one transaction of balanced entries, posted
// once per reference. Postings are prepared statements so callers put them in the same D1 batch as
// the change they account for (a deployment's metering mark, a webhook's processed flag).
import { randomId } from '../catalog/ids';

export const LEDGER_KINDS = [
  'credit_purchase',
  'usage',
  'subscription_fee',
  'subscription_credit',
  'refund',
  'dispute',
  'dispute_won',
  'adjustment',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/**
 * `credit` is the tenant's prepaid credit: the sum of its entries is the balance. The others say where
 * that money came from or went. A posting moves money between them and always sums to zero.
 */
export const LEDGER_ACCOUNTS = [
  'credit',
  'payments:stripe',
  'payments:paypal',
  'revenue:usage',
  'revenue:margin',
  'revenue:subscription',
  'disputes',
  'adjustments',
] as const;
export type LedgerAccount = (typeof LEDGER_ACCOUNTS)[number];

export interface LedgerEntry {
  account: LedgerAccount;
  /** Signed micro-dollars; never zero. */
  amountMicro: number;
}

export interface LedgerActor {
  type: 'user' | 'api_key' | 'system' | 'webhook';
  id: string | null;
}

export interface Posting {
  tenantId: string;
  kind: LedgerKind;
  /** Unique across the ledger: a second posting with the same reference writes nothing. */
  reference: string;
  description: string;
  entries: readonly LedgerEntry[];
  deploymentId?: string | null;
  detail?: Record<string, unknown>;
  actor: LedgerActor;
  /**
   * Post only if this SQL condition holds when the batch runs, e.g. a guard on the row being charged
   * (`EXISTS (SELECT 1 FROM deployments WHERE id = ? AND billed_until = ?)`). Plain `?` placeholders.
   */
  onlyIf?: { sql: string; params: (string | number | null)[] };
}

export class LedgerError extends Error {
  override name = 'LedgerError';
}

/** Largest single amount accepted (USD 10 million): far above any real posting, far below 2^53. */
export const MAX_AMOUNT_MICRO = 10_000_000 * 1_000_000;

/** The net change a posting makes to the tenant's credit. */
export function creditDelta(entries: readonly LedgerEntry[]): number {
  return entries.reduce((sum, e) => (e.account === 'credit' ? sum + e.amountMicro : sum), 0);
}

/** Credit a tenant added (a purchase, or an admin's positive adjustment): what low-balance warnings measure against. */
export function isTopUp(kind: LedgerKind, creditDeltaMicro: number): boolean {
  return creditDeltaMicro > 0 && (kind === 'credit_purchase' || kind === 'adjustment');
}

/** Rejects a posting that is not balanced, names unknown accounts, or holds non-integer amounts. */
export function checkPosting(p: Posting): void {
  if (!(LEDGER_KINDS as readonly string[]).includes(p.kind)) throw new LedgerError(`unknown ledger kind ${p.kind}`);
  if (!p.tenantId) throw new LedgerError('a posting needs a tenant');
  if (!/^[\x21-\x7e]{1,200}$/.test(p.reference)) throw new LedgerError(`bad reference ${JSON.stringify(p.reference)}`);
  if (p.entries.length < 2) throw new LedgerError('a transaction needs at least two entries');
  let sum = 0;
  for (const e of p.entries) {
    if (!(LEDGER_ACCOUNTS as readonly string[]).includes(e.account)) throw new LedgerError(`unknown account ${e.account}`);
    if (!Number.isSafeInteger(e.amountMicro) || e.amountMicro === 0 || Math.abs(e.amountMicro) > MAX_AMOUNT_MICRO) {
      throw new LedgerError(`bad amount ${e.amountMicro} on ${e.account}`);
    }
    sum += e.amountMicro;
  }
  if (sum !== 0) throw new LedgerError(`unbalanced transaction ${p.reference}: entries sum to ${sum}`);
}

const posted = 'EXISTS (SELECT 1 FROM ledger_transactions WHERE id = ?1)';

/**
 * The statements that post `p`: the transaction row (skipped when its reference exists or `onlyIf`
 * fails), then its entries and the balance change, each written only if that row was. Run them in one
 * batch, in order; `postedGuard` lets later statements of the batch depend on the posting too.
 */
export function postingStatements(db: D1Database, p: Posting, now: number): { transactionId: string; statements: D1PreparedStatement[] } {
  checkPosting(p);
  const id = randomId('txn_');
  const delta = creditDelta(p.entries);
  const condition = p.onlyIf ? `(${p.onlyIf.sql})` : '1';
  const statements = [
    db
      .prepare(
        `INSERT INTO ledger_transactions (id, tenant_id, kind, reference, credit_delta_micro, description, deployment_id, detail, actor_type, actor_id, created_at)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE ${condition}
         ON CONFLICT (reference) DO NOTHING`,
      )
      .bind(
        id,
        p.tenantId,
        p.kind,
        p.reference,
        delta,
        p.description.slice(0, 500),
        p.deploymentId ?? null,
        JSON.stringify(p.detail ?? {}),
        p.actor.type,
        p.actor.id,
        now,
        ...(p.onlyIf?.params ?? []),
      ),
    db
      .prepare(
        `INSERT INTO ledger_entries (transaction_id, tenant_id, account, amount_micro, created_at)
         SELECT ?1, ?2, json_extract(e.value, '$[0]'), json_extract(e.value, '$[1]'), ?3 FROM json_each(?4) e WHERE ${posted}`,
      )
      .bind(id, p.tenantId, now, JSON.stringify(p.entries.map((e) => [e.account, e.amountMicro]))),
  ];
  if (delta !== 0) {
    // Besides the balance: a top-up becomes the low-balance reference (the balance it leaves); a
    // posting that leaves the balance at or below zero starts an exhaustion (the grace period runs
    // from then), and one that makes it positive ends it.
    statements.push(
      db
        .prepare(
          `INSERT INTO billing_accounts (tenant_id, balance_micro, updated_at, topup_transaction_id, topup_balance_micro, exhausted_at)
           SELECT ?2, ?3, ?4, CASE WHEN ?5 THEN ?1 END, CASE WHEN ?5 THEN ?3 END, CASE WHEN ?3 <= 0 THEN ?4 END WHERE ${posted}
           ON CONFLICT (tenant_id) DO UPDATE SET
             balance_micro = balance_micro + excluded.balance_micro,
             updated_at = excluded.updated_at,
             topup_transaction_id = CASE WHEN ?5 THEN excluded.topup_transaction_id ELSE topup_transaction_id END,
             topup_balance_micro = CASE WHEN ?5 THEN balance_micro + excluded.balance_micro ELSE topup_balance_micro END,
             exhausted_at = CASE WHEN balance_micro + excluded.balance_micro > 0 THEN NULL ELSE COALESCE(exhausted_at, excluded.updated_at) END`,
        )
        .bind(id, p.tenantId, delta, now, isTopUp(p.kind, delta) ? 1 : 0),
    );
  }
  return { transactionId: id, statements };
}

/** A SQL condition (one `?` parameter: the transaction id) that holds once the posting was written. */
export const postedGuard = (transactionId: string) => ({ sql: 'EXISTS (SELECT 1 FROM ledger_transactions WHERE id = ?)', params: [transactionId] });

/**
 * Posts `p` and runs `also` in the same batch. `posted` is false when the reference was already
 * recorded or `onlyIf` did not hold: nothing of the posting was written then.
 */
export async function post(db: D1Database, p: Posting, now: number, also: D1PreparedStatement[] = []): Promise<{ posted: boolean; transactionId: string }> {
  const { transactionId, statements } = postingStatements(db, p, now);
  const [first] = await db.batch([...statements, ...also]);
  return { posted: (first?.meta.changes ?? 0) === 1, transactionId };
}

/** The tenant's credit balance in micro-dollars (0 before its first posting). */
export async function readBalance(db: D1Database | D1DatabaseSession, tenantId: string): Promise<number> {
  const row = await db.prepare('SELECT balance_micro FROM billing_accounts WHERE tenant_id = ?1').bind(tenantId).first<{ balance_micro: number }>();
  return row?.balance_micro ?? 0;
}

export interface LedgerCheck {
  /** The kept balance (billing_accounts). */
  balanceMicro: number;
  /** The same figure summed from the `credit` entries. */
  creditEntriesMicro: number;
  /** Transactions whose entries do not sum to zero, or whose credit delta disagrees with them. */
  unbalanced: string[];
}

/** Recomputes a tenant's books from the entries: what reconciliation jobs and tests compare. */
export async function checkLedger(db: D1Database | D1DatabaseSession, tenantId: string): Promise<LedgerCheck> {
  const [balance, sums, bad] = await Promise.all([
    readBalance(db, tenantId),
    db.prepare(`SELECT COALESCE(SUM(amount_micro), 0) AS total FROM ledger_entries WHERE tenant_id = ?1 AND account = 'credit'`).bind(tenantId).first<{ total: number }>(),
    db
      .prepare(
        `SELECT t.id FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id
         WHERE t.tenant_id = ?1 GROUP BY t.id
         HAVING COALESCE(SUM(e.amount_micro), 0) != 0 OR COUNT(e.id) < 2
           OR COALESCE(SUM(CASE WHEN e.account = 'credit' THEN e.amount_micro END), 0) != t.credit_delta_micro`,
      )
      .bind(tenantId)
      .all<{ id: string }>(),
  ]);
  return { balanceMicro: balance, creditEntriesMicro: sums?.total ?? 0, unbalanced: bad.results.map((r) => r.id) };
}
