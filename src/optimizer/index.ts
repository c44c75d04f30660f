// The optimizer domain: recommendations (workload model, TOPSIS, cost model). Other code calls
// `recommend()` directly with a request parsed by RecommendationRequestSchema.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { recommendHandler } from './recommendations.handlers';
import { recommendRoute } from './recommendations.routes';

export { recommend, type RecommendOptions } from './recommend';
export { RecommendationRequestSchema, type RecommendationRequest, DEFAULT_WEIGHTS, CRITERIA, type Criterion, type Weights } from './request';
export { RecommendationResultSchema, type RecommendationResult } from './response';

export function registerOptimizer(app: OpenAPIHono<AppEnv>): void {
  app.openapi(recommendRoute, recommendHandler);
}
