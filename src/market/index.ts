// Wires the market routes (offers, GPUs, providers, analytics) into the app.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { gpuForecast, marketProviders, marketSummary } from './analytics.handlers';
import { gpuForecastRoute, marketProvidersRoute, marketSummaryRoute } from './analytics.routes';
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
  app.openapi(marketSummaryRoute, marketSummary);
  app.openapi(marketProvidersRoute, marketProviders);
  app.openapi(gpuForecastRoute, gpuForecast);
}
