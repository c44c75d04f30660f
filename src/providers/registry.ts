// Every provider adapter, and which of them an environment pulls (with what URL and key).
import type { Config } from '../env';
import { datacrunch } from './datacrunch';
import { lambda } from './lambda';
import { runpod } from './runpod';
import { shadeform } from './shadeform';
import { sim } from './sim';
import { tensordock } from './tensordock';
import type { ProviderAdapter } from './types';
import { vastai } from './vastai';

export const ADAPTERS: readonly ProviderAdapter[] = [runpod, vastai, lambda, datacrunch, tensordock, shadeform, sim];

export function getAdapter(id: string): ProviderAdapter | undefined {
  return ADAPTERS.find((a) => a.id === id);
}

export interface ProviderSetup {
  adapter: ProviderAdapter;
  baseUrl: string;
  apiKey: string | undefined;
  settings: Record<string, string | undefined>;
}

export type ProviderPlan = { setup: ProviderSetup; enabled: true } | { adapter: ProviderAdapter; enabled: false; reason: string };

/** Decides, per adapter, whether this environment pulls it: disabled by config, missing key, or on. */
export function planProviders(config: Config): ProviderPlan[] {
  return ADAPTERS.map((adapter): ProviderPlan => {
    const prefix = adapter.id.toUpperCase();
    if (config.disabledProviders.has(adapter.id)) return { adapter, enabled: false, reason: 'disabled by PROVIDERS_DISABLED' };
    if (adapter.id === 'sim' && !config.SIM_ENABLED) return { adapter, enabled: false, reason: 'SIM_ENABLED is false' };
    const apiKey = config.raw[`${prefix}_API_KEY`] || undefined;
    if (!apiKey && !adapter.keyOptional) return { adapter, enabled: false, reason: `${prefix}_API_KEY is not set` };
    return {
      enabled: true,
      setup: {
        adapter,
        baseUrl: config.raw[`${prefix}_API_URL`] || adapter.defaultBaseUrl,
        apiKey,
        settings: adapter.id === 'sim' ? { SIM_SEED: config.SIM_SEED, SIM_OFFERS: String(config.SIM_OFFERS) } : {},
      },
    };
  });
}
