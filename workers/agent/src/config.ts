// The agent's settings, read once from the environment and validated with zod. A bad value stops
// the process at start with the setting's name (never its value, which may be a secret).
import { z } from 'zod';
import type { SimSettings } from './providers/sim';

/** An unset or empty variable takes the default. */
const unsetIfEmpty = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const int = (min: number, max: number, fallback: number) => z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(fallback));
const rate = (fallback: number) => z.preprocess(unsetIfEmpty, z.coerce.number().min(0).max(1).default(fallback));
const list = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .default('')
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
);
const optional = z.preprocess(unsetIfEmpty, z.string().optional());
const url = z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/ }).optional());
const flag = (fallback: boolean) =>
  z.preprocess(unsetIfEmpty, z.enum(['true', 'false', '1', '0']).default(fallback ? 'true' : 'false').transform((v) => v === 'true' || v === '1'));

const EnvSchema = z.object({
  AGENT_SECRET: z.string({ error: 'required' }).min(16, 'must be at least 16 characters'),
  PORT: int(1, 65535, 8788),
  /** Wins over PORT, for a parent process (npm start) whose own PORT belongs to the Worker. */
  AGENT_PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1).max(65535).optional()),
  HOST: z.preprocess(unsetIfEmpty, z.string().default('0.0.0.0')),
  AGENT_POLL_MS: int(10, 3_600_000, 1000),
  AGENT_PROVIDER_TIMEOUT_MS: int(100, 600_000, 15_000),
  AGENT_CALLBACK_BACKOFF_MS: int(1, 60_000, 500),
  AGENT_CALLBACK_RETRY_MS: int(0, 3_600_000, 60_000),
  AGENT_CALLBACK_TIMEOUT_MS: int(100, 600_000, 10_000),
  SIM_ENABLED: flag(true),
  SIM_SEED: z.preprocess(unsetIfEmpty, z.string().default('gpubroker')),
  SIM_BOOT_MS: int(0, 3_600_000, 3000),
  SIM_NO_CAPACITY_RATE: rate(0.1),
  SIM_NO_CAPACITY_OFFERS: list,
  SIM_PREEMPT_AFTER_MS: int(0, 86_400_000, 120_000),
  SIM_PREEMPT_RATE: rate(0.1),
  SIM_PREEMPT_OFFERS: list,
  RUNPOD_API_KEY: optional,
  RUNPOD_API_URL: url,
  VASTAI_API_KEY: optional,
  VASTAI_API_URL: url,
  LAMBDA_API_KEY: optional,
  LAMBDA_API_URL: url,
  LAMBDA_SSH_KEY_NAME: optional,
});

export interface ProviderKeyConfig {
  apiKey: string | undefined;
  apiUrl: string | undefined;
}

export interface AgentConfig {
  secret: string;
  port: number;
  host: string;
  pollMs: number;
  providerTimeoutMs: number;
  callback: { backoffMs: number; retryBudgetMs: number; timeoutMs: number };
  sim: SimSettings & { enabled: boolean };
  runpod: ProviderKeyConfig;
  vastai: ProviderKeyConfig;
  lambda: ProviderKeyConfig & { sshKeyName: string | undefined };
}

export type ConfigResult = { ok: true; config: AgentConfig } | { ok: false; errors: string[] };

/** Reads the agent's settings from an environment record (process.env in main.ts, a literal in tests). */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  }
  const e = parsed.data;
  return {
    ok: true,
    config: {
      secret: e.AGENT_SECRET,
      port: e.AGENT_PORT ?? e.PORT,
      host: e.HOST,
      pollMs: e.AGENT_POLL_MS,
      providerTimeoutMs: e.AGENT_PROVIDER_TIMEOUT_MS,
      callback: { backoffMs: e.AGENT_CALLBACK_BACKOFF_MS, retryBudgetMs: e.AGENT_CALLBACK_RETRY_MS, timeoutMs: e.AGENT_CALLBACK_TIMEOUT_MS },
      sim: {
        enabled: e.SIM_ENABLED,
        seed: e.SIM_SEED,
        bootMs: e.SIM_BOOT_MS,
        noCapacityRate: e.SIM_NO_CAPACITY_RATE,
        noCapacityOffers: e.SIM_NO_CAPACITY_OFFERS,
        preemptAfterMs: e.SIM_PREEMPT_AFTER_MS,
        preemptRate: e.SIM_PREEMPT_RATE,
        preemptOffers: e.SIM_PREEMPT_OFFERS,
      },
      runpod: { apiKey: e.RUNPOD_API_KEY, apiUrl: e.RUNPOD_API_URL },
      vastai: { apiKey: e.VASTAI_API_KEY, apiUrl: e.VASTAI_API_URL },
      lambda: { apiKey: e.LAMBDA_API_KEY, apiUrl: e.LAMBDA_API_URL, sshKeyName: e.LAMBDA_SSH_KEY_NAME },
    },
  };
}

/** Like parseConfig, but throws: for tests and embedders that build the agent from a literal. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): AgentConfig {
  const result = parseConfig(env);
  if (!result.ok) throw new Error(`invalid agent configuration: ${result.errors.join('; ')}`);
  return result.config;
}
