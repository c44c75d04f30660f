// Bindings and configuration. Every setting is a string var or secret; `readConfig` validates them
// once per isolate so handlers work with typed values. The README's settings table mirrors CONFIG_DOCS.
import { z } from 'zod';

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Database;
      RATE_LIMITER: DurableObjectNamespace<import('./limits/rate-limiter').RateLimiter>;
      PRICE_ROOM: DurableObjectNamespace<import('./live/price-room').PriceRoom>;
      DEPLOY_JOBS: Queue<import('./deployments/jobs').DeployJob>;
      ALERT_DELIVERIES: Queue<import('./alerts/delivery').AlertDeliveryMessage>;
      /** Secret: base64 AES-256 key that seals alert webhook signing secrets. */
      ALERTS_SECRET_KEY?: string;
      /** Secret: base64 AES-256 key that seals deployment env values. */
      DEPLOY_ENV_KEY?: string;
      /** Secret: HMAC key shared with the pod agent. */
      AGENT_SECRET?: string;
      /** The agent's base URL (local runs and tests); production uses the AGENT container binding. */
      AGENT_URL?: string;
      /** Production: the Container binding that runs workers/agent. */
      AGENT?: DurableObjectNamespace<import('./deployments/agent-container').AgentContainer>;
      /** Optional Workers AI binding: the assistant uses it to phrase replies and read what its parser cannot. */
      AI?: Ai;
      ENVIRONMENT?: string;
      /** Test-only: the migrations vitest applies before each file. */
      TEST_MIGRATIONS?: import('cloudflare:test').D1Migration[];
      [key: string]: unknown;
    }
    interface GlobalProps {
      mainModule: typeof import('./index');
    }
  }
}

export type Bindings = Cloudflare.Env;

const bool = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (/^(1|true|yes|on)$/i.test(v)) return true;
      if (/^(0|false|no|off)$/i.test(v)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true/false, got "${v}"` });
      return z.NEVER;
    });

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected an integer in ${min}..${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const ConfigSchema = z.object({
  ENVIRONMENT: z.string().optional().default('production'),
  SIM_ENABLED: bool(false),
  SIM_SEED: z.string().optional().default('gpubroker'),
  SIM_OFFERS: int(300, 1, 200_000),
  PROVIDER_TIMEOUT_MS: int(15_000, 100, 120_000),
  STALE_AFTER_SECONDS: int(600, 60, 7 * 86_400),
  DELETE_AFTER_SECONDS: int(86_400, 600, 30 * 86_400),
  HISTORY_RETENTION_DAYS: int(35, 1, 3650),
  CIRCUIT_FAILURE_THRESHOLD: int(3, 1, 100),
  CIRCUIT_COOLDOWN_SECONDS: int(300, 10, 86_400),
  PROVIDERS_DISABLED: z.string().optional().default(''),
  ANON_RATE_LIMIT_PER_MIN: int(60, 1, 100_000),
  PLAN_RATE_LIMIT_MULTIPLIER: int(1, 1, 10_000),
  LIVE_ANON_CONNECTIONS_PER_IP: int(5, 1, 100_000),
  LIVE_MAX_CHANGES: int(5000, 0, 50_000),
  RECOMMEND_SNAPSHOT_TTL_MS: int(1000, 0, 60_000),
  API_PUBLIC_URL: z.string().url().optional(),
  PLATFORM_ADMIN_EMAILS: z.string().optional().default(''),
  ASSISTANT_AI_MODEL: z.string().regex(/^@[\w.-]+\/[\w.-]+\/[\w.-]+$/, 'a Workers AI model name such as @cf/meta/llama-3.1-8b-instruct').optional().default('@cf/meta/llama-3.1-8b-instruct'),
  ASSISTANT_AI_TIMEOUT_MS: int(4000, 100, 60_000),
  // Payments (src/billing/payments): provider base URLs, where checkout returns to, how PayPal signatures are checked.
  STRIPE_API_URL: z.string().url().optional().default('https://api.stripe.com'),
  PAYPAL_API_URL: z.string().url().optional().default('https://api-m.paypal.com'),
  WEB_APP_URL: z.string().url().optional(),
  PAYPAL_VERIFY: z.enum(['cert', 'api']).optional().default('cert'),
  PAYMENTS_TIMEOUT_MS: int(10_000, 100, 60_000),
  PLATFORM_MARGIN_BPS: int(1000, 0, 10_000),
  BILLING_GRACE_SECONDS: int(900, 0, 7 * 86_400),
  BILLING_MIN_RUNTIME_MINUTES: int(10, 0, 24 * 60),
  ALERTS_ALLOW_PRIVATE_URLS: bool(false),
  ALERTS_DOH_URL: z.string().url().optional().default('https://cloudflare-dns.com/dns-query'),
  ALERTS_DELIVERY_TIMEOUT_MS: int(10_000, 100, 60_000),
  ALERTS_MAX_ATTEMPTS: int(8, 1, 20),
});

export type Config = z.output<typeof ConfigSchema> & {
  /** Raw env strings, for `<PROVIDER>_API_URL` / `<PROVIDER>_API_KEY` lookups. */
  raw: Readonly<Record<string, string | undefined>>;
  disabledProviders: ReadonlySet<string>;
  /** Lower-cased emails of users who are platform admins whatever their row says. */
  platformAdminEmails: ReadonlySet<string>;
};

/** Every setting with its default and meaning; the README table is generated from the same words. */
export const CONFIG_DOCS: ReadonlyArray<{ name: string; default: string; meaning: string }> = [
  { name: 'PORT', default: '8787', meaning: '`npm start` only: port the local API listens on.' },
  { name: 'HOST', default: '127.0.0.1', meaning: '`npm start` only: address the local API listens on.' },
  { name: 'AGENT_PORT', default: '8788', meaning: '`npm start` only: port of the local pod agent process.' },
  { name: 'CRON_INTERVAL_MS', default: '60000', meaning: '`npm start` only: how often the local cron trigger fires.' },
  { name: 'ENVIRONMENT', default: 'production', meaning: 'Environment name (`development` under `npm start`).' },
  { name: 'SIM_ENABLED', default: 'true under `npm start`, false when deployed', meaning: 'Serve the simulated provider `sim` (no network).' },
  { name: 'SIM_SEED', default: 'gpubroker', meaning: 'Seed of the simulated market; the same seed gives the same offers and price walk.' },
  { name: 'SIM_OFFERS', default: '300', meaning: 'How many offers the simulated provider lists (1–200000).' },
  { name: 'PROVIDER_TIMEOUT_MS', default: '15000', meaning: 'Per-provider timeout for one pull.' },
  { name: 'STALE_AFTER_SECONDS', default: '600', meaning: 'An offer not seen for this long is marked `unavailable`.' },
  { name: 'DELETE_AFTER_SECONDS', default: '86400', meaning: 'An offer not seen for this long is deleted.' },
  { name: 'HISTORY_RETENTION_DAYS', default: '35', meaning: 'Price history and provider health history older than this are deleted.' },
  { name: 'CIRCUIT_FAILURE_THRESHOLD', default: '3', meaning: 'Consecutive failed pulls that open a provider\'s circuit.' },
  { name: 'CIRCUIT_COOLDOWN_SECONDS', default: '300', meaning: 'How long an open circuit skips the provider before one trial pull.' },
  { name: 'PROVIDERS_DISABLED', default: '(empty)', meaning: 'Comma-separated provider ids never to pull, e.g. `vastai,sim`.' },
  { name: 'PLAN_RATE_LIMIT_MULTIPLIER', default: '1', meaning: 'Multiplies every plan\'s requests per minute; for load tests of a staging deployment (the benchmark uses it), never for production.' },
  { name: 'ANON_RATE_LIMIT_PER_MIN', default: '60', meaning: 'Requests per minute (and burst) allowed to each anonymous IP address on `/v1/*`; tenants get their plan\'s limit.' },
  { name: 'LIVE_ANON_CONNECTIONS_PER_IP', default: '5', meaning: 'Live connections (WebSocket or SSE) one anonymous IP address may hold in one price room; tenants get their plan\'s `liveConnections`.' },
  { name: 'LIVE_MAX_CHANGES', default: '5000', meaning: 'Most offer changes one ingestion streams to live clients as deltas; past it, rooms send fresh snapshots instead (a first pull, a provider outage).' },
  { name: 'RECOMMEND_SNAPSHOT_TTL_MS', default: '1000', meaning: 'How often (ms) an isolate checks for a newer ingestion for `POST /v1/recommendations`; when it finds one it keeps answering from its current market snapshot while the new one loads in the background. 0: check on every request and load before answering.' },
  { name: 'API_PUBLIC_URL', default: '(set by `npm start`)', meaning: 'This API\'s own base URL, where the pod agent posts deployment events (`/internal/agent/events`).' },
  { name: 'AGENT_URL', default: '(set by `npm start`)', meaning: 'Base URL of the pod agent when it runs as a process (locally); deployed, the `AGENT` container binding is used instead.' },
  { name: 'AGENT_SECRET', default: '(generated by `npm start`)', meaning: 'Secret: HMAC-SHA256 key shared with the pod agent; signs jobs to it and its events back.' },
  { name: 'DEPLOY_ENV_KEY', default: '(generated by `npm start`)', meaning: 'Secret: base64 AES-256 key that seals deployment `env` values.' },
  { name: 'JWT_PRIVATE_KEY', default: '(generated by `npm start`)', meaning: 'Secret: EC P-256 private JWK with a `kid` that signs access tokens (ES256).' },
  { name: 'PLATFORM_ADMIN_EMAILS', default: '(empty; `admin@gpubroker.local` under `npm start`)', meaning: 'Comma-separated emails of users who are platform admins (GPUBroker staff: the admin API and pages). Applies when they sign in; API keys never carry it.' },
  { name: 'JWT_PUBLIC_KEYS', default: '(unset)', meaning: 'JSON array of older public JWKs still accepted while a key rotates.' },
  { name: 'ASSISTANT_AI_MODEL', default: '@cf/meta/llama-3.1-8b-instruct', meaning: 'Workers AI text model the assistant uses when the `AI` binding is configured (to phrase replies and read what its parser cannot); it must support JSON mode.' },
  { name: 'ASSISTANT_AI_TIMEOUT_MS', default: '4000', meaning: 'Longest wait for one Workers AI call of the assistant; past it the deterministic answer is used.' },
  { name: 'PLATFORM_MARGIN_BPS', default: '1000', meaning: 'Platform margin on GPU time in basis points (1000 = 10%), locked on each deployment when it is created: a change applies to new deployments only.' },
  { name: 'BILLING_GRACE_SECONDS', default: '900', meaning: "How long a tenant's running deployments keep running after its credit reaches zero before they are stopped (`budget_exhausted`)." },
  { name: 'BILLING_MIN_RUNTIME_MINUTES', default: '10', meaning: 'A deployment is created (or started) only if the available credit covers this many minutes at its price including the margin; otherwise 402 `insufficient-credit`.' },
  { name: 'ALERTS_ALLOW_PRIVATE_URLS', default: 'false (true under `npm start`)', meaning: 'Local development only: alert webhooks may use http and private, loopback or local hosts (a receiver on 127.0.0.1), and their names are not resolved.' },
  { name: 'ALERTS_DOH_URL', default: 'https://cloudflare-dns.com/dns-query', meaning: 'DNS-over-HTTPS JSON endpoint that resolves alert webhook hosts (at creation and before every attempt) to refuse private addresses.' },
  { name: 'ALERTS_DELIVERY_TIMEOUT_MS', default: '10000', meaning: 'Timeout of one alert webhook attempt.' },
  { name: 'ALERTS_MAX_ATTEMPTS', default: '8', meaning: 'Attempts per alert webhook delivery (with exponential backoff) before it is marked failed; keep it at most the queue\'s `max_retries` + 1.' },
  { name: 'ALERTS_SECRET_KEY', default: '(generated by `npm start`)', meaning: 'Secret: base64 AES-256 key that seals alert webhook signing secrets.' },
  { name: '<PROVIDER>_API_KEY', default: '(unset)', meaning: 'API key of a provider (`RUNPOD`, `VASTAI`, `LAMBDA`, `DATACRUNCH`, `TENSORDOCK`, `SHADEFORM`). A provider that needs a key is skipped without one. Set with `wrangler secret put` in production.' },
  { name: '<PROVIDER>_API_URL', default: "the provider's public API", meaning: 'Base URL of a provider\'s API, e.g. a local mock server.' },
  { name: 'STRIPE_SECRET_KEY', default: '(unset; the local sandbox\'s under `npm start`)', meaning: 'Secret: Stripe API key (`sk_live_…`/`sk_test_…`) that creates Checkout Sessions. Without it Stripe checkout answers 503.' },
  { name: 'STRIPE_WEBHOOK_SECRET', default: '(unset; generated under `npm start`)', meaning: 'Secret: the endpoint signing secret(s) (`whsec_…`) for `POST /webhooks/stripe`; a comma list accepts several while a secret rotates.' },
  { name: 'STRIPE_API_URL', default: 'https://api.stripe.com', meaning: 'Base URL of the Stripe API (the local sandbox under `npm start`, a fake in tests).' },
  { name: 'PAYPAL_CLIENT_ID', default: '(unset; the local sandbox\'s under `npm start`)', meaning: 'PayPal REST app client id (OAuth2 client credentials). Without it PayPal checkout answers 503.' },
  { name: 'PAYPAL_CLIENT_SECRET', default: '(unset)', meaning: 'Secret: PayPal REST app client secret.' },
  { name: 'PAYPAL_WEBHOOK_ID', default: '(unset)', meaning: 'The id PayPal gave our webhook (`WH-…`); part of every signed transmission. Without it `POST /webhooks/paypal` answers 500.' },
  { name: 'PAYPAL_API_URL', default: 'https://api-m.paypal.com', meaning: 'Base URL of the PayPal REST API (`https://api-m.sandbox.paypal.com` for PayPal\'s sandbox; the local sandbox under `npm start`).' },
  { name: 'PAYPAL_VERIFY', default: '`cert` (`api` under `npm start`)', meaning: '`cert`: verify PayPal webhooks locally with the certificate from PAYPAL-CERT-URL (PayPal hosts only), asking PayPal\'s verify-webhook-signature API only when the certificate cannot be had; `api`: always ask that API (the local sandbox answers it under `npm start`).' },
  { name: 'WEB_APP_URL', default: 'API_PUBLIC_URL', meaning: 'Where a checkout returns the payer: `<WEB_APP_URL>/checkout/return?order=…&result=success|cancelled`.' },
  { name: 'PAYMENTS_TIMEOUT_MS', default: '10000', meaning: 'Timeout of one call to Stripe or PayPal (checkout, capture, token, certificate).' },
  { name: 'PAYMENTS_SANDBOX', default: '`auto`', meaning: '`npm start` only: `auto` runs the local payments sandbox (`scripts/payments-sandbox.mjs`) when neither STRIPE_SECRET_KEY nor PAYPAL_CLIENT_ID is set; `true`/`false` force it on or off.' },
  { name: 'PAYMENTS_SANDBOX_PORT', default: '8789', meaning: '`npm start` only: port of the local payments sandbox.' },
];

let cached: { env: object; config: Config } | undefined;

export class ConfigError extends Error {}

/** Validates the environment; throws ConfigError naming each bad setting. Cached per env object. */
export function readConfig(env: Bindings): Config {
  if (cached && cached.env === env) return cached.config;
  const raw: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) if (typeof value === 'string') raw[key] = value;
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${detail}`);
  }
  const disabledProviders = new Set(
    parsed.data.PROVIDERS_DISABLED.split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const platformAdminEmails = new Set(
    parsed.data.PLATFORM_ADMIN_EMAILS.split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const config: Config = { ...parsed.data, raw, disabledProviders, platformAdminEmails };
  cached = { env, config };
  return config;
}
