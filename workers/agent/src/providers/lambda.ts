// Lambda Cloud through its REST API (https://cloud.lambda.ai/api/v1, docs: https://docs-api.lambda.ai/api/cloud):
// POST /instance-operations/launch, GET /instances/{id}, GET /instances, POST
// /instance-operations/terminate. Lambda cannot stop or start an instance, so those jobs answer
// not_supported. Errors carry a stable `error.code`, which we classify on (never on the message).
import { z } from 'zod';
import { isOurs } from '../pods';
import { callProvider, reclassify, type ProviderHttp } from './http';
import { badEnvKeys, lambdaUserData } from './lambda-user-data';
import { ProviderError, type PodProvider, type PodStatus, type ProviderPod, type ProvisionRequest } from './types';

const ID = 'lambda';
export const LAMBDA_DEFAULT_URL = 'https://cloud.lambda.ai/api/v1';

const CAPACITY_CODES = new Set(['instance-operations/launch/insufficient-capacity', 'global/quota-exceeded']);
const NOT_FOUND_CODE = 'global/object-does-not-exist';

const InstanceSchema = z.object({
  id: z.string().min(1),
  name: z.string().nullish(),
  ip: z.string().nullish(),
  status: z.string(),
  jupyter_url: z.string().nullish(),
});

/** The Worker lists Lambda offers as `<instance type>:<region>`. */
export function instanceTypeOf(offerExternalId: string): string {
  const colon = offerExternalId.lastIndexOf(':');
  return colon > 0 ? offerExternalId.slice(0, colon) : offerExternalId;
}

function statusOf(status: string): { status: PodStatus; detail?: string; preempted?: boolean } {
  switch (status) {
    case 'booting':
      return { status: 'provisioning' };
    case 'active':
      return { status: 'running' };
    case 'unhealthy':
    case 'terminating':
      // Still billed and still there; a terminate follows up with its own event once it is gone.
      return { status: 'running', detail: status };
    case 'terminated':
      return { status: 'terminated' };
    case 'preempted':
      return { status: 'terminated', preempted: true };
    default:
      return { status: 'provisioning', detail: status };
  }
}

export class LambdaProvider implements PodProvider {
  readonly id = ID;
  readonly canStopStart = false;

  constructor(
    private readonly http: ProviderHttp,
    /** LAMBDA_SSH_KEY_NAME: an SSH key already in the Lambda account, used when a job brings none. */
    private readonly defaultSshKeyName: string | undefined,
  ) {}

  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    try {
      return await callProvider(ID, this.http, method, path, { body });
    } catch (err) {
      if (err instanceof ProviderError && err.extra.providerCode === NOT_FOUND_CODE) throw reclassify(err, 'not_found');
      throw err;
    }
  }

  /** The payload of Lambda's `{ data: … }` envelope. */
  private data(body: unknown): unknown {
    if (!body || typeof body !== 'object' || !('data' in body)) throw new ProviderError(ID, 'bad_response', 'expected { data: … }');
    return (body as { data: unknown }).data;
  }

  private toPod(raw: unknown): ProviderPod {
    const parsed = InstanceSchema.safeParse(raw);
    if (!parsed.success) throw new ProviderError(ID, 'bad_response', `instance is not in the documented shape: ${z.prettifyError(parsed.error)}`);
    const instance = parsed.data;
    const { status, detail, preempted } = statusOf(instance.status);
    const pod: ProviderPod = { podId: instance.id, name: instance.name ?? '', status, ...(detail ? { detail } : {}), ...(preempted ? { preempted } : {}) };
    if (status === 'running' && instance.ip) {
      pod.connection = { sshHost: instance.ip, sshPort: 22, ...(instance.jupyter_url ? { httpUrl: instance.jupyter_url } : {}) };
    }
    return pod;
  }

  /** The job's key registered under the pod's name (once), else the configured account key. */
  private async sshKeyName(request: ProvisionRequest): Promise<string> {
    const publicKey = request.spec.sshPublicKey;
    if (!publicKey) {
      if (this.defaultSshKeyName) return this.defaultSshKeyName;
      throw new ProviderError(ID, 'invalid', 'Lambda needs an SSH key: send one or set LAMBDA_SSH_KEY_NAME on the agent', { field: 'body.spec.sshPublicKey' });
    }
    const keys = this.data(await this.call('GET', '/ssh-keys'));
    const existing = Array.isArray(keys) && keys.some((k) => (k as { name?: unknown } | null)?.name === request.name);
    if (!existing) await this.call('POST', '/ssh-keys', { name: request.name, public_key: publicKey });
    return request.name;
  }

  async provision(request: ProvisionRequest): Promise<ProviderPod> {
    const bad = badEnvKeys(request.spec.env);
    if (bad.length > 0) {
      throw new ProviderError(ID, 'invalid', 'env values for Lambda cannot hold line breaks', { field: `body.spec.env.${bad[0]}` });
    }
    const keyName = await this.sshKeyName(request);
    let launched: unknown;
    try {
      launched = await this.call('POST', '/instance-operations/launch', {
        region_name: request.target.region,
        instance_type_name: instanceTypeOf(request.target.offerExternalId),
        ssh_key_names: [keyName],
        name: request.name,
        quantity: 1,
        user_data: lambdaUserData(request.spec),
      });
    } catch (err) {
      if (err instanceof ProviderError && err.extra.providerCode && CAPACITY_CODES.has(err.extra.providerCode)) throw reclassify(err, 'no_capacity');
      throw err;
    }
    const ids = (this.data(launched) as { instance_ids?: unknown } | null)?.instance_ids;
    const podId = Array.isArray(ids) && typeof ids[0] === 'string' ? ids[0] : null;
    if (!podId) throw new ProviderError(ID, 'bad_response', 'launch answered without instance_ids');
    return { podId, name: request.name, status: 'provisioning' };
  }

  async status(podId: string): Promise<ProviderPod | null> {
    try {
      return this.toPod(this.data(await this.call('GET', `/instances/${encodeURIComponent(podId)}`)));
    } catch (err) {
      if (err instanceof ProviderError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  async stop(): Promise<void> {
    throw new ProviderError(ID, 'not_supported', 'Lambda instances cannot be stopped, only terminated');
  }

  async start(): Promise<void> {
    throw new ProviderError(ID, 'not_supported', 'Lambda instances cannot be stopped or started, only terminated');
  }

  async terminate(podId: string): Promise<void> {
    await this.call('POST', '/instance-operations/terminate', { instance_ids: [podId] });
  }

  async list(): Promise<ProviderPod[]> {
    const instances = this.data(await this.call('GET', '/instances'));
    if (!Array.isArray(instances)) throw new ProviderError(ID, 'bad_response', 'expected { data: [...] }');
    return instances
      .filter((i) => isOurs((i as { name?: unknown } | null)?.name as string | undefined))
      .map((i) => this.toPod(i))
      .filter((p) => p.status !== 'terminated');
  }
}
