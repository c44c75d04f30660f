// Builds the providers this agent can use from its settings: the simulator (unless SIM_ENABLED is
// false) and every real provider whose API key is set.
import type { Clock } from '../clock';
import type { AgentConfig } from '../config';
import type { Logger } from '../log';
import type { ProviderHttp } from './http';
import { LAMBDA_DEFAULT_URL, LambdaProvider } from './lambda';
import { RUNPOD_DEFAULT_URL, RunPodProvider } from './runpod';
import { SimCloud } from './sim';
import type { PodProvider, ProviderId, ProviderRegistry } from './types';
import { VASTAI_DEFAULT_URL, VastAiProvider } from './vastai';

export interface ProviderDeps {
  fetch: typeof fetch;
  clock: Clock;
  log: Logger;
}

export function createProviders(config: AgentConfig, deps: ProviderDeps): ProviderRegistry {
  const providers = new Map<ProviderId, PodProvider>();
  const http = (apiKey: string, apiUrl: string | undefined, fallback: string): ProviderHttp => ({
    baseUrl: apiUrl ?? fallback,
    apiKey,
    fetch: deps.fetch,
    timeoutMs: config.providerTimeoutMs,
  });
  if (config.sim.enabled) providers.set('sim', new SimCloud(config.sim, deps.clock));
  if (config.runpod.apiKey) providers.set('runpod', new RunPodProvider(http(config.runpod.apiKey, config.runpod.apiUrl, RUNPOD_DEFAULT_URL), deps.clock));
  if (config.vastai.apiKey) providers.set('vastai', new VastAiProvider(http(config.vastai.apiKey, config.vastai.apiUrl, VASTAI_DEFAULT_URL), deps.clock, deps.log));
  if (config.lambda.apiKey) providers.set('lambda', new LambdaProvider(http(config.lambda.apiKey, config.lambda.apiUrl, LAMBDA_DEFAULT_URL), config.lambda.sshKeyName));
  return providers;
}
