// The Worker's side of the pod agent: signed requests to `workers/agent` (see its README for the
// contract). Two transports reach it: in production the AGENT container binding (a Cloudflare
// Container running workers/agent/Dockerfile); locally and in tests an HTTP base URL (AGENT_URL).
import { SIGNATURE_HEADER, signatureHeader } from '../../workers/agent/src/signing';
import { readConfig, type Bindings } from '../env';
import type { JobAction } from './jobs';

export interface AgentJobRequest {
  jobId: string;
  deploymentId: string;
  action: JobAction;
  attempt: number;
  callbackUrl: string;
  target: { provider: string; offerExternalId: string; gpuModel: string; gpuCount: number; region: string; pricing: string; podId?: string; bidPricePerHourUsd?: number };
  spec?: { name: string; image: string; command?: string[]; env?: Record<string, string>; ports?: number[]; sshPublicKey?: string; diskGb?: number };
}

export type AgentJobResult =
  | { ok: true; podId: string; status: string; replayed: boolean }
  | { ok: false; status: number; code: string; message: string; retryable: boolean };

export type PodState = 'provisioning' | 'running' | 'stopped' | 'terminated' | 'failed' | 'not_found';

export interface AgentPod {
  podId: string;
  provider: string;
  name?: string;
  deploymentId: string | null;
  status: PodState;
  connection?: { sshHost?: string; sshPort?: number; httpUrl?: string };
  gpuUtilization?: number;
  uptimeSeconds?: number;
}

/** Sends a request to the agent; the one seam tests replace (with the agent's own app, in process). */
export type AgentTransport = (request: Request) => Promise<Response>;

let override: AgentTransport | null = null;

/** Tests only: route agent requests to `transport` instead of AGENT_URL / the container. */
export function setAgentTransport(transport: AgentTransport | null): void {
  override = transport;
}

export class AgentUnavailable extends Error {}

/** Where the agent posts a deployment's status events: this API's `/internal/agent/events`. */
export function callbackUrl(env: Bindings): string {
  return `${(readConfig(env).API_PUBLIC_URL ?? 'http://127.0.0.1:8787').replace(/\/$/, '')}/internal/agent/events`;
}

function transportFor(env: Bindings): { base: string; send: AgentTransport } {
  if (override) return { base: 'http://agent.internal', send: override };
  // A set AGENT_URL wins: locally (and wherever containers are off) the agent is a process.
  const url = env.AGENT_URL;
  if (url) return { base: url.replace(/\/$/, ''), send: (req) => fetch(req) };
  const container = env.AGENT;
  if (container) {
    const stub = container.get(container.idFromName('agent'));
    return { base: 'http://agent.internal', send: (req) => stub.fetch(req) };
  }
  throw new AgentUnavailable('no agent configured: set AGENT_URL (local) or bind the AGENT container (production)');
}

export class AgentClient {
  constructor(private readonly env: Bindings) {}

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const secret = this.env.AGENT_SECRET;
    if (!secret) throw new AgentUnavailable('AGENT_SECRET is not set');
    const { base, send } = transportFor(this.env);
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = { [SIGNATURE_HEADER]: await signatureHeader(secret, text) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return send(new Request(base + path, { method, headers, ...(body === undefined ? {} : { body: text }), signal: AbortSignal.timeout(30_000) }));
  }

  /** Hands a job to the agent. A network failure or an agent that is down is a retryable outcome, not an exception. */
  async job(request: AgentJobRequest): Promise<AgentJobResult> {
    let res: Response;
    try {
      res = await this.call('POST', '/v1/jobs', request);
    } catch (err) {
      if (err instanceof AgentUnavailable) return { ok: false, status: 503, code: 'agent_unconfigured', message: err.message, retryable: true };
      return { ok: false, status: 503, code: 'agent_unreachable', message: err instanceof Error ? err.message : String(err), retryable: true };
    }
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (res.ok && body && typeof body.podId === 'string') {
      return { ok: true, podId: body.podId, status: String(body.status), replayed: body.replayed === true };
    }
    const code = typeof body?.code === 'string' ? body.code : `http_${res.status}`;
    const message = typeof body?.detail === 'string' ? body.detail : `agent answered ${res.status}`;
    const retryable = typeof body?.retryable === 'boolean' ? body.retryable : res.status >= 500 || res.status === 429;
    return { ok: false, status: res.status, code, message, retryable };
  }

  /** The pod as the provider reports it now; null if the agent cannot be asked. */
  async pod(provider: string, podId: string): Promise<AgentPod | null> {
    try {
      const res = await this.call('GET', `/v1/pods/${encodeURIComponent(provider)}/${encodeURIComponent(podId)}`);
      if (res.status === 404) return { podId, provider, deploymentId: null, status: 'not_found' };
      if (!res.ok) return null;
      return (await res.json()) as AgentPod;
    } catch {
      return null;
    }
  }

  /** Every pod the agent finds at a provider under our name prefix; null if it cannot be asked. */
  async pods(provider: string): Promise<AgentPod[] | null> {
    try {
      const res = await this.call('GET', `/v1/pods?provider=${encodeURIComponent(provider)}`);
      if (!res.ok) return null;
      return ((await res.json()) as { pods: AgentPod[] }).pods;
    } catch {
      return null;
    }
  }
}
