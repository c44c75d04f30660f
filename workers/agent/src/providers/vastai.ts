// Vast.ai through its REST API (https://console.vast.ai/api/v0, docs: https://docs.vast.ai/api-reference):
// PUT /asks/{offer}/ rents an offer as a new instance, GET /instances/{id}/ and GET /instances/ read,
// PUT /instances/{id}/ with `state` stops and starts, DELETE /instances/{id}/ destroys. The instance
// `label` carries our pod name. Vast.ai takes no idempotency key.
import { z } from 'zod';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import { isOurs } from '../pods';
import { callProvider, reclassify, type ProviderHttp } from './http';
import { ProviderError, type PodProvider, type PodStatus, type ProviderPod, type ProvisionRequest } from './types';

const ID = 'vastai';
export const VASTAI_DEFAULT_URL = 'https://console.vast.ai/api/v0';

/** Vast.ai's answers when the offer was taken or withdrawn between search and rent. */
const NO_CAPACITY = /no_such_ask|not available|no longer available|already rented|unavailable|insufficient/i;

const HostPort = z.array(z.object({ HostPort: z.union([z.string(), z.number()]).nullish() }).loose());

const InstanceSchema = z.object({
  id: z.union([z.number(), z.string().min(1)]),
  label: z.string().nullish(),
  actual_status: z.string().nullish(),
  intended_status: z.string().nullish(),
  status_msg: z.string().nullish(),
  ssh_host: z.string().nullish(),
  ssh_port: z.number().nullish(),
  public_ipaddr: z.string().nullish(),
  /** Docker's mapping, `{"8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": "41234"}]}`; other shapes are ignored. */
  ports: z.record(z.string(), HostPort).nullish().catch(null),
  /** Percent. */
  gpu_util: z.number().nullish().catch(null),
  /** Epoch seconds. */
  start_date: z.number().nullish().catch(null),
});
type Instance = z.infer<typeof InstanceSchema>;

/** The Worker lists Vast.ai offers as `<ask id>:<on_demand|interruptible>`. */
export function askIdOf(offerExternalId: string): string | null {
  const id = offerExternalId.split(':')[0] ?? '';
  return /^\d+$/.test(id) ? id : null;
}

/** The body documented for PUT /asks/{id}/. */
export function vastCreateBody(request: ProvisionRequest): Record<string, unknown> {
  const { spec, target } = request;
  const env: Record<string, string> = { ...spec.env };
  // Vast.ai takes port mappings as env keys.
  for (const port of spec.ports ?? []) env[`-p ${port}:${port}`] = '1';
  return {
    image: spec.image,
    label: request.name,
    disk: spec.diskGb ?? 20,
    env,
    ...(spec.command && spec.command.length > 0 ? { runtype: 'args', args: spec.command } : { runtype: 'ssh_direct' }),
    ...(target.pricing !== 'on_demand' && target.bidPricePerHourUsd !== undefined ? { price: target.bidPricePerHourUsd } : {}),
  };
}

function statusOf(instance: Instance): { status: PodStatus; detail?: string } {
  const actual = instance.actual_status ?? null;
  const intended = instance.intended_status ?? 'running';
  switch (actual) {
    case null:
    case 'created':
    case 'loading':
    case 'scheduling':
    case 'rebooting':
      return { status: intended === 'stopped' ? 'stopped' : 'provisioning' };
    case 'running':
      return { status: 'running' };
    case 'stopped':
    case 'frozen':
      return { status: 'stopped' };
    case 'exited':
      return { status: 'stopped', detail: 'container exited' };
    case 'offline':
    case 'unknown':
      // The host stopped reporting; keep the intended state rather than failing the deployment on a blip.
      return { status: intended === 'stopped' ? 'stopped' : 'running', detail: `host ${actual}` };
    default:
      return { status: 'provisioning', detail: actual };
  }
}

export class VastAiProvider implements PodProvider {
  readonly id = ID;
  readonly canStopStart = true;

  constructor(
    private readonly http: ProviderHttp,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  private call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    return callProvider(ID, this.http, method, path, { body });
  }

  private toPod(raw: unknown): ProviderPod {
    const parsed = InstanceSchema.safeParse(raw);
    if (!parsed.success) throw new ProviderError(ID, 'bad_response', `instance is not in the documented shape: ${z.prettifyError(parsed.error)}`);
    const instance = parsed.data;
    const { status, detail } = statusOf(instance);
    const pod: ProviderPod = { podId: String(instance.id), name: instance.label ?? '', status, ...(detail ? { detail } : {}) };
    if (status === 'running') {
      const mapped = (port: string): number | undefined => {
        const hostPort = Number(instance.ports?.[port]?.[0]?.HostPort);
        return Number.isInteger(hostPort) && hostPort > 0 ? hostPort : undefined;
      };
      const directSsh = mapped('22/tcp');
      const httpEntry = Object.keys(instance.ports ?? {}).find((key) => key !== '22/tcp' && key.endsWith('/tcp'));
      const httpPort = httpEntry ? mapped(httpEntry) : undefined;
      pod.connection = {
        // Direct SSH when the machine maps port 22, else Vast.ai's SSH proxy.
        ...(directSsh && instance.public_ipaddr
          ? { sshHost: instance.public_ipaddr, sshPort: directSsh }
          : { ...(instance.ssh_host ? { sshHost: instance.ssh_host } : {}), ...(instance.ssh_port ? { sshPort: instance.ssh_port } : {}) }),
        ...(httpPort && instance.public_ipaddr ? { httpUrl: `http://${instance.public_ipaddr}:${httpPort}` } : {}),
      };
      if (typeof instance.gpu_util === 'number') pod.gpuUtilization = Math.min(1, Math.max(0, instance.gpu_util / 100));
      if (typeof instance.start_date === 'number') pod.uptimeSeconds = Math.max(0, Math.floor(this.clock.now() / 1000 - instance.start_date));
    }
    return pod;
  }

  async provision(request: ProvisionRequest): Promise<ProviderPod> {
    const askId = askIdOf(request.target.offerExternalId);
    if (!askId) {
      throw new ProviderError(ID, 'invalid', 'expected "<ask id>:<pricing>"', { field: 'body.target.offerExternalId' });
    }
    if (request.target.pricing !== 'on_demand' && request.target.bidPricePerHourUsd === undefined) {
      throw new ProviderError(ID, 'invalid', 'an interruptible Vast.ai instance needs a bid', { field: 'body.target.bidPricePerHourUsd' });
    }
    let created: unknown;
    try {
      created = await this.call('PUT', `/asks/${askId}/`, vastCreateBody(request));
    } catch (err) {
      // The ask is gone (404), taken (409) or refused with a capacity message: another offer may work.
      const taken = err instanceof ProviderError && (err.kind === 'not_found' || (err.kind === 'rejected' && (err.extra.status === 409 || NO_CAPACITY.test(err.message))));
      if (taken) {
        throw reclassify(err as ProviderError, 'no_capacity');
      }
      throw err;
    }
    const result = z.object({ success: z.boolean().nullish(), new_contract: z.union([z.number(), z.string().min(1)]).nullish(), msg: z.string().nullish() }).safeParse(created);
    if (!result.success || !result.data.new_contract) {
      const msg = result.success ? (result.data.msg ?? 'no new_contract in the answer') : 'answer is not an object';
      throw new ProviderError(ID, NO_CAPACITY.test(msg) ? 'no_capacity' : 'bad_response', msg);
    }
    const podId = String(result.data.new_contract);
    if (request.spec.sshPublicKey) await this.attachKey(podId, request.spec.sshPublicKey);
    return { podId, name: request.name, status: 'provisioning' };
  }

  /** Best effort: the instance exists either way, and the account's own keys still work. */
  private async attachKey(podId: string, key: string): Promise<void> {
    try {
      await this.call('POST', `/instances/${podId}/ssh/`, { ssh_key: key });
    } catch (err) {
      this.log('warn', 'vastai: could not attach the SSH key', { podId, error: err instanceof Error ? err.message : String(err) });
    }
  }

  async status(podId: string): Promise<ProviderPod | null> {
    let body: unknown;
    try {
      body = await this.call('GET', `/instances/${encodeURIComponent(podId)}/`);
    } catch (err) {
      if (err instanceof ProviderError && err.kind === 'not_found') return null;
      throw err;
    }
    // Documented as `{ instances: {...} }`; a list or null also appear in the wild.
    const wrapped = (body as { instances?: unknown } | null)?.instances;
    const instance = Array.isArray(wrapped) ? wrapped[0] : wrapped;
    return instance ? this.toPod(instance) : null;
  }

  async stop(podId: string): Promise<void> {
    await this.call('PUT', `/instances/${encodeURIComponent(podId)}/`, { state: 'stopped' });
  }

  async start(podId: string): Promise<void> {
    await this.call('PUT', `/instances/${encodeURIComponent(podId)}/`, { state: 'running' });
  }

  async terminate(podId: string): Promise<void> {
    await this.call('DELETE', `/instances/${encodeURIComponent(podId)}/`);
  }

  async list(): Promise<ProviderPod[]> {
    const body = await this.call('GET', '/instances/');
    const instances = (body as { instances?: unknown } | null)?.instances;
    if (!Array.isArray(instances)) throw new ProviderError(ID, 'bad_response', 'expected { instances: [...] }');
    return instances.filter((i) => isOurs((i as { label?: unknown } | null)?.label as string | undefined)).map((i) => this.toPod(i));
  }
}
