#!/usr/bin/env node
// `npm run bench:billing`: one metering pass over 10,000 running deployments, on the Worker under
// wrangler's dev server with its local D1 (the deployments are seeded straight into that database,
// 100 tenants × 100 deployments, prices $0.20–$10/h, each tenant with $100,000 of posted credit).
//
// Each run triggers the cron (miniflare's /cdn-cgi/handler/scheduled, which answers when the
// scheduled handler's work is done) and reads the billing pass's own record (`billing_runs`): the
// metering time measured inside the Worker, the whole pass, and the D1 statements it issued; plus the
// wall time of the cron call (ingestion and reconcile run beside it; ingestion has no provider to pull
// here and reconcile finds no pods, so they are short). Runs are a few seconds apart, so every run
// charges all 10,000 deployments for the seconds since the previous one. Then two passes are started
// at once (overlapping), and the database is checked:
//   - every deployment's usage charges add up to exactly charge(its billed whole seconds) at its
//     price and margin, and its billing mark is the whole seconds it ran until the last pass;
//   - every transaction's entries sum to zero and every balance equals its credit entries;
//   - no reference twice; the overlapping pair charged each deployment once (the other pass's
//     windows were skipped by their guards).
//
// Settings: BENCH_DEPLOYMENTS (10000), BENCH_TENANTS (100), BENCH_RUNS (5), BENCH_GAP_MS (3000).
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unstable_startWorker } from 'wrangler';
import { cpuTicksOf, foreignCpuPct, freePort, median, round, sleep } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_DEPLOYMENTS ?? 10_000);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 3000);
const log = (m) => console.error(`[bench:billing] ${m}`);

const dir = mkdtempSync(join(os.tmpdir(), 'gpubroker-bench-billing-'));
const persist = join(dir, 'state');
const apiPort = await freePort();
const api = `http://127.0.0.1:${apiPort}`;
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const vars = {
  ENVIRONMENT: 'development',
  SIM_ENABLED: 'false',
  PROVIDERS_DISABLED: 'sim,vastai,runpod,lambda,datacrunch,tensordock,shadeform',
  JWT_PRIVATE_KEY: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: `bench-${randomUUID().slice(0, 8)}` }),
  // Nothing listens here: reconcile's calls to the agent fail at once.
  AGENT_URL: `http://127.0.0.1:${await freePort()}`,
  AGENT_SECRET: 'bench',
  API_PUBLIC_URL: api,
};
mkdirSync(dir, { recursive: true });
const envFile = join(dir, 'worker.env');
writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n');

const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const d1 = (args) => {
  const r = spawnSync(wrangler, ['d1', 'execute', 'DB', '--local', '--persist-to', persist, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
  });
  if (r.status !== 0) throw new Error(`d1 execute failed: ${r.stderr}`);
  return r.stdout;
};
const query = (sql) => JSON.parse(d1(['--json', '--command', sql]))[0].results;
{
  const r = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } });
  if (r.status !== 0) throw new Error(`migrations failed: ${r.stderr}`);
}

// ---------------------------------------------------------------- seed
let seed = 42;
const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const now = Date.now();
const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
const lines = [];
const values = (rows) => rows.map((r) => `(${r.join(', ')})`).join(',\n');
const tenants = Array.from({ length: TENANTS }, (_, i) => `ten_bench${String(i).padStart(11, '0')}`);
const CREDIT = 100_000_000_000; // $100,000
lines.push(`INSERT INTO tenants (id, name, plan, created_at) VALUES ${values(tenants.map((id) => [q(id), q('Bench'), q('enterprise'), now]))};`);
lines.push(
  `INSERT INTO ledger_transactions (id, tenant_id, kind, reference, credit_delta_micro, description, detail, actor_type, created_at) VALUES ${values(
    tenants.map((id, i) => [q(`txn_bench${String(i).padStart(11, '0')}`), q(id), q('credit_purchase'), q(`bench:${id}`), CREDIT, q('Bench credit'), q('{}'), q('system'), now - 3_600_000]),
  )};`,
);
lines.push(
  `INSERT INTO ledger_entries (transaction_id, tenant_id, account, amount_micro, created_at) VALUES ${values(
    tenants.flatMap((id, i) => [
      [q(`txn_bench${String(i).padStart(11, '0')}`), q(id), q('credit'), CREDIT, now - 3_600_000],
      [q(`txn_bench${String(i).padStart(11, '0')}`), q(id), q('payments:stripe'), -CREDIT, now - 3_600_000],
    ]),
  )};`,
);
// Already invoiced through this month, so the pass's invoice step has nothing to do (it is not what is measured).
lines.push(
  `INSERT INTO billing_accounts (tenant_id, balance_micro, updated_at, topup_transaction_id, topup_balance_micro, invoiced_through) VALUES ${values(
    tenants.map((id, i) => [q(id), CREDIT, now, q(`txn_bench${String(i).padStart(11, '0')}`), CREDIT, monthStart]),
  )};`,
);
const GPUS = ['A100-80GB', 'H100-80GB', 'L40S', 'RTX4090', 'A10'];
const PROVIDERS = ['sim', 'runpod', 'vastai', 'lambda'];
const deployments = [];
for (let i = 0; i < N; i++) {
  const price = Math.round((0.2 + rand() * 9.8) * 1e6);
  const since = now - Math.round(60_000 + rand() * 3_540_000) - Math.round(rand() * 999);
  deployments.push([
    q(`dep_bench${String(i).padStart(11, '0')}`),
    q(tenants[i % TENANTS]),
    q(`bench-${i}`),
    q('running'),
    q('provisioned'),
    q('ofr_bench00000000'),
    q(PROVIDERS[i % PROVIDERS.length]),
    q(`bench-${i}`),
    q(GPUS[i % GPUS.length]),
    1 + (i % 4),
    q('us-east-1'),
    q('on_demand'),
    price,
    q('{"image":"busybox"}'),
    since,
    since,
    since,
    since,
    1000,
  ]);
}
for (let i = 0; i < deployments.length; i += 200) {
  lines.push(
    `INSERT INTO deployments (id, tenant_id, name, status, status_reason, offer_id, provider, offer_external_id, gpu_model, gpu_count, region, pricing, quoted_price_per_hour_micro, spec, running_since, status_since, created_at, updated_at, margin_bps) VALUES ${values(deployments.slice(i, i + 200))};`,
  );
}
const seedFile = join(dir, 'seed.sql');
writeFileSync(seedFile, lines.join('\n'));
log(`seeding ${N} running deployments of ${TENANTS} tenants`);
d1(['--file', seedFile]);

// ---------------------------------------------------------------- the Worker
const worker = await unstable_startWorker({
  config: join(root, 'wrangler.toml'),
  envFiles: [envFile],
  dev: { server: { hostname: '127.0.0.1', port: apiPort }, persist, inspector: false, logLevel: 'error', testScheduled: true, enableContainers: false },
});
await worker.ready;
async function stopAll() {
  await worker.dispose().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => stopAll().then(() => process.exit(130)));
const timeout = setTimeout(() => {
  log('timed out');
  stopAll().then(() => process.exit(2));
}, 30 * 60_000);

const CRON = `${api}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('* * * * *').replace(/%20/g, '+')}`;
async function cron() {
  const started = performance.now();
  const res = await fetch(CRON);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`cron answered ${res.status}`);
  return performance.now() - started;
}
const seen = new Set();
/** The billing_runs rows written since the last call. */
function newRuns() {
  const rows = query('SELECT id, started_at, duration_ms, deployments_seen, deployments_charged, charged_micro, statements, report FROM billing_runs ORDER BY started_at');
  const fresh = rows.filter((r) => !seen.has(r.id));
  for (const r of fresh) seen.add(r.id);
  return fresh.map((r) => ({ ...r, report: JSON.parse(r.report) }));
}

const results = [];
for (let run = 1; run <= RUNS; run++) {
  await sleep(GAP_MS);
  const cpu0 = cpuTicksOf([process.pid]);
  const wallMs = await cron();
  const cpu1 = cpuTicksOf([process.pid]);
  const [pass] = newRuns();
  if (!pass) throw new Error('no billing pass was recorded');
  const r = {
    run,
    wallMs: round(wallMs, 0),
    passMs: pass.duration_ms,
    meterMs: pass.report.meter.ms,
    seen: pass.deployments_seen,
    charged: pass.deployments_charged,
    chargedUsd: pass.charged_micro / 1e6,
    meterStatements: pass.report.meter.statements,
    passStatements: pass.statements,
    foreignCpuPct: foreignCpuPct(cpu0, cpu1),
    sqlMs: pass.report.meter.sqlMs,
    errors: pass.report.errors,
  };
  results.push(r);
  log(JSON.stringify(r));
}

// Two passes at once.
await sleep(GAP_MS);
await Promise.all([cron(), cron()]);
const pair = newRuns();
const overlap = pair.map((p) => ({ charged: p.deployments_charged, skipped: p.report.meter.skipped, seen: p.deployments_seen, statements: p.statements }));
log(`overlapping passes: ${JSON.stringify(overlap)}`);
// Each deployment's mark is the whole seconds it ran until the clock of whichever of the two passes charged it.
const [nowA, nowB] = pair.map((p) => p.started_at);
const markAt = (n) => `((${n} - d.running_since) / 1000) * 1000`;

// ---------------------------------------------------------------- correctness
const check = query(`
WITH usage AS (SELECT deployment_id, -SUM(credit_delta_micro) AS charged, COUNT(*) AS n FROM ledger_transactions WHERE kind = 'usage' GROUP BY deployment_id)
SELECT
  COUNT(*) AS deployments,
  SUM(u.n) AS transactions,
  SUM(CASE WHEN d.billed_cost_micro <> d.quoted_price_per_hour_micro * d.billed_run_ms / 3600000 THEN 1 ELSE 0 END) AS bad_cost,
  SUM(CASE WHEN COALESCE(u.charged, 0) <> d.billed_cost_micro + d.billed_cost_micro * d.margin_bps / 10000 THEN 1 ELSE 0 END) AS bad_charge,
  SUM(CASE WHEN d.billed_run_ms NOT IN (${markAt(nowA)}, ${markAt(nowB)}) THEN 1 ELSE 0 END) AS bad_mark,
  SUM(COALESCE(u.charged, 0)) AS charged_micro
FROM deployments d LEFT JOIN usage u ON u.deployment_id = d.id`)[0];
const unbalanced = query('SELECT COUNT(*) AS n FROM (SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING SUM(amount_micro) <> 0)')[0].n;
const badBalances = query(
  `SELECT COUNT(*) AS n FROM billing_accounts a LEFT JOIN (SELECT tenant_id, SUM(amount_micro) AS s FROM ledger_entries WHERE account = 'credit' GROUP BY tenant_id) e ON e.tenant_id = a.tenant_id WHERE a.balance_micro <> COALESCE(e.s, 0)`,
)[0].n;
const duplicateRefs = query('SELECT COUNT(*) AS n FROM (SELECT reference FROM ledger_transactions GROUP BY reference HAVING COUNT(*) > 1)')[0].n;
const entriesPerUsage = query(`SELECT COUNT(*) AS n FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id WHERE t.kind = 'usage'`)[0].n;
const correct =
  check.deployments === N &&
  check.bad_cost === 0 &&
  check.bad_charge === 0 &&
  check.bad_mark === 0 &&
  unbalanced === 0 &&
  badBalances === 0 &&
  duplicateRefs === 0 &&
  overlap.length === 2 &&
  overlap.reduce((s, p) => s + p.charged, 0) === N;

clearTimeout(timeout);
const med = (f) => median(results.map(f));
console.log(`\n### Billing: metering ${N} running deployments (${TENANTS} tenants), ${RUNS} passes (${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version})\n`);
console.log('| Pass | Deployments charged | Charged (USD) | Metering, in the Worker | Whole billing pass | Cron call (wall) | D1 statements: metering / pass | Other processes’ CPU |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  console.log(`| ${r.run} | ${r.charged}/${r.seen} | ${r.chargedUsd.toFixed(6)} | ${r.meterMs} ms | ${r.passMs} ms | ${r.wallMs} ms | ${r.meterStatements} / ${r.passStatements} | ${r.foreignCpuPct}% |`);
}
console.log(`\nMedian: metering ${med((r) => r.meterMs)} ms, whole pass ${med((r) => r.passMs)} ms, cron call ${med((r) => r.wallMs)} ms; ${med((r) => r.meterStatements)} D1 statements for metering, ${med((r) => r.passStatements)} for the pass.`);
console.log(`Overlapping pair: ${overlap.map((p) => `charged ${p.charged}, skipped ${p.skipped}`).join(' | ')}.`);
console.log(
  `Check after ${RUNS + 2} passes: ${check.transactions} usage transactions (${entriesPerUsage} entries) for ${check.deployments} deployments, ${check.charged_micro / 1e6} USD; ` +
    `cost ≠ price × billed seconds: ${check.bad_cost}; charges ≠ cost + margin: ${check.bad_charge}; mark ≠ whole seconds run: ${check.bad_mark}; ` +
    `unbalanced transactions: ${unbalanced}; balances ≠ credit entries: ${badBalances}; duplicate references: ${duplicateRefs} → ${correct ? 'correct' : 'WRONG'}.`,
);
await stopAll();
process.exit(correct && results.every((r) => r.errors.length === 0 && r.charged === N) ? 0 : 1);
