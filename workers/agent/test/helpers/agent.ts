// Builds an agent for a test (fast sim, fast polls, quiet logs) and sends it signed requests.
import { createAgent, type Agent } from '../../src/app';
import { loadConfig, type AgentConfig } from '../../src/config';
import { silentLogger } from '../../src/log';
import { createProviders } from '../../src/providers/registry';
import type { SimCloud } from '../../src/providers/sim';
import { SIGNATURE_HEADER, signatureHeader } from '../../src/signing';

export const SECRET = 'test-agent-secret-0123456789';

/** Settings for tests: everything fast, no random capacity or preemption unless a test asks. */
export function testConfig(env: Record<string, string> = {}): AgentConfig {
  return loadConfig({
    AGENT_SECRET: SECRET,
    AGENT_POLL_MS: '10',
    AGENT_PROVIDER_TIMEOUT_MS: '2000',
    AGENT_CALLBACK_BACKOFF_MS: '20',
    AGENT_CALLBACK_RETRY_MS: '1000',
    AGENT_CALLBACK_TIMEOUT_MS: '1000',
    SIM_BOOT_MS: '60',
    SIM_NO_CAPACITY_RATE: '0',
    SIM_PREEMPT_RATE: '0',
    ...env,
  });
}

/** A Response whose JSON tests may read without declaring its type first. */
export type TestResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export interface TestAgent {
  agent: Agent;
  sim: SimCloud;
  config: AgentConfig;
  /** A signed request to the agent's app, in process. */
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<TestResponse>;
}

const running: Agent[] = [];

export function startAgent(env: Record<string, string> = {}): TestAgent {
  const config = testConfig(env);
  const fetchFn: typeof fetch = (input, init) => fetch(input, init);
  const providers = createProviders(config, { fetch: fetchFn, clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }, log: silentLogger });
  const agent = createAgent({ config, providers, fetch: fetchFn, log: silentLogger });
  running.push(agent);
  return {
    agent,
    sim: providers.get('sim') as SimCloud,
    config,
    call: (method, path, body) => signedCall(agent, method, path, body),
  };
}

/** Closes every agent a test started (call from afterEach). */
export async function stopAgents(): Promise<void> {
  await Promise.all(running.splice(0).map((a) => a.close()));
}

export async function signedCall(agent: Agent, method: 'GET' | 'POST', path: string, body?: unknown, secret = SECRET): Promise<TestResponse> {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { [SIGNATURE_HEADER]: await signatureHeader(secret, text) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return agent.app.request(path, { method, headers, ...(body === undefined ? {} : { body: text }) });
}

let counter = 0;

/** A valid provision job; override any part. */
export function provisionJob(callbackUrl: string, overrides: { target?: Record<string, unknown>; spec?: Record<string, unknown>; [k: string]: unknown } = {}) {
  counter++;
  const { target, spec, ...rest } = overrides;
  return {
    jobId: `job_${counter}_${Math.random().toString(36).slice(2, 8)}`,
    deploymentId: `dep_${counter}${Math.random().toString(36).slice(2, 8)}`,
    action: 'provision',
    attempt: 1,
    callbackUrl,
    target: { provider: 'sim', offerExternalId: 'sim-1', gpuModel: 'H100-80GB', gpuCount: 1, region: 'us-east-1', pricing: 'on_demand', ...target },
    spec: { name: 'trainer', image: 'ghcr.io/acme/train:1', ports: [8080], env: { HF_TOKEN: 'hf_secret' }, ...spec },
    ...rest,
  };
}

/** A stop/start/terminate job for a pod that `provision` created. */
export function podJob(provision: ReturnType<typeof provisionJob>, action: 'stop' | 'start' | 'terminate', podId: string) {
  counter++;
  return {
    jobId: `job_${counter}_${action}`,
    deploymentId: provision.deploymentId,
    action,
    attempt: 1,
    callbackUrl: provision.callbackUrl,
    target: { ...provision.target, podId },
  };
}
