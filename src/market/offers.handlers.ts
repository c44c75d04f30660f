// Offer endpoints: search and fetch, read from D1 through the request's read session.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { getGpuModel } from '../catalog/gpus';
import { notFound } from '../http/problem';
import { iso } from '../http/time';
import { microToUsd } from '../money';
import { buildOfferSearch, nextCursorFor, OFFER_COLUMNS, type OfferRow } from './offers.query';
import type { getOfferRoute, listOffersRoute } from './offers.routes';

/**
 * A stored offer row as the API shows it: decimal USD, ISO times, its age at response time, and value
 * metrics from the GPU registry's specs (null for a GPU the registry does not know).
 */
export function toApiOffer(row: OfferRow, now: number) {
  const spec = getGpuModel(row.gpu_model);
  return {
    id: row.id,
    provider: row.provider,
    externalId: row.external_id,
    gpuModel: row.gpu_model,
    rawGpuName: row.raw_gpu_name,
    gpuCount: row.gpu_count,
    vramGbPerGpu: row.vram_gb_per_gpu,
    totalVramGb: row.total_vram_gb,
    vcpus: row.vcpus,
    ramGb: row.ram_gb,
    storageGb: row.storage_gb,
    pricePerHourUsd: microToUsd(row.price_per_hour_micro),
    pricePerGpuHourUsd: microToUsd(row.price_per_gpu_hour_micro),
    pricePerFp16TflopHourUsd: spec && spec.fp16Tflops > 0 ? microToUsd(Math.round(row.price_per_hour_micro / (spec.fp16Tflops * row.gpu_count))) : null,
    pricePerVramGbHourUsd: spec && row.total_vram_gb > 0 ? microToUsd(Math.round(row.price_per_hour_micro / row.total_vram_gb)) : null,
    pricing: row.pricing,
    region: row.region,
    country: row.country,
    availability: row.availability,
    interconnect: row.interconnect,
    source: row.source,
    observedAt: iso(row.observed_at),
    ageSeconds: Math.max(0, Math.floor((now - row.observed_at) / 1000)),
    firstSeenAt: iso(row.first_seen_at),
    changedAt: iso(row.changed_at),
  };
}

export const listOffers: RouteHandler<typeof listOffersRoute, AppEnv> = async (c) => {
  const now = Date.now();
  const search = buildOfferSearch(c.req.valid('query'), now);
  const { results } = await c.var.readDb.prepare(search.sql).bind(...search.params).all<OfferRow>();
  const page = results.slice(0, search.limit);
  const last = page[page.length - 1];
  const nextCursor = results.length > search.limit && last ? nextCursorFor(search, last) : null;
  return c.json({ data: page.map((row) => toApiOffer(row, now)), nextCursor }, 200);
};

export const getOffer: RouteHandler<typeof getOfferRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const row = await c.var.readDb.prepare(`SELECT ${OFFER_COLUMNS} FROM offers WHERE id = ?1`).bind(id).first<OfferRow>();
  if (!row) throw notFound(`no offer ${id}`);
  return c.json(toApiOffer(row, Date.now()), 200);
};
