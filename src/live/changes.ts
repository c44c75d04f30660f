// What an ingestion changed, in the shape live clients receive: offers added, prices and availability
// that moved (old → new), offers removed. Each change carries the offer's whole current state, so a
// client can apply a change it has already seen (after a snapshot or a replay) without harm.
import { microToUsd } from '../money';
import { iso } from '../http/time';
import { toApiOffer } from '../market/offers.handlers';
import type { OfferRow } from '../market/offers.query';
import { inChannel, matchesFilter, type Channel, type Filter, type OfferState } from './protocol';

export type ApiOffer = ReturnType<typeof toApiOffer>;
type Availability = OfferRow['availability'];

export interface LiveChange {
  kind: 'added' | 'changed' | 'removed';
  offerId: string;
  /** The offer after the change; for `removed`, its last state. */
  offer: ApiOffer;
  /** Present when the price moved. */
  price?: { oldPerGpuHourUsd: number; perGpuHourUsd: number; oldPerHourUsd: number; perHourUsd: number };
  /** Present when availability moved. */
  availability?: { old: Availability; new: Availability };
  observedAt: string;
}

/** The state of an offer before a change, as far as ingestion changes it. */
export interface PriorState {
  pricePerHourMicro: number;
  pricePerGpuHourMicro: number;
  availability: Availability;
}

/** A change from a stored offer row and what it was before (`null`: the offer is new). */
export function changeFromRow(row: OfferRow, prior: PriorState | null, now: number): LiveChange {
  const offer = toApiOffer(row, now);
  if (prior === null) return { kind: 'added', offerId: row.id, offer, observedAt: offer.observedAt };
  const change: LiveChange = { kind: 'changed', offerId: row.id, offer, observedAt: offer.observedAt };
  if (prior.pricePerHourMicro !== row.price_per_hour_micro) {
    change.price = {
      oldPerGpuHourUsd: microToUsd(prior.pricePerGpuHourMicro),
      perGpuHourUsd: offer.pricePerGpuHourUsd,
      oldPerHourUsd: microToUsd(prior.pricePerHourMicro),
      perHourUsd: offer.pricePerHourUsd,
    };
  }
  if (prior.availability !== row.availability) change.availability = { old: prior.availability, new: row.availability };
  return change;
}

/** An offer deleted from the market, with its last stored state. */
export function removalFromRow(row: OfferRow, now: number): LiveChange {
  const offer = toApiOffer(row, now);
  return { kind: 'removed', offerId: row.id, offer, observedAt: iso(now) };
}

function stateBefore(c: LiveChange): OfferState | null {
  if (c.kind === 'added') return null;
  return {
    ...c.offer,
    pricePerGpuHourUsd: c.price?.oldPerGpuHourUsd ?? c.offer.pricePerGpuHourUsd,
    availability: c.availability?.old ?? c.offer.availability,
  };
}

/**
 * Whether a subscription hears of a change: the offer is in the channel and passes the filter before
 * or after it (so a client also learns when an offer leaves its view).
 */
export function concerns(channel: Channel, filter: Filter | undefined, c: LiveChange): boolean {
  if (!inChannel(channel, c.offer.gpuModel, c.offer.provider)) return false;
  if (c.kind !== 'removed' && matchesFilter(filter, c.offer)) return true;
  const before = stateBefore(c);
  return before !== null && matchesFilter(filter, before);
}

/** Whether the offer passes the filter after the change (false for removals): the client keeps it in view. */
export function inView(filter: Filter | undefined, c: LiveChange): boolean {
  return c.kind !== 'removed' && c.offer.availability !== 'unavailable' && matchesFilter(filter, c.offer);
}
