// The body of POST /v1/jobs, validated with zod. Every bad field is named (`body.target.podId`) so
// a contract mismatch between the Worker and the agent shows up at once in the Worker's job log.
import { z } from 'zod';
import type { FieldError } from './problem';
import { PRICINGS, PROVIDER_IDS } from './providers/types';

export const JOB_ACTIONS = ['provision', 'stop', 'start', 'terminate'] as const;

/** Pod names are `gpubroker-<deploymentId>`; Lambda allows 64 characters and Vast.ai labels are free text. */
const DEPLOYMENT_ID = /^[A-Za-z0-9_.-]{1,54}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const TargetSchema = z.object({
  provider: z.enum(PROVIDER_IDS),
  offerExternalId: z.string().min(1).max(512),
  gpuModel: z.string().min(1).max(100),
  gpuCount: z.number().int().min(1).max(64),
  region: z.string().max(100),
  pricing: z.enum(PRICINGS),
  podId: z.string().min(1).max(200).optional(),
  bidPricePerHourUsd: z.number().positive().max(10_000).optional(),
});

const SpecSchema = z.object({
  name: z.string().min(1).max(200),
  image: z.string().min(1).max(500),
  command: z.array(z.string().max(10_000)).max(100).optional(),
  env: z
    .record(z.string().regex(ENV_NAME, 'env names are letters, digits and _, not starting with a digit'), z.string().max(32_768))
    .refine((env) => Object.keys(env).length <= 200, 'at most 200 variables')
    .optional(),
  ports: z.array(z.number().int().min(1).max(65_535)).max(20).optional(),
  sshPublicKey: z.string().min(1).max(16_384).optional(),
  diskGb: z.number().int().min(1).max(100_000).optional(),
});

export const JobSchema = z
  .object({
    jobId: z.string().min(1).max(200),
    deploymentId: z.string().regex(DEPLOYMENT_ID, 'letters, digits, _ . - and at most 54 characters'),
    action: z.enum(JOB_ACTIONS),
    attempt: z.number().int().min(0),
    callbackUrl: z.url({ protocol: /^https?$/ }),
    target: TargetSchema,
    spec: SpecSchema.optional(),
  })
  .superRefine((job, ctx) => {
    if (job.action === 'provision' && !job.spec) ctx.addIssue({ code: 'custom', path: ['spec'], message: 'required for provision' });
    if (job.action !== 'provision' && !job.target.podId) {
      ctx.addIssue({ code: 'custom', path: ['target', 'podId'], message: `required for ${job.action}` });
    }
  });

export type JobRequest = z.infer<typeof JobSchema>;

/** Field errors from a failed parse, prefixed with where the input came from (`body`, `query`). */
export function fieldErrors(error: z.ZodError, source: string): FieldError[] {
  return error.issues.flatMap((issue) => {
    const at = [source, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: [...at, key].join('.'), message: 'unknown field' }));
    return [{ field: at.join('.'), message: issue.message }];
  });
}
