// Wires the market routes (offers, GPUs, providers) into the app.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { getGpu, gpuHistory, listGpus } from './gpus.handlers';
import { getGpuRoute, gpuHistoryRoute, listGpusRoute } from './gpus.routes';
import { getOffer, listOffers } from './offers.handlers';
import { getOfferRoute, listOffersRoute } from './offers.routes';
import { listProviders } from './providers.handlers';
import { listProvidersRoute } from './providers.routes';

export function registerMarket(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listOffersRoute, listOffers);
  app.openapi(getOfferRoute, getOffer);
  app.openapi(listGpusRoute, listGpus);
  app.openapi(getGpuRoute, getGpu);
  app.openapi(gpuHistoryRoute, gpuHistory);
  app.openapi(listProvidersRoute, listProviders);
}
