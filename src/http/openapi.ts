// Shared OpenAPI pieces: the problem+json schema and response entries for error statuses.
import { z } from '@hono/zod-openapi';

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://gpubroker.dev/problems/invalid-request' }),
    title: z.string().openapi({ example: 'Invalid request' }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().optional().openapi({ example: 'invalid query.limit' }),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string().openapi({ example: 'query.limit' }), message: z.string() }))
      .optional(),
  })
  .openapi('Problem');

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: `errors` names each bad field',
  402: 'Payment required: not enough credit, or a spend cap would be exceeded',
  404: 'Not found',
  409: 'Conflict',
  426: 'Upgrade required',
  429: 'Too many requests',
  500: 'Internal error',
};

export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: DESCRIPTIONS[status] ?? 'Error', content: { 'application/problem+json': { schema: ProblemSchema } } },
    ]),
  ) as Record<number, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }>;
}
