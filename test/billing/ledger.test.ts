import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { billingEventStatement } from '../../src/billing/events';
import { checkLedger, checkPosting, LedgerError, post, postedGuard, postingStatements, readBalance, type Posting } from '../../src/billing/ledger';

const db = env.DB;
const system = { type: 'system', id: null } as const;

function purchase(tenantId: string, reference: string, amountMicro: number): Posting {
  return {
    tenantId,
    kind: 'credit_purchase',
    reference,
    description: 'Credit purchase',
    entries: [
      { account: 'credit', amountMicro },
      { account: 'payments:stripe', amountMicro: -amountMicro },
    ],
    actor: { type: 'webhook', id: 'evt_1' },
  };
}

function usage(tenantId: string, reference: string, costMicro: number, marginMicro: number): Posting {
  return {
    tenantId,
    kind: 'usage',
    reference,
    description: 'GPU time',
    deploymentId: 'dep_1',
    entries: [
      { account: 'credit', amountMicro: -(costMicro + marginMicro) },
      { account: 'revenue:usage', amountMicro: costMicro },
      { account: 'revenue:margin', amountMicro: marginMicro },
    ],
    actor: system,
  };
}

describe('checkPosting', () => {
  it('accepts a balanced posting and refuses unbalanced, empty, fractional or unknown-account ones', () => {
    expect(() => checkPosting(purchase('ten_a', 'r1', 5_000_000))).not.toThrow();
    const bad: Array<[string, Posting]> = [
      ['unbalanced', { ...purchase('ten_a', 'r', 1), entries: [{ account: 'credit', amountMicro: 10 }, { account: 'payments:stripe', amountMicro: -9 }] }],
      ['one entry', { ...purchase('ten_a', 'r', 1), entries: [{ account: 'credit', amountMicro: 0 }] }],
      ['zero amount', { ...purchase('ten_a', 'r', 1), entries: [{ account: 'credit', amountMicro: 0 }, { account: 'payments:stripe', amountMicro: 0 }] }],
      ['fraction', { ...purchase('ten_a', 'r', 1), entries: [{ account: 'credit', amountMicro: 1.5 }, { account: 'payments:stripe', amountMicro: -1.5 }] }],
      ['unknown account', { ...purchase('ten_a', 'r', 1), entries: [{ account: 'credit', amountMicro: 1 }, { account: 'cash' as never, amountMicro: -1 }] }],
      ['no reference', purchase('ten_a', '', 1)],
      ['no tenant', purchase('', 'r', 1)],
    ];
    for (const [why, p] of bad) expect(() => checkPosting(p), why).toThrow(LedgerError);
  });
});

describe('post', () => {
  it('writes the transaction, its entries and the balance, and the entries sum to zero', async () => {
    const now = Date.UTC(2026, 10, 1);
    const first = await post(db, purchase('ten_a', 'stripe:pi_1', 50_000_000), now);
    expect(first.posted).toBe(true);
    const second = await post(db, usage('ten_a', 'usage:dep_1:0', 2_000_000, 200_000), now + 1000);
    expect(second.posted).toBe(true);

    expect(await readBalance(db, 'ten_a')).toBe(47_800_000);
    const { results } = await db
      .prepare('SELECT account, amount_micro FROM ledger_entries WHERE transaction_id = ?1 ORDER BY id')
      .bind(second.transactionId)
      .all<{ account: string; amount_micro: number }>();
    expect(results).toEqual([
      { account: 'credit', amount_micro: -2_200_000 },
      { account: 'revenue:usage', amount_micro: 2_000_000 },
      { account: 'revenue:margin', amount_micro: 200_000 },
    ]);
    const txn = await db.prepare('SELECT kind, credit_delta_micro, deployment_id FROM ledger_transactions WHERE id = ?1').bind(second.transactionId).first();
    expect(txn).toEqual({ kind: 'usage', credit_delta_micro: -2_200_000, deployment_id: 'dep_1' });
    expect(await checkLedger(db, 'ten_a')).toEqual({ balanceMicro: 47_800_000, creditEntriesMicro: 47_800_000, unbalanced: [] });
  });

  it('records a reference once: the same payment posted twice, or concurrently, credits once', async () => {
    const now = Date.now();
    const results = await Promise.all([1, 2, 3, 4].map(() => post(db, purchase('ten_b', 'stripe:pi_dup', 10_000_000), now)));
    expect(results.filter((r) => r.posted)).toHaveLength(1);
    expect((await post(db, purchase('ten_b', 'stripe:pi_dup', 10_000_000), now + 5)).posted).toBe(false);
    expect(await readBalance(db, 'ten_b')).toBe(10_000_000);
    const count = await db.prepare('SELECT COUNT(*) AS n FROM ledger_entries WHERE tenant_id = ?1').bind('ten_b').first<{ n: number }>();
    expect(count?.n).toBe(2);
  });

  it('writes nothing when onlyIf does not hold, and lets later statements of the batch depend on the posting', async () => {
    const now = Date.now();
    await db.prepare(`INSERT INTO leases (name, holder, expires_at) VALUES ('meter', 'a', 1)`).run();
    const guarded = (holder: string): Posting => ({
      ...usage('ten_c', `usage:dep_1:${holder}`, 1_000_000, 100_000),
      onlyIf: { sql: `EXISTS (SELECT 1 FROM leases WHERE name = 'meter' AND holder = ?)`, params: [holder] },
    });
    const missed = await post(db, guarded('b'), now);
    expect(missed.posted).toBe(false);
    expect(await readBalance(db, 'ten_c')).toBe(0);

    const { transactionId, statements } = postingStatements(db, guarded('a'), now);
    const guard = postedGuard(transactionId);
    await db.batch([...statements, db.prepare(`UPDATE leases SET holder = 'moved' WHERE name = 'meter' AND ${guard.sql}`).bind(...guard.params)]);
    expect(await readBalance(db, 'ten_c')).toBe(-1_100_000);
    expect(await db.prepare(`SELECT holder FROM leases WHERE name = 'meter'`).first('holder')).toBe('moved');
    expect((await checkLedger(db, 'ten_c')).unbalanced).toEqual([]);
  });

  it('keeps tenants apart', async () => {
    const now = Date.now();
    await post(db, purchase('ten_x', 'stripe:pi_x', 7_000_000), now);
    await post(db, purchase('ten_y', 'stripe:pi_y', 3_000_000), now);
    expect(await readBalance(db, 'ten_x')).toBe(7_000_000);
    expect(await readBalance(db, 'ten_y')).toBe(3_000_000);
    expect(await readBalance(db, 'ten_z')).toBe(0);
  });
});

describe('billing events', () => {
  it('raises an event once per reference', async () => {
    const e = { tenantId: 'ten_a', kind: 'low_balance', severity: 'warning' as const, reference: 'low_balance:ten_a:txn_1', detail: { balanceUsd: 4 } };
    await db.batch([billingEventStatement(db, e, 1), billingEventStatement(db, e, 2)]);
    await billingEventStatement(db, e, 3).run();
    const { results } = await db.prepare('SELECT kind, severity, detail, created_at FROM billing_events WHERE tenant_id = ?1').bind('ten_a').all();
    expect(results).toEqual([{ kind: 'low_balance', severity: 'warning', detail: '{"balanceUsd":4}', created_at: 1 }]);
  });
});
