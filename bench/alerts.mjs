#!/usr/bin/env node
// `npm run bench:alerts`: what price alerts cost an ingestion over the 100,000-offer simulated market.
// Stores BENCH_ALERTS alerts of BENCH_TENANTS tenants (rules drawn from a seeded generator: GPU models
// as often as the market lists them, price caps around each model's market price, some with pricing,
// region or GPU-count terms; live delivery, so no webhook receiver or DNS is involved) straight into a
// fresh local D1, serves the Worker with wrangler's dev server (bench/dev-server.mjs, inspector off),
// and runs BENCH_PASSES ingestions BENCH_GAP_S apart (the simulated prices move every minute). Each
// pass logs its ingestion line; the alert pass's own figures are read from it: alerts checked in full,
// new matches, cleared matches, deliveries, and its wall time next to the whole ingestion's. The Worker
// is served from a bundle made at the start (`wrangler deploy --dry-run`), as `npm run bench` does, so
// editing src/ meanwhile cannot restart it mid-run.
//
// Pass 1 is the worst case: 100k offers all new and every alert checked in full. Later passes are the
// steady state: only offers that changed are matched (several thousand a minute in the simulator).
//
// Settings: BENCH_OFFERS (100000), BENCH_ALERTS (1000), BENCH_TENANTS (100), BENCH_PASSES (4),
// BENCH_GAP_S (60), BENCH_BASELINE (1: first the same passes with no alerts, for the ingestion's own time),
// BENCH_CAPS (0.5-1.0: each alert's price cap, drawn between these fractions of its model's base price).
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { relocated, withoutAssets, withoutContainers } from '../scripts/lib/wrangler-toml.mjs';
import { freePort, median, round, sleep, stopProc } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OFFERS = Number(process.env.BENCH_OFFERS ?? 100_000);
const ALERTS = Number(process.env.BENCH_ALERTS ?? 1000);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 100);
const PASSES = Number(process.env.BENCH_PASSES ?? 4);
const GAP_S = Number(process.env.BENCH_GAP_S ?? 60);
const BASELINE = process.env.BENCH_BASELINE !== '0';
/** Price caps as fractions of each model's base on-demand price, `low-high` (uniform). */
const [CAP_LOW, CAP_HIGH] = (process.env.BENCH_CAPS ?? '0.5-1.0').split('-').map(Number);
const log = (m) => console.error(`[bench:alerts] ${m}`);
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');

/** A seeded generator (mulberry32), so every run stores the same alerts. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The simulator's models with their weight and base on-demand USD per GPU-hour (src/providers/sim.ts).
const MODELS = [
  ['H100-80GB', 2.49, 12], ['H100-PCIE-80GB', 2.09, 5], ['H200', 3.49, 5], ['B200', 5.49, 3], ['A100-80GB', 1.59, 10],
  ['A100-40GB', 1.19, 5], ['L40S', 0.95, 7], ['L4', 0.45, 5], ['A6000', 0.55, 6], ['RTX-4090', 0.39, 10], ['RTX-3090', 0.22, 6], ['MI300X', 2.19, 3],
];

function alertsSql() {
  const r = rng(7);
  const total = MODELS.reduce((a, m) => a + m[2], 0);
  const pick = () => {
    let u = r() * total;
    for (const m of MODELS) if ((u -= m[2]) < 0) return m;
    return MODELS[0];
  };
  const rows = [];
  const now = Date.now();
  for (let i = 0; i < ALERTS; i++) {
    const [model, base] = pick();
    const tenant = `ten_bench${String(i % TENANTS).padStart(11, '0')}`;
    const cap = Math.round(base * (CAP_LOW + r() * (CAP_HIGH - CAP_LOW)) * 1e6);
    const pricing = r() < 0.3 ? (r() < 0.5 ? "',spot,'" : "',interruptible,spot,'") : 'NULL';
    const region = r() < 0.2 ? (r() < 0.5 ? "'eu-'" : "'us-'") : 'NULL';
    const minCount = r() < 0.2 ? [2, 4, 8][Math.floor(r() * 3)] : 1;
    const id = `alr_bench${String(i).padStart(11, '0')}`;
    rows.push(`('${id}', '${tenant}', 'bench ${i}', 'active', '${model}', ${minCount}, NULL, ${cap}, ${pricing}, ${region}, NULL, 'limited', 'live', ${now}, ${now}, 0)`);
  }
  const out = [];
  for (let i = 0; i < rows.length; i += 200) {
    out.push(
      `INSERT INTO alerts (id, tenant_id, name, status, gpu_model, min_gpu_count, max_gpu_count, max_price_per_gpu_hour_micro, pricing, region_prefix, countries, min_availability, delivery_type, created_at, updated_at, fire_count) VALUES ${rows.slice(i, i + 200).join(',\n')};`,
    );
  }
  return out.join('\n');
}

const LINE = /ingestion (run_\w+): (\d+) offers, (\d+) changed, (\d+) stale, (\d+) deleted in (\d+) ms/;
const ALERT_PART = /; alerts: (\d+) active \((\d+) checked in full\), (\d+) new matches, (\d+) cleared, (\d+) deliveries in (\d+) ms/;

const sh = (args) => {
  const res = spawnSync(wrangler, args, { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } });
  if (res.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed: ${res.stderr}`);
};

/** The API bundled once, as `wrangler deploy` would ship it; served with no_bundle (no file watching). */
function bundle(dir) {
  const source = join(dir, 'wrangler.source.toml');
  writeFileSync(source, relocated(withoutAssets(withoutContainers(readFileSync(join(root, 'wrangler.toml'), 'utf8'))), root));
  const out = join(dir, 'build');
  sh(['deploy', '--dry-run', '--outdir', out, '-c', source]);
  const script = readdirSync(out).find((f) => f.endsWith('.js'));
  const config = join(out, 'wrangler.toml');
  writeFileSync(config, readFileSync(source, 'utf8').replace(/^main\s*=.*$/m, `main = "${script}"\nno_bundle = true`));
  return { source, config };
}

const buildDir = mkdtempSync(join(os.tmpdir(), 'gpubroker-bench-alerts-build-'));
log('bundling the API (wrangler deploy --dry-run)');
const built = bundle(buildDir);

async function phase(alerts) {
  const dir = mkdtempSync(join(os.tmpdir(), 'gpubroker-bench-alerts-'));
  const persist = join(dir, 'state');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const vars = {
    ENVIRONMENT: 'development',
    SIM_ENABLED: 'true',
    SIM_SEED: '42',
    SIM_OFFERS: String(OFFERS),
    PROVIDERS_DISABLED: 'vastai',
    LIVE_MAX_CHANGES: '5000',
    JWT_PRIVATE_KEY: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: `bench-${randomUUID().slice(0, 8)}` }),
    ALERTS_SECRET_KEY: randomBytes(32).toString('base64'),
  };
  const envFile = join(dir, 'worker.env');
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n');
  const config = built.config;
  sh(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist, '--config', built.source]);
  if (alerts > 0) {
    const file = join(dir, 'alerts.sql');
    writeFileSync(file, alertsSql());
    sh(['d1', 'execute', 'DB', '--local', '--persist-to', persist, '--config', built.source, '--file', file]);
  }

  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'bench', 'dev-server.mjs'), config, String(port), persist, envFile, 'log'], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines = [];
  let waiting = null;
  let buffer = '';
  const onData = (chunk) => {
    buffer += chunk.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const m = LINE.exec(line);
      if (m) {
        const a = ALERT_PART.exec(line);
        lines.push([...m, ...(a ? a.slice(1) : [])]);
        waiting?.();
      }
      if (line.startsWith('ready ')) waiting?.();
      if (/alerts: the pass after ingestion .* failed/.test(line)) log(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const next = (timeoutMs) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for the Worker')), timeoutMs);
      waiting = () => {
        clearTimeout(timer);
        waiting = null;
        resolve();
      };
    });
  try {
    await next(120_000);
    const base = `http://127.0.0.1:${port}`;
    const passes = [];
    for (let i = 0; i < PASSES; i++) {
      if (i > 0) await sleep(GAP_S * 1000);
      const seen = lines.length;
      const done = next(600_000);
      // miniflare's own trigger (no /__scheduled without wrangler's bundling); its answer is not awaited.
      fetch(`${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('* * * * *').replace(/%20/g, '+')}`, { signal: AbortSignal.timeout(900_000) }).catch(() => {});
      while (lines.length === seen) await done;
      const m = lines[lines.length - 1];
      const pass = {
        pass: i + 1,
        offers: Number(m[2]),
        changed: Number(m[3]),
        ingestionMs: Number(m[6]),
        active: m[7] === undefined ? null : Number(m[7]),
        fullChecks: m[8] === undefined ? null : Number(m[8]),
        newMatches: m[9] === undefined ? null : Number(m[9]),
        cleared: m[10] === undefined ? null : Number(m[10]),
        deliveries: m[11] === undefined ? null : Number(m[11]),
        alertMs: m[12] === undefined ? null : Number(m[12]),
        // The machine is shared: the 1-minute load average when the pass ended says how much.
        load: round(os.loadavg()[0], 1),
      };
      log(JSON.stringify(pass));
      passes.push(pass);
    }
    return passes;
  } finally {
    await stopProc({ child, exited: child.exitCode });
    rmSync(dir, { recursive: true, force: true });
  }
}

const timeout = setTimeout(() => {
  log('gave up after 40 minutes');
  process.exit(3);
}, 40 * 60_000);
const baseline = BASELINE ? await phase(0) : [];
const withAlerts = await phase(ALERTS);
clearTimeout(timeout);
rmSync(buildDir, { recursive: true, force: true });

console.log(
  `\n### Price alerts: ${ALERTS} alerts of ${TENANTS} tenants (caps ${CAP_LOW}–${CAP_HIGH} × base price) over ${OFFERS.toLocaleString('en')} offers, ${PASSES} passes ${GAP_S} s apart ` +
    `(${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version})\n`,
);
console.log('| Pass | Offers changed | Alerts checked in full | New matches | Cleared | Deliveries | Alert pass | Ingestion with alerts | Ingestion without alerts (baseline) | Load avg (with / without) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const p of withAlerts) {
  const b = baseline[p.pass - 1];
  console.log(
    `| ${p.pass} | ${p.changed.toLocaleString('en')} | ${p.fullChecks} | ${p.newMatches} | ${p.cleared} | ${p.deliveries} | ${p.alertMs} ms | ${p.ingestionMs} ms | ${b ? `${b.ingestionMs} ms` : '—'} | ${p.load} / ${b ? b.load : '—'} |`,
  );
}
const steady = withAlerts.slice(1);
if (steady.length > 0) {
  console.log(
    `\nSteady state (passes 2–${PASSES}): alert pass median ${round(median(steady.map((p) => p.alertMs)), 0)} ms; ingestion median ${round(median(steady.map((p) => p.ingestionMs)), 0)} ms with alerts` +
      (baseline.length > 1 ? `, ${round(median(baseline.slice(1).map((p) => p.ingestionMs)), 0)} ms without.` : '.'),
  );
}
process.exit(withAlerts.every((p) => p.alertMs !== null) ? 0 : 1);
