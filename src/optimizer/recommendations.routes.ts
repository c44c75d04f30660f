// Route declaration of POST /v1/recommendations: validation and OpenAPI from the same schemas.
import { createRoute } from '@hono/zod-openapi';
import { problemResponses } from '../http/openapi';
import { RecommendationRequestSchema } from './request';
import { RecommendationResultSchema } from './response';

export const recommendRoute = createRoute({
  method: 'post',
  path: '/v1/recommendations',
  tags: ['Optimizer'],
  summary: 'Rank the live market for a workload',
  description:
    'Give raw needs (`gpuMemoryGb`, `gpuCount`, `minTflops`, `hours`) or describe the job (`kind`, `modelParamsB`, …); ' +
    'the workload model turns it into GPU memory, GPU count and run time per GPU model. Every listed offer observed in the last ' +
    '10 minutes that meets the constraints is ranked by TOPSIS on total job cost (with the expected cost of preemption on ' +
    'spot / interruptible offers), time to finish, price freshness, availability, provider reliability and interruption risk. ' +
    'Each offer is explained against its neighbour in the ranking; when nothing fits, `diagnosis` says which constraint ' +
    'excluded the most offers and what relaxing each would give. Anonymous callers are allowed (rate-limited). ' +
    '422 when no single instance could hold the workload.',
  request: { body: { required: true, content: { 'application/json': { schema: RecommendationRequestSchema } } } },
  responses: {
    200: { description: 'The ranking, or an empty one with a diagnosis', content: { 'application/json': { schema: RecommendationResultSchema } } },
    ...problemResponses(400, 422, 429),
  },
});
