// Route declarations of deployments: validation and OpenAPI from the same schemas.
import { createRoute, z } from '@hono/zod-openapi';
import { idempotency } from '../http/idempotency';
import { problemResponses } from '../http/openapi';
import { requireRole } from '../tenancy/auth.middleware';
import { nextCursorField, pageQueryFields } from '../tenancy/paging';
import { STATUSES } from './state';

const TAGS = ['Deployments'];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export const CreateDeploymentBodySchema = z
  .object({
    offerId: z.string().regex(/^ofr_[0-9a-z]{13}$/, 'an offer id looks like ofr_ followed by 13 characters').openapi({ example: 'ofr_1x2y3z4w5v6u7' }),
    name: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, space, dot, dash, underscore').openapi({ example: 'llama-finetune' }),
    image: z.string().trim().min(1).max(256).regex(/^[\x21-\x7e]+$/, 'an image reference, e.g. pytorch/pytorch:2.4.0-cuda12.4-cudnn9-runtime'),
    command: z.array(z.string().max(1024)).min(1).max(32).optional(),
    env: z
      .record(z.string().regex(ENV_NAME, 'names are letters, digits and _, not starting with a digit'), z.string().max(4096))
      .refine((e) => Object.keys(e).length <= 64, 'at most 64 variables')
      .optional()
      .openapi({ description: 'Secrets: stored encrypted (AES-GCM), passed only to the pod, never returned or logged.' }),
    ports: z.array(z.number().int().min(1).max(65535)).max(16).optional(),
    sshPublicKey: z.string().max(4096).regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=*( .*)?$/, 'an OpenSSH public key').optional(),
    diskGb: z.number().int().min(1).max(10_000).optional(),
    maxHours: z.number().positive().max(8760).optional().openapi({ description: 'Stop the pod after this many running hours.' }),
    maxSpendUsd: z.number().positive().max(1_000_000).optional().openapi({ description: 'Stop the pod when its cost reaches this.' }),
    failover: z
      .object({
        enabled: z.boolean(),
        maxPricePerGpuHour: z.number().positive().max(10_000).optional(),
        sameGpuModel: z.literal(true).optional().default(true),
      })
      .strict()
      .optional()
      .openapi({ description: 'On no capacity or preemption, try the next best live offer of the same GPU model and count (up to 3 offers).' }),
  })
  .strict();

export const ConnectionSchema = z.object({ sshHost: z.string().optional(), sshPort: z.number().optional(), httpUrl: z.string().optional() }).nullable();

export const DeploymentSchema = z
  .object({
    id: z.string().openapi({ example: 'dep_abcdefghijklmnop' }),
    name: z.string(),
    status: z.enum(STATUSES),
    statusReason: z.string().nullable(),
    statusSince: z.string(),
    offerId: z.string(),
    provider: z.string(),
    region: z.string(),
    gpuModel: z.string(),
    gpuCount: z.number().int(),
    pricing: z.string(),
    quotedPricePerHourUsd: z.number().openapi({ description: 'Locked at creation; billing uses it.' }),
    image: z.string(),
    command: z.array(z.string()).nullable(),
    ports: z.array(z.number()),
    diskGb: z.number().nullable(),
    hasSshKey: z.boolean(),
    envKeys: z.array(z.string()).nullable().openapi({ description: 'Names of the env variables (never their values).' }),
    maxHours: z.number().nullable(),
    maxSpendUsd: z.number().nullable(),
    failover: z.object({ enabled: z.boolean(), maxPricePerGpuHourUsd: z.number().nullable(), sameGpuModel: z.boolean() }).nullable(),
    offerAttempts: z.number().int(),
    podId: z.string().nullable(),
    connection: ConnectionSchema,
    gpuUtilization: z.number().nullable(),
    uptimeSeconds: z.number().int(),
    costSoFarUsd: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
    runningSince: z.string().nullable(),
  })
  .openapi('Deployment');

export const DeploymentEventSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    reason: z.string().nullable(),
    detail: z.string().nullable(),
    source: z.string(),
  })
  .openapi('DeploymentEvent');

const IdParams = z.object({
  id: z
    .string()
    .regex(/^dep_[0-9a-z]{16}$/, 'a deployment id looks like dep_ followed by 16 characters')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'dep_abcdefghijklmnop' }),
});

const DeploymentWithEvents = DeploymentSchema.extend({ events: z.array(DeploymentEventSchema) }).openapi('DeploymentWithEvents');

export const createDeploymentRoute = createRoute({
  method: 'post',
  path: '/v1/deployments',
  tags: TAGS,
  summary: 'Deploy a pod on an offer',
  description:
    'Members and up; requires `Idempotency-Key`. The offer must be listed and observed within 10 minutes; its price is locked. ' +
    'Answers 202 at once: a queue job provisions the pod, and the status moves pending → provisioning → running.',
  middleware: [requireRole('member'), idempotency({ required: true })],
  request: { body: { required: true, content: { 'application/json': { schema: CreateDeploymentBodySchema } } } },
  responses: {
    202: { description: 'Accepted', content: { 'application/json': { schema: DeploymentSchema } } },
    ...problemResponses(400, 401, 402, 403, 409, 422),
  },
});

export const listDeploymentsRoute = createRoute({
  method: 'get',
  path: '/v1/deployments',
  tags: TAGS,
  summary: "The tenant's deployments, newest first",
  middleware: [requireRole('viewer')],
  request: { query: z.object({ ...pageQueryFields, status: z.enum(STATUSES).optional() }).strict() },
  responses: {
    200: { description: 'A page', content: { 'application/json': { schema: z.object({ data: z.array(DeploymentSchema), nextCursor: nextCursorField }) } } },
    ...problemResponses(400, 401, 403),
  },
});

export const getDeploymentRoute = createRoute({
  method: 'get',
  path: '/v1/deployments/{id}',
  tags: TAGS,
  summary: 'One deployment, with its recent events',
  middleware: [requireRole('viewer')],
  request: { params: IdParams },
  responses: {
    200: { description: 'The deployment', content: { 'application/json': { schema: DeploymentWithEvents } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

export const listEventsRoute = createRoute({
  method: 'get',
  path: '/v1/deployments/{id}/events',
  tags: TAGS,
  summary: "A deployment's events, oldest first",
  middleware: [requireRole('viewer')],
  request: { params: IdParams },
  responses: {
    200: { description: 'Every event', content: { 'application/json': { schema: z.object({ data: z.array(DeploymentEventSchema) }) } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

const actionRoute = (action: 'stop' | 'start', summary: string) =>
  createRoute({
    method: 'post',
    path: `/v1/deployments/{id}/${action}`,
    tags: TAGS,
    summary,
    description: 'Members and up. 409 when the deployment is not in a state that allows it.',
    middleware: [requireRole('member')],
    request: { params: IdParams },
    responses: {
      202: { description: 'Accepted', content: { 'application/json': { schema: DeploymentSchema } } },
      ...problemResponses(400, 401, 403, 404, 409),
    },
  });

export const stopDeploymentRoute = actionRoute('stop', 'Stop a running pod');
export const startDeploymentRoute = actionRoute('start', 'Start a stopped pod (where the provider can resume it)');

export const terminateDeploymentRoute = createRoute({
  method: 'delete',
  path: '/v1/deployments/{id}',
  tags: TAGS,
  summary: 'Terminate a deployment',
  description: 'Members and up. The pod is destroyed; 409 once it is terminated or failed.',
  middleware: [requireRole('member')],
  request: { params: IdParams },
  responses: {
    202: { description: 'Accepted', content: { 'application/json': { schema: DeploymentSchema } } },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});
