// The market table's rows and how live changes merge into them. Rows never move or disappear on a
// live change (no layout shift while someone reads): a changed row keeps its place and remembers the
// direction and time of its change (the flash); a row that leaves the view is marked, not removed;
// offers that newly enter the view are counted for a "new offers" prompt instead of being inserted.
// Applying the same change twice is harmless, and an older state never overwrites a newer one. Pure.
import { matchesFilters, type OfferFilters } from './offers-query';
import { priceDirection } from './format';
import type { LiveChange, Offer } from './types';

export interface TableRow {
  offer: Offer;
  /** The last live change: price direction (0: availability only) and when it was applied (ms). */
  change: { dir: -1 | 0 | 1; at: number } | null;
  /** No longer in the view (removed, unavailable, or now outside the filters). */
  left: boolean;
}

export interface TableState {
  rows: TableRow[];
  /** Offers that entered the view after the rows were loaded. */
  entered: ReadonlySet<string>;
}

export function tableFromOffers(offers: readonly Offer[], previous?: TableState): TableState {
  return { rows: offers.map((offer) => ({ offer, change: null, left: false })), entered: previous?.entered ?? new Set() };
}

/** Appends a further page, skipping offers already shown (a live change can move one across pages). */
export function appendPage(state: TableState, offers: readonly Offer[]): TableState {
  const seen = new Set(state.rows.map((r) => r.offer.id));
  const fresh = offers.filter((o) => !seen.has(o.id));
  const entered = new Set(state.entered);
  for (const o of fresh) entered.delete(o.id);
  return { rows: [...state.rows, ...fresh.map((offer) => ({ offer, change: null, left: false }))], entered };
}

const newer = (a: Offer, b: Offer) => Date.parse(a.observedAt) >= Date.parse(b.observedAt);

export function mergeChanges(state: TableState, changes: readonly LiveChange[], filters: OfferFilters, now: number): TableState {
  if (changes.length === 0) return state;
  const index = new Map(state.rows.map((r, i) => [r.offer.id, i]));
  const rows = state.rows.slice();
  const entered = new Set(state.entered);
  for (const c of changes) {
    const visible = c.kind !== 'removed' && matchesFilters(c.offer, filters, now);
    const i = index.get(c.offerId);
    if (i === undefined) {
      if (visible) entered.add(c.offerId);
      else entered.delete(c.offerId);
      continue;
    }
    const row = rows[i]!;
    if (!newer(c.offer, row.offer)) continue;
    const dir = priceDirection(row.offer.pricePerGpuHourUsd, c.offer.pricePerGpuHourUsd);
    const moved = dir !== 0 || row.offer.availability !== c.offer.availability;
    rows[i] = { offer: c.offer, change: moved ? { dir, at: now } : row.change, left: !visible };
  }
  return { rows, entered };
}

/** A snapshot's offers refresh the rows they match, silently (it is the state, not a change). */
export function applySnapshot(state: TableState, offers: readonly Offer[]): TableState {
  const byId = new Map(offers.map((o) => [o.id, o]));
  let touched = false;
  const rows = state.rows.map((r) => {
    const o = byId.get(r.offer.id);
    if (!o || !newer(o, r.offer) || o === r.offer) return r;
    touched = true;
    return { ...r, offer: o };
  });
  return touched ? { rows, entered: state.entered } : state;
}

/** The cheapest listed price per GPU-hour per model among offers, for the landing ticker. */
export function cheapestByModel(offers: Iterable<Offer>): Map<string, Offer> {
  const best = new Map<string, Offer>();
  for (const o of offers) {
    if (o.availability === 'unavailable') continue;
    const b = best.get(o.gpuModel);
    if (!b || o.pricePerGpuHourUsd < b.pricePerGpuHourUsd) best.set(o.gpuModel, o);
  }
  return best;
}

/** A live offer set (snapshot + changes), keyed by id: what the landing ticker watches. */
export function applyToOfferSet(set: Map<string, Offer>, changes: readonly LiveChange[]): void {
  for (const c of changes) {
    const current = set.get(c.offerId);
    if (current && !newer(c.offer, current)) continue;
    if (c.kind === 'removed' || !c.inView) set.delete(c.offerId);
    else set.set(c.offerId, c.offer);
  }
}
