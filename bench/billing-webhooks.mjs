#!/usr/bin/env node
// `npm run bench:webhooks`: 1,000 Stripe webhook deliveries, 30% of them duplicates, arriving
// concurrently at the API under wrangler's dev server (as `npm start` runs it), with the local payments
// sandbox (scripts/payments-sandbox.mjs) as Stripe. Per run: fresh tenants; the orders are created
// first through POST /v1/billing/checkout against the sandbox (not measured); then the deliveries —
// one checkout.session.completed per order, plus duplicates: half the same event redelivered (same id,
// a fresh signature, as Stripe retries), half payment_intent.succeeded for the same payment (a new
// event id) — are shuffled and sent BENCH_CONCURRENCY at a time. Measures deliveries/s and per-delivery
// latency; checks the invariant that each tenant's balance equals exactly the sum of its distinct
// payments, every credit is one ledger transaction, and the ledger's entries agree with the balance.
//
// Settings: BENCH_DELIVERIES (1000), BENCH_DUPLICATE_SHARE (0.3), BENCH_CONCURRENCY (50),
// BENCH_TENANTS (10), BENCH_RUNS (3).
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { unstable_startWorker } from 'wrangler';
import { paidSession, rid, stripeEvent, stripeSignature, succeededIntent } from '../scripts/lib/payment-events.mjs';
import { cpuTicksOf, foreignCpuPct, freePort, median, percentile, round, sleep } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 1000);
const DUP_SHARE = Number(process.env.BENCH_DUPLICATE_SHARE ?? 0.3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DISTINCT = Math.round(DELIVERIES * (1 - DUP_SHARE));
const log = (m) => console.error(`[bench:webhooks] ${m}`);

const dir = mkdtempSync(join(os.tmpdir(), 'gpubroker-bench-pay-'));
const persist = join(dir, 'state');
const [apiPort, sandboxPort] = [await freePort(), await freePort()];
const api = `http://127.0.0.1:${apiPort}`;
const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
const payments = {
  STRIPE_SECRET_KEY: 'sk_test_bench',
  STRIPE_WEBHOOK_SECRET: webhookSecret,
  PAYPAL_CLIENT_ID: 'bench',
  PAYPAL_CLIENT_SECRET: randomBytes(12).toString('hex'),
  PAYPAL_WEBHOOK_ID: 'WHBENCH',
};
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const vars = {
  ENVIRONMENT: 'development',
  SIM_ENABLED: 'true',
  SIM_OFFERS: '50',
  PROVIDERS_DISABLED: 'vastai',
  ANON_RATE_LIMIT_PER_MIN: '100000',
  PLAN_RATE_LIMIT_MULTIPLIER: '10000',
  JWT_PRIVATE_KEY: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: `bench-${randomUUID().slice(0, 8)}` }),
  API_PUBLIC_URL: api,
  STRIPE_API_URL: `${sandboxUrl}/stripe`,
  PAYPAL_API_URL: `${sandboxUrl}/paypal`,
  PAYPAL_VERIFY: 'api',
  ...payments,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const envFile = join(dir, 'worker.env');
writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n');

const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const sh = (args) => {
  const r = spawnSync(wrangler, args, { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' }, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
};
const sql = (command) => JSON.parse(sh(['d1', 'execute', 'DB', '--local', '--persist-to', persist, '--json', '--command', command]))[0].results;
sh(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist]);

const sandbox = spawn(process.execPath, [join(root, 'scripts', 'payments-sandbox.mjs')], {
  env: { PATH: process.env.PATH, PORT: String(sandboxPort), HOST: '127.0.0.1', API_PUBLIC_URL: api, ...payments },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const worker = await unstable_startWorker({
  config: join(root, 'wrangler.toml'),
  envFiles: [envFile],
  dev: { server: { hostname: '127.0.0.1', port: apiPort }, persist, inspector: false, logLevel: 'error', testScheduled: true, enableContainers: false },
});
await worker.ready;
let stopped = false;
async function stopServers() {
  if (stopped) return;
  stopped = true;
  sandbox.kill('SIGTERM');
  await worker.dispose().catch(() => {});
}
async function stopAll() {
  await stopServers();
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => stopAll().then(() => process.exit(130)));
const timeout = setTimeout(() => {
  log('timed out');
  stopAll().then(() => process.exit(2));
}, 30 * 60_000);
for (let i = 0; !(await fetch(`${sandboxUrl}/healthz`).then((r) => r.ok, () => false)); i++) {
  if (i > 100) throw new Error('the payments sandbox did not start');
  await sleep(100);
}

/** Runs `tasks` (functions returning promises) with at most `limit` in flight. */
async function pool(tasks, limit) {
  const out = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]();
      }
    }),
  );
  return out;
}

async function signup(i) {
  const res = await fetch(`${api}/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ email: `bench-pay-${Date.now()}-${i}-${randomBytes(3).toString('hex')}@example.com`, password: 'correct horse battery staple', organization: `Bench ${i}` }),
  });
  const body = await res.json();
  return { tenantId: body.tenant.id, token: body.accessToken };
}

async function createOrder(tenant, cents) {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${api}/v1/billing/checkout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ amountUsd: cents / 100, provider: 'stripe' }),
    }).catch((err) => ({ status: 599, json: async () => ({ detail: err.message }) }));
    const body = await res.json();
    if (res.status === 201) return { orderId: body.orderId, tenantId: tenant.tenantId, sessionId: body.checkoutUrl.split('/').pop(), cents };
    if (attempt === 3) throw new Error(`checkout answered ${res.status}: ${JSON.stringify(body)}`);
    await sleep(200 * attempt);
  }
}

function shuffle(xs) {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

async function deliver(event) {
  const body = JSON.stringify(event);
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      // Signed at send time, as Stripe signs every attempt afresh.
      const res = await fetch(`${api}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(webhookSecret, body) }, body });
      const answer = await res.json().catch(() => null);
      // A 5xx is what the provider would retry; count it and deliver again.
      if (res.status >= 500 && attempt < 4) {
        retried++;
        firstFailures.push(`${res.status} ${answer?.type?.split('/').pop() ?? (answer === null ? '(not JSON)' : 'other')}`);
        continue;
      }
      return { status: res.status, ms: performance.now() - started, outcome: answer?.outcome, duplicate: answer?.duplicate };
    } catch (err) {
      if (attempt >= 4) return { status: 599, ms: performance.now() - started, outcome: err.message };
      retried++;
      firstFailures.push(`connection: ${err.cause?.code ?? err.message}`);
    }
  }
}
let retried = 0;
let firstFailures = [];

const results = [];
const runs = [];
try {
  for (let run = 1; run <= RUNS; run++) {
    const tenants = await pool(Array.from({ length: TENANTS }, (_, i) => () => signup(`${run}-${i}`)), 5);
    // Distinct amounts from $5.00 to $500.99, so the sum checks cents.
    const orders = await pool(
      Array.from({ length: DISTINCT }, (_, i) => () => createOrder(tenants[i % TENANTS], 500 + Math.floor(Math.random() * 49_600))),
      16,
    );
    const deliveries = orders.map((o) => ({ o, event: stripeEvent('checkout.session.completed', paidSession(o, `pi_${o.orderId.slice(4)}`)) }));
    const dups = [];
    for (let i = 0; i < DELIVERIES - DISTINCT; i++) {
      const d = deliveries[Math.floor(Math.random() * deliveries.length)];
      dups.push(i % 2 === 0 ? d.event : stripeEvent('payment_intent.succeeded', succeededIntent(d.o, `pi_${d.o.orderId.slice(4)}`), rid('evt_')));
    }
    const all = shuffle([...deliveries.map((d) => d.event), ...dups]);
    retried = 0;
    firstFailures = [];
    const cpuBefore = cpuTicksOf([process.pid, sandbox.pid]);
    const started = performance.now();
    const answers = await pool(all.map((event) => () => deliver(event)), CONCURRENCY);
    const seconds = (performance.now() - started) / 1000;
    const foreign = foreignCpuPct(cpuBefore, cpuTicksOf([process.pid, sandbox.pid]));
    const latencies = answers.map((a) => a.ms).sort((a, b) => a - b);
    const r = {
      run,
      deliveries: all.length,
      distinctPayments: orders.length,
      duplicates: dups.length,
      concurrency: CONCURRENCY,
      seconds: round(seconds, 2),
      deliveriesPerSecond: round(all.length / seconds, 1),
      latencyMs: { p50: round(percentile(latencies, 50), 1), p99: round(percentile(latencies, 99), 1), max: round(latencies[latencies.length - 1], 1) },
      statuses: answers.reduce((m, a) => ({ ...m, [a.status]: (m[a.status] ?? 0) + 1 }), {}),
      retried5xx: retried,
      retriedBecause: [...new Set(firstFailures)],
      credited: answers.filter((a) => a.outcome === 'credited' && !a.duplicate).length,
      otherProcessesCpuPct: foreign,
    };
    results.push(r);
    runs.push({ tenants, orders });
    log(JSON.stringify(r));
    await sleep(1000);
  }
} finally {
  // The invariant is read from D1 itself once the server is gone (its open database would answer SQLITE_BUSY).
  await stopServers();
}

for (const [i, { tenants, orders }] of runs.entries()) {
  const r = results[i];
  const ids = tenants.map((t) => `'${t.tenantId}'`).join(',');
  const expected = new Map(tenants.map((t) => [t.tenantId, 0]));
  for (const o of orders) expected.set(o.tenantId, expected.get(o.tenantId) + o.cents * 10_000);
  const balances = new Map(sql(`SELECT tenant_id, balance_micro FROM billing_accounts WHERE tenant_id IN (${ids})`).map((row) => [row.tenant_id, row.balance_micro]));
  const creditTransactions = sql(`SELECT COUNT(*) AS n FROM ledger_transactions WHERE tenant_id IN (${ids}) AND kind = 'credit_purchase'`)[0].n;
  const entries = new Map(sql(`SELECT tenant_id, SUM(amount_micro) AS total FROM ledger_entries WHERE tenant_id IN (${ids}) AND account = 'credit' GROUP BY tenant_id`).map((row) => [row.tenant_id, row.total]));
  const paid = sql(`SELECT COUNT(*) AS n FROM payment_orders WHERE tenant_id IN (${ids}) AND status = 'paid'`)[0].n;
  const sumExpected = [...expected.values()].reduce((a, b) => a + b, 0);
  const sumBalances = [...balances.values()].reduce((a, b) => a + b, 0);
  Object.assign(r, {
    creditTransactions,
    paidOrders: paid,
    expectedTotalUsd: sumExpected / 1e6,
    balanceTotalUsd: sumBalances / 1e6,
    tenantsWithWrongBalance: tenants.filter((t) => balances.get(t.tenantId) !== expected.get(t.tenantId) || entries.get(t.tenantId) !== expected.get(t.tenantId)).length,
  });
  r.invariantHolds = r.tenantsWithWrongBalance === 0 && sumExpected === sumBalances && creditTransactions === orders.length && paid === orders.length && r.credited === orders.length;
  log(`run ${r.run}: ${JSON.stringify({ creditTransactions, paid, expected: r.expectedTotalUsd, balances: r.balanceTotalUsd, invariantHolds: r.invariantHolds })}`);
}

clearTimeout(timeout);
writeFileSync(join(root, 'bench', 'results', 'billing-webhooks.json'), JSON.stringify(results, null, 2));
const med = (f) => round(median(results.map(f)), 1);
console.log(`\n### Billing: webhooks — ${DELIVERIES} deliveries (${Math.round(DUP_SHARE * 100)}% duplicates), ${CONCURRENCY} in flight, ${RUNS} runs (${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version})\n`);
console.log('| Run | Deliveries (distinct + duplicates) | Time | Deliveries/s | p50 | p99 | max | Answers | 5xx retried | Credited (ledger txns) | Balance = sum of distinct payments | Other processes\' CPU |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  console.log(
    `| ${r.run} | ${r.deliveries} (${r.distinctPayments} + ${r.duplicates}) | ${r.seconds} s | ${r.deliveriesPerSecond} | ${r.latencyMs.p50} ms | ${r.latencyMs.p99} ms | ${r.latencyMs.max} ms | ${Object.entries(r.statuses).map(([s, n]) => `${n}× ${s}`).join(', ')} | ${r.retried5xx}${r.retriedBecause.length ? ` (${r.retriedBecause.join(', ')})` : ''} | ${r.credited} (${r.creditTransactions}) | ${r.invariantHolds ? 'yes' : 'NO'}: $${r.balanceTotalUsd.toFixed(2)} of $${r.expectedTotalUsd.toFixed(2)} | ${r.otherProcessesCpuPct}% |`,
  );
}
console.log(`\nMedian: ${med((r) => r.deliveriesPerSecond)} deliveries/s, p50 ${med((r) => r.latencyMs.p50)} ms, p99 ${med((r) => r.latencyMs.p99)} ms.`);
await stopAll();
process.exit(results.every((r) => r.invariantHolds) ? 0 : 1);
