// Shared pieces of the provider client tests: an agent that talks only to one fixture server, and
// the failure answers every provider client must map the same way.
import type { ServerResponse } from 'node:http';
import { startAgent, type TestAgent } from './agent';
import { send } from './servers';

export const API_KEY = 'test-provider-key-123';

/** An agent with only `provider` configured, pointed at `url`, with a short provider timeout. */
export function providerAgent(provider: 'runpod' | 'vastai' | 'lambda', url: string, env: Record<string, string> = {}): TestAgent {
  const prefix = provider.toUpperCase();
  return startAgent({ SIM_ENABLED: 'false', [`${prefix}_API_KEY`]: API_KEY, [`${prefix}_API_URL`]: url, AGENT_PROVIDER_TIMEOUT_MS: '250', ...env });
}

export interface FailureCase {
  name: string;
  respond(res: ServerResponse): void;
  expected: { status: number; code: string; retryable: boolean };
}

export const FAILURES: FailureCase[] = [
  { name: '401 as provider_auth', respond: (res) => send(res, 401, { error: 'invalid api key' }), expected: { status: 401, code: 'provider_auth', retryable: false } },
  { name: '403 as provider_auth', respond: (res) => send(res, 403, { error: 'forbidden' }), expected: { status: 401, code: 'provider_auth', retryable: false } },
  { name: '429 as a retryable provider_error', respond: (res) => send(res, 429, { error: 'slow down' }, { 'retry-after': '3' }), expected: { status: 502, code: 'provider_error', retryable: true } },
  { name: '500 as a retryable provider_error', respond: (res) => send(res, 500, { error: 'boom' }), expected: { status: 502, code: 'provider_error', retryable: true } },
  { name: '503 as a retryable provider_error', respond: (res) => send(res, 503, 'upstream unavailable'), expected: { status: 502, code: 'provider_error', retryable: true } },
  {
    name: 'no answer within AGENT_PROVIDER_TIMEOUT_MS as provider_timeout',
    respond: (res) => void setTimeout(() => !res.destroyed && send(res, 200, {}), 1500),
    expected: { status: 504, code: 'provider_timeout', retryable: true },
  },
  { name: 'a malformed body as a retryable provider_error', respond: (res) => send(res, 200, '<html>oops</html>', { 'content-type': 'text/html' }), expected: { status: 502, code: 'provider_error', retryable: true } },
];
