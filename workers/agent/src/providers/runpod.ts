// RunPod through its REST API (https://rest.runpod.io/v1, docs: https://docs.runpod.io/api-reference):
// POST /pods creates, GET /pods/{id} reads, POST /pods/{id}/stop|start, DELETE /pods/{id}, GET /pods
// lists. RunPod takes no idempotency key, so the agent's name check (`gpubroker-<deploymentId>`)
// guards against a second pod.
import { z } from 'zod';
import type { Clock } from '../clock';
import { isOurs } from '../pods';
import { callProvider, reclassify, type ProviderHttp } from './http';
import { ProviderError, type PodProvider, type PodStatus, type ProviderPod, type ProvisionRequest, type Target } from './types';

const ID = 'runpod';
export const RUNPOD_DEFAULT_URL = 'https://rest.runpod.io/v1';

/** RunPod's words when no machine fits; it answers them with a 4xx or a 500 depending on the path. */
const NO_CAPACITY = /no (longer any )?(instances|machines|gpus?) (currently )?available|not enough (free )?gpus|insufficient capacity|out of stock/i;

const PodSchema = z.object({
  id: z.string().min(1),
  name: z.string().nullish(),
  desiredStatus: z.string().nullish(),
  publicIp: z.string().nullish(),
  /** Internal port → public port, e.g. `{ "22": 10341 }`. */
  portMappings: z.record(z.string(), z.number()).nullish().catch(null),
  ports: z.array(z.string()).nullish().catch(null),
  lastStartedAt: z.string().nullish(),
  interruptible: z.boolean().nullish(),
});
type RunPodPod = z.infer<typeof PodSchema>;

/**
 * The Worker lists RunPod offers as `<gpuTypeId>:<secure|community>:<N>x:<pricing>`; the GPU type id
 * may itself hold colons, so it is read from the right. Anything else is taken as a bare GPU type id.
 */
export function parseRunPodOffer(target: Target): { gpuTypeId: string; cloudType: 'SECURE' | 'COMMUNITY' } {
  const parts = target.offerExternalId.split(':');
  const fromRegion = target.region.toLowerCase() === 'community' ? 'COMMUNITY' : 'SECURE';
  if (parts.length >= 4 && /^\d+x$/.test(parts[parts.length - 2]!) && /^(secure|community)$/.test(parts[parts.length - 3]!)) {
    return { gpuTypeId: parts.slice(0, -3).join(':'), cloudType: parts[parts.length - 3] === 'community' ? 'COMMUNITY' : 'SECURE' };
  }
  return { gpuTypeId: target.offerExternalId, cloudType: fromRegion };
}

/** The create body documented for POST /pods. */
export function runPodCreateBody(request: ProvisionRequest): Record<string, unknown> {
  const { target, spec } = request;
  const { gpuTypeId, cloudType } = parseRunPodOffer(target);
  const env: Record<string, string> = { ...spec.env };
  // RunPod's images install the key found in PUBLIC_KEY for SSH.
  if (spec.sshPublicKey && env.PUBLIC_KEY === undefined) env.PUBLIC_KEY = spec.sshPublicKey;
  const ports = [...new Set(spec.ports ?? [])].filter((p) => p !== 22).map((p) => `${p}/http`);
  ports.push('22/tcp');
  return {
    name: request.name,
    imageName: spec.image,
    computeType: 'GPU',
    gpuTypeIds: [gpuTypeId],
    gpuCount: target.gpuCount,
    cloudType,
    interruptible: target.pricing !== 'on_demand',
    supportPublicIp: true,
    env,
    ports,
    ...(spec.diskGb ? { containerDiskInGb: spec.diskGb } : {}),
    ...(spec.command && spec.command.length > 0 ? { dockerStartCmd: spec.command } : {}),
  };
}

function statusOf(pod: RunPodPod): PodStatus {
  switch (pod.desiredStatus) {
    case 'EXITED':
      return 'stopped';
    case 'TERMINATED':
      return 'terminated';
    case 'RUNNING': {
      // RunPod says RUNNING as soon as a machine is rented; the pod is up once it has an address.
      const mapped = pod.portMappings && Object.keys(pod.portMappings).length > 0;
      return mapped || pod.publicIp ? 'running' : 'provisioning';
    }
    default:
      return 'provisioning';
  }
}

export class RunPodProvider implements PodProvider {
  readonly id = ID;
  readonly canStopStart = true;

  constructor(
    private readonly http: ProviderHttp,
    private readonly clock: Clock,
  ) {}

  private call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, query?: Record<string, string>): Promise<unknown> {
    return callProvider(ID, this.http, method, path, { body, query });
  }

  private toPod(raw: unknown): ProviderPod {
    const parsed = PodSchema.safeParse(raw);
    if (!parsed.success) throw new ProviderError(ID, 'bad_response', `pod is not in the documented shape: ${z.prettifyError(parsed.error)}`);
    const pod = parsed.data;
    const status = statusOf(pod);
    const view: ProviderPod = { podId: pod.id, name: pod.name ?? '', status };
    if (status === 'running') {
      const sshPort = pod.portMappings?.['22'];
      const httpPort = (pod.ports ?? []).find((p) => p.endsWith('/http'))?.split('/')[0];
      view.connection = {
        ...(pod.publicIp ? { sshHost: pod.publicIp } : {}),
        ...(sshPort ? { sshPort } : {}),
        // RunPod's HTTP proxy: https://<podId>-<internal port>.proxy.runpod.net
        ...(httpPort ? { httpUrl: `https://${pod.id}-${httpPort}.proxy.runpod.net` } : {}),
      };
      const started = pod.lastStartedAt ? Date.parse(pod.lastStartedAt) : NaN;
      if (Number.isFinite(started)) view.uptimeSeconds = Math.max(0, Math.floor((this.clock.now() - started) / 1000));
    }
    return view;
  }

  async provision(request: ProvisionRequest): Promise<ProviderPod> {
    let created: unknown;
    try {
      created = await this.call('POST', '/pods', runPodCreateBody(request));
    } catch (err) {
      if (err instanceof ProviderError && (err.kind === 'rejected' || err.kind === 'unavailable') && NO_CAPACITY.test(err.message)) {
        throw reclassify(err, 'no_capacity');
      }
      throw err;
    }
    return this.toPod(created);
  }

  async status(podId: string): Promise<ProviderPod | null> {
    try {
      const body = await this.call('GET', `/pods/${encodeURIComponent(podId)}`);
      return body === null ? null : this.toPod(body);
    } catch (err) {
      if (err instanceof ProviderError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  async stop(podId: string): Promise<void> {
    await this.call('POST', `/pods/${encodeURIComponent(podId)}/stop`);
  }

  async start(podId: string): Promise<void> {
    await this.call('POST', `/pods/${encodeURIComponent(podId)}/start`);
  }

  async terminate(podId: string): Promise<void> {
    await this.call('DELETE', `/pods/${encodeURIComponent(podId)}`);
  }

  async list(): Promise<ProviderPod[]> {
    const body = await this.call('GET', '/pods');
    if (!Array.isArray(body)) throw new ProviderError(ID, 'bad_response', 'expected an array of pods');
    return body
      .filter((p) => isOurs((p as { name?: unknown } | null)?.name as string | undefined))
      .map((p) => this.toPod(p))
      .filter((p) => p.status !== 'terminated');
  }
}
