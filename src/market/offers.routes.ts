// Route declarations of the offer endpoints (validation and OpenAPI from the same schemas).
import { createRoute } from '@hono/zod-openapi';
import { problemResponses } from '../http/openapi';
import { OfferIdParamsSchema, OfferPageSchema, OfferQuerySchema, OfferSchema } from './offers.schemas';

export const listOffersRoute = createRoute({
  method: 'get',
  path: '/v1/offers',
  tags: ['Market'],
  summary: 'Search GPU offers',
  description:
    'Offers from every provider, normalized. Filters combine with AND; lists within a filter with OR. ' +
    'Pages are keyset-paginated: pass `nextCursor` back as `cursor` with the same filters.',
  request: { query: OfferQuerySchema },
  responses: {
    200: { description: 'A page of offers', content: { 'application/json': { schema: OfferPageSchema } } },
    ...problemResponses(400),
  },
});

export const getOfferRoute = createRoute({
  method: 'get',
  path: '/v1/offers/{id}',
  tags: ['Market'],
  summary: 'One offer',
  request: { params: OfferIdParamsSchema },
  responses: {
    200: { description: 'The offer', content: { 'application/json': { schema: OfferSchema } } },
    ...problemResponses(400, 404),
  },
});

