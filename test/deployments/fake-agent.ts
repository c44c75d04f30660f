// A scripted stand-in for the pod agent, speaking its documented contract (workers/agent/README.md),
// for the consumer's and reconcile pass's fault paths: each test says how the agent answers. It
// checks every request's signature the way the agent does. flow.test.ts uses the real agent.
import { env } from 'cloudflare:workers';
import { afterEach } from 'vitest';
import { SIGNATURE_HEADER, verifySignature } from '../../workers/agent/src/signing';
import { setAgentTransport } from '../../src/deployments/agent-client';

export interface AgentCall {
  method: string;
  path: string;
  body: Record<string, unknown> | null;
}

type Answer = (call: AgentCall) => Response | Promise<Response>;

export const okJob = (call: AgentCall) => Response.json({ jobId: call.body?.jobId, podId: `pod-${String(call.body?.jobId).slice(4, 12)}`, status: 'provisioning', replayed: false });
export const refuse = (status: number, code: string, retryable: boolean) => () =>
  Response.json({ type: `https://gpubroker.dev/problems/${code}`, title: code, status, detail: `agent says ${code}`, code, retryable }, { status, headers: { 'content-type': 'application/problem+json' } });

export function fakeAgent(answer: Answer): AgentCall[] {
  const calls: AgentCall[] = [];
  setAgentTransport(async (request) => {
    const text = await request.text();
    const verdict = await verifySignature(env.AGENT_SECRET!, request.headers.get(SIGNATURE_HEADER), text);
    if (!verdict.ok) return Response.json({ code: 'unauthorized', detail: verdict.reason, retryable: false }, { status: 401 });
    const url = new URL(request.url);
    const call = { method: request.method, path: url.pathname + url.search, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
    calls.push(call);
    return answer(call);
  });
  return calls;
}

/** An agent that cannot be reached at all. */
export function agentDown(): void {
  setAgentTransport(() => Promise.reject(new TypeError('connect ECONNREFUSED')));
}

afterEach(() => setAgentTransport(null));
