import { describe, expect, it } from 'vitest';
import { emptyFilters } from '../src/lib/offers-query';
import { appendPage, applySnapshot, applyToOfferSet, cheapestByModel, mergeChanges, tableFromOffers } from '../src/lib/offers-table';
import { change, offer } from './fixtures';

const T0 = '2026-05-01T12:00:00.000Z';
const T1 = '2026-05-01T12:01:00.000Z';
const NOW = Date.parse('2026-05-01T12:01:05Z');

const a = offer({ id: 'ofr_a000000000000', pricePerGpuHourUsd: 1.0, pricePerHourUsd: 1.0 });
const b = offer({ id: 'ofr_b000000000000', pricePerGpuHourUsd: 2.0, pricePerHourUsd: 2.0 });
const c = offer({ id: 'ofr_c000000000000', pricePerGpuHourUsd: 3.0, pricePerHourUsd: 3.0 });

describe('merging live changes into the market table', () => {
  it('updates a changed row in place, remembering the direction and time of the change, and moves no row', () => {
    const state = tableFromOffers([a, b, c]);
    const next = mergeChanges(state, [change({ ...b, pricePerGpuHourUsd: 2.4, pricePerHourUsd: 2.4, observedAt: T1 })], emptyFilters(), NOW);
    expect(next.rows.map((r) => r.offer.id)).toEqual([a.id, b.id, c.id]);
    expect(next.rows[1]).toEqual({ offer: expect.objectContaining({ pricePerGpuHourUsd: 2.4 }), change: { dir: 1, at: NOW }, left: false });
    expect(next.rows[0]).toBe(state.rows[0]);
    const down = mergeChanges(next, [change({ ...c, pricePerGpuHourUsd: 2.9, observedAt: T1 })], emptyFilters(), NOW + 1);
    expect(down.rows[2]!.change).toEqual({ dir: -1, at: NOW + 1 });
  });

  it('is harmless when the same change arrives twice, and ignores a state older than the row', () => {
    const once = mergeChanges(tableFromOffers([a, b]), [change({ ...a, pricePerGpuHourUsd: 0.9, observedAt: T1 })], emptyFilters(), NOW);
    const twice = mergeChanges(once, [change({ ...a, pricePerGpuHourUsd: 0.9, observedAt: T1 })], emptyFilters(), NOW + 500);
    expect(twice.rows[0]).toEqual(once.rows[0]);
    const stale = mergeChanges(once, [change({ ...a, pricePerGpuHourUsd: 5, observedAt: '2026-05-01T11:00:00.000Z' })], emptyFilters(), NOW + 900);
    expect(stale.rows[0]!.offer.pricePerGpuHourUsd).toBe(0.9);
  });

  it('marks rows that leave the view (removed, unavailable, over the price limit) instead of removing them', () => {
    const filters = { ...emptyFilters(), maxPricePerGpuHour: 2.5 };
    const state = tableFromOffers([a, b, c]);
    const next = mergeChanges(
      state,
      [change({ ...a, availability: 'unavailable', observedAt: T1 }), change({ ...b, pricePerGpuHourUsd: 2.6, observedAt: T1 }), change({ ...c, observedAt: T1 }, 'removed', false)],
      filters,
      NOW,
    );
    expect(next.rows.map((r) => [r.offer.id, r.left])).toEqual([[a.id, true], [b.id, true], [c.id, true]]);
    expect(next.rows[0]!.change).toEqual({ dir: 0, at: NOW }); // availability moved, price did not
  });

  it('counts offers that enter the view without inserting them, and forgets ones that leave again', () => {
    const state = tableFromOffers([a]);
    const d = offer({ id: 'ofr_d000000000000', observedAt: T1 });
    const entered = mergeChanges(state, [change(d, 'added')], emptyFilters(), NOW);
    expect(entered.rows).toHaveLength(1);
    expect([...entered.entered]).toEqual([d.id]);
    const left = mergeChanges(entered, [change({ ...d, gpuModel: 'A100-80GB' })], { ...emptyFilters(), gpu: ['H100-80GB'] }, NOW);
    expect(left.entered.size).toBe(0);
    // Loading the page that holds it clears the prompt for it.
    expect(appendPage(entered, [d]).entered.size).toBe(0);
  });

  it('applies a snapshot silently: newer states replace rows, no flash', () => {
    const state = tableFromOffers([a, b]);
    const next = applySnapshot(state, [{ ...a, pricePerGpuHourUsd: 1.1, observedAt: T1 }, c]);
    expect(next.rows.map((r) => r.offer.pricePerGpuHourUsd)).toEqual([1.1, 2.0]);
    expect(next.rows[0]!.change).toBeNull();
    expect(applySnapshot(state, [{ ...a, observedAt: '2026-05-01T11:00:00.000Z' }])).toBe(state);
  });

  it('appends a next page without repeating offers already shown', () => {
    const next = appendPage(tableFromOffers([a, b]), [b, c]);
    expect(next.rows.map((r) => r.offer.id)).toEqual([a.id, b.id, c.id]);
  });
});

describe('the landing ticker', () => {
  it('keeps a live set from a snapshot and changes, and finds the cheapest listed offer per model', () => {
    const set = new Map([a, b].map((o) => [o.id, o]));
    applyToOfferSet(set, [change({ ...a, observedAt: T0 }, 'removed', false), change({ ...c, pricePerGpuHourUsd: 0.5, observedAt: T1 }, 'added')]);
    expect([...set.keys()].sort()).toEqual([b.id, c.id]);
    expect(cheapestByModel(set.values()).get('H100-80GB')!.id).toBe(c.id);
    applyToOfferSet(set, [change({ ...c, pricePerGpuHourUsd: 0.5, observedAt: T1 }, 'changed', false)]);
    expect(cheapestByModel(set.values()).get('H100-80GB')!.id).toBe(b.id);
    expect(cheapestByModel([{ ...a, availability: 'unavailable' }]).size).toBe(0);
  });
});
