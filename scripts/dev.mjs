#!/usr/bin/env node
// `npm start`: the whole product on one machine, offline. Applies D1 migrations locally, builds and
// starts the pod agent (workers/agent) as a Node process, runs the local payments sandbox when no
// Stripe/PayPal keys are set (scripts/payments-sandbox.mjs), starts `wrangler dev` (local D1, Durable
// Objects, queues, cron), and drives the cron trigger itself, because wrangler dev only runs
// scheduled handlers when asked: once as soon as the API answers, then every minute.
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT ?? 8787);
const host = process.env.HOST ?? '127.0.0.1';
const cronEveryMs = Number(process.env.CRON_INTERVAL_MS ?? 60_000);
const agentPort = Number(process.env.AGENT_PORT ?? 8788);
// Where local state lives: generated secrets, the env file, and (when set) the D1/DO data under
// `state/`. The default keeps wrangler's own `.wrangler/state`; tests point it at a temporary folder.
const stateDir = process.env.LOCAL_STATE_DIR ? resolve(process.env.LOCAL_STATE_DIR) : null;
const localDir = stateDir ?? join(root, '.wrangler');
const persistArgs = stateDir ? ['--persist-to', join(stateDir, 'state')] : [];
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const childEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_UPDATE_NOTIFIER: '1' };

const PROVIDERS = ['RUNPOD', 'VASTAI', 'LAMBDA', 'DATACRUNCH', 'TENSORDOCK', 'SHADEFORM', 'SIM'];
const SETTINGS = [
  'ENVIRONMENT',
  'SIM_ENABLED',
  'SIM_SEED',
  'SIM_OFFERS',
  'PROVIDER_TIMEOUT_MS',
  'STALE_AFTER_SECONDS',
  'DELETE_AFTER_SECONDS',
  'HISTORY_RETENTION_DAYS',
  'CIRCUIT_FAILURE_THRESHOLD',
  'CIRCUIT_COOLDOWN_SECONDS',
  'PROVIDERS_DISABLED',
  'JWT_PRIVATE_KEY',
  'JWT_PUBLIC_KEYS',
  'ANON_RATE_LIMIT_PER_MIN',
  'PLAN_RATE_LIMIT_MULTIPLIER',
  'LIVE_ANON_CONNECTIONS_PER_IP',
  'API_PUBLIC_URL',
  'AGENT_URL',
  'AGENT_SECRET',
  'DEPLOY_ENV_KEY',
  'LIVE_MAX_CHANGES',
  'PLATFORM_ADMIN_EMAILS',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_API_URL',
  'PAYPAL_CLIENT_ID',
  'PAYPAL_CLIENT_SECRET',
  'PAYPAL_WEBHOOK_ID',
  'PAYPAL_API_URL',
  'PAYPAL_VERIFY',
  'WEB_APP_URL',
  'PAYMENTS_TIMEOUT_MS',
  'PLATFORM_MARGIN_BPS',
  'BILLING_GRACE_SECONDS',
  'BILLING_MIN_RUNTIME_MINUTES',
  'RECOMMEND_SNAPSHOT_TTL_MS',
  'ALERTS_ALLOW_PRIVATE_URLS',
  'ALERTS_DOH_URL',
  'ALERTS_DELIVERY_TIMEOUT_MS',
  'ALERTS_MAX_ATTEMPTS',
  'ALERTS_SECRET_KEY',
  ...PROVIDERS.flatMap((p) => [`${p}_API_KEY`, `${p}_API_URL`]),
];

function log(message) {
  console.log(`[start] ${message}`);
}

function parseEnvFile(path) {
  const out = {};
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  return out;
}

// The JWT signing key for local runs: made once, kept under .wrangler/ (ignored by git).
function localSigningKey() {
  const path = join(localDir, 'jwt-signing-key.json');
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: `local-${randomUUID().slice(0, 8)}` }), { mode: 0o600 });
    log(`generated a local JWT signing key in ${path}`);
  }
  return readFileSync(path, 'utf8').trim();
}

// A local secret made once and kept under .wrangler/: the deployment env key must survive restarts,
// or sealed env values in the local database could no longer be opened.
function localSecret(name, make) {
  const path = join(localDir, name);
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, make(), { mode: 0o600 });
  }
  return readFileSync(path, 'utf8').trim();
}

// Local defaults < the developer's .dev.vars < the environment of `npm start`.
const vars = {
  ENVIRONMENT: 'development',
  SIM_ENABLED: 'true',
  JWT_PRIVATE_KEY: localSigningKey(),
  DEPLOY_ENV_KEY: localSecret('deploy-env-key', () => randomBytes(32).toString('base64')),
  AGENT_SECRET: localSecret('agent-secret', () => randomBytes(32).toString('hex')),
  AGENT_URL: `http://127.0.0.1:${agentPort}`,
  API_PUBLIC_URL: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
  // Sign up with this email locally to see the admin API and pages.
  PLATFORM_ADMIN_EMAILS: 'admin@gpubroker.local',
  // A local webhook receiver (http://127.0.0.1:…) must work; deployed, the default false applies.
  ALERTS_ALLOW_PRIVATE_URLS: 'true',
  ALERTS_SECRET_KEY: localSecret('alerts-secret-key', () => randomBytes(32).toString('base64')),
  ...parseEnvFile(join(root, '.dev.vars')),
};
for (const name of SETTINGS) if (process.env[name] !== undefined) vars[name] = process.env[name];

// Payments: with no real Stripe or PayPal keys, a local sandbox (scripts/payments-sandbox.mjs) plays both
// providers, so a test-mode checkout and its signed webhooks work offline. Its secrets stay under .wrangler/.
const sandboxPort = Number(process.env.PAYMENTS_SANDBOX_PORT ?? 8789);
const sandboxSetting = (process.env.PAYMENTS_SANDBOX ?? 'auto').toLowerCase();
const runSandbox = sandboxSetting === 'auto' ? !vars.STRIPE_SECRET_KEY && !vars.PAYPAL_CLIENT_ID : /^(1|true|yes|on)$/.test(sandboxSetting);
if (runSandbox) {
  const sandbox = `http://127.0.0.1:${sandboxPort}`;
  const local = {
    STRIPE_SECRET_KEY: 'sk_test_local_sandbox',
    STRIPE_WEBHOOK_SECRET: localSecret('stripe-webhook-secret', () => `whsec_${randomBytes(24).toString('hex')}`),
    STRIPE_API_URL: `${sandbox}/stripe`,
    PAYPAL_CLIENT_ID: 'local-sandbox',
    PAYPAL_CLIENT_SECRET: localSecret('paypal-client-secret', () => randomBytes(24).toString('hex')),
    PAYPAL_WEBHOOK_ID: 'WHLOCALSANDBOX',
    PAYPAL_API_URL: `${sandbox}/paypal`,
    PAYPAL_VERIFY: 'api',
  };
  for (const [name, value] of Object.entries(local)) vars[name] ??= value;
}
const envFile = join(localDir, 'start.env');
mkdirSync(dirname(envFile), { recursive: true });
// dotenv: single quotes keep a value literal (JSON keys included); double quotes only when it has one.
const quote = (v) => (String(v).includes("'") ? JSON.stringify(String(v)) : `'${v}'`);
writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${quote(v)}`).join('\n') + '\n', { mode: 0o600 });

log('applying D1 migrations to the local database');
const migrate = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', ...persistArgs], { cwd: root, env: { ...childEnv, CI: 'true' }, stdio: 'inherit' });
if (migrate.status !== 0) {
  console.error('[start] migrations failed');
  process.exit(migrate.status ?? 1);
}

log('building the web app (web/ → web/dist, served at /)');
const web = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: root, stdio: 'inherit' });
if (web.status !== 0) {
  console.error('[start] building the web app failed');
  process.exit(web.status ?? 1);
}

log('building the pod agent (workers/agent)');
const build = spawnSync('npm', ['run', '--silent', 'build:agent'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('[start] building the agent failed');
  process.exit(build.status ?? 1);
}
log(`starting the pod agent on http://127.0.0.1:${agentPort}`);
const agent = spawn(process.execPath, [join(root, 'dist', 'agent', 'agent.mjs')], {
  cwd: root,
  env: { ...childEnv, PORT: String(agentPort), HOST: '127.0.0.1', AGENT_SECRET: vars.AGENT_SECRET, SIM_SEED: vars.SIM_SEED ?? 'gpubroker' },
  stdio: 'inherit',
});

let payments = null;
if (runSandbox) {
  log(`starting the local payments sandbox on http://127.0.0.1:${sandboxPort} (test mode: no real money)`);
  payments = spawn(process.execPath, [join(root, 'scripts', 'payments-sandbox.mjs')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      PORT: String(sandboxPort),
      HOST: '127.0.0.1',
      API_PUBLIC_URL: vars.API_PUBLIC_URL,
      ...Object.fromEntries(['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'PAYPAL_CLIENT_ID', 'PAYPAL_CLIENT_SECRET', 'PAYPAL_WEBHOOK_ID'].map((k) => [k, vars[k]])),
    },
    stdio: 'inherit',
  });
  payments.on('exit', (code) => {
    if (!stopping) console.error(`[start] the payments sandbox exited with ${code}; checkout will answer 502`);
  });
}

log(`starting wrangler dev on http://${host}:${port}`);
const dev = spawn(
  wrangler,
  ['dev', '--port', String(port), '--ip', host, '--test-scheduled', '--env-file', envFile, '--show-interactive-dev-session=false', ...persistArgs],
  { cwd: root, env: childEnv, stdio: 'inherit' },
);

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  dev.kill('SIGTERM');
  agent.kill('SIGTERM');
  payments?.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
agent.on('exit', (code) => {
  if (!stopping) {
    console.error(`[start] the pod agent exited with ${code}`);
    stop(code ?? 1);
  }
});
dev.on('exit', (code) => {
  if (!stopping) {
    console.error(`[start] wrangler dev exited with ${code}`);
    process.exit(code ?? 1);
  }
});

const base = `http://${host}:${port}`;

async function waitForHealth() {
  for (;;) {
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function runCron() {
  try {
    const res = await fetch(`${base}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
    if (!res.ok) log(`cron trigger answered ${res.status}`);
  } catch (err) {
    log(`cron trigger failed: ${err.message}`);
  }
}

await waitForHealth();
log('API is up; running the first ingestion');
await runCron();
log(`ready: web app ${base}/  ·  API ${base}/v1/offers  ·  docs ${base}/docs  ·  live ${base.replace('http', 'ws')}/v1/live  ·  agent http://127.0.0.1:${agentPort}  ·  ingestion every ${cronEveryMs / 1000} s`);
if (runSandbox) log(`payments: test-mode sandbox at http://127.0.0.1:${sandboxPort} (POST /v1/billing/checkout, then open its checkoutUrl)`);
setInterval(runCron, cronEveryMs);
