// The pure parts of live prices: channel names, filters, which changes a subscription hears of, and
// how an ingestion's changes are split among rooms.
import { describe, expect, it } from 'vitest';
import { changeFromRow, concerns, inView, removalFromRow, type LiveChange } from '../../src/live/changes';
import { canonicalChannel, FilterSchema, homeRoomFor, roomServes } from '../../src/live/protocol';
import { roomsFor } from '../../src/live/publish';
import type { OfferRow } from '../../src/market/offers.query';
import { NOW, offerRow } from './fixtures';

const priced = (from: number, to: number, overrides: Partial<OfferRow> = {}): LiveChange =>
  changeFromRow(
    offerRow({ price_per_hour_micro: to, price_per_gpu_hour_micro: to, ...overrides }),
    { pricePerHourMicro: from, pricePerGpuHourMicro: from, availability: 'available' },
    NOW,
  );

describe('channels', () => {
  it('accepts market, GPU models by name or alias, and providers, case-insensitively', () => {
    expect(canonicalChannel('market')).toBe('market');
    expect(canonicalChannel('gpu:H100-80GB')).toBe('gpu:H100-80GB');
    expect(canonicalChannel('gpu:h100-80gb')).toBe('gpu:H100-80GB');
    expect(canonicalChannel('provider:RunPod')).toBe('provider:runpod');
  });

  it('refuses names that are not channels', () => {
    for (const bad of ['', 'markets', 'gpu:', 'gpu:nope-9000', 'provider:aws', 'region:us', 'H100-80GB']) expect(canonicalChannel(bad)).toBeNull();
  });

  it('puts a one-channel connection in that channel\'s room and any other in the market room', () => {
    expect(homeRoomFor(['gpu:A100-80GB'])).toBe('gpu:A100-80GB');
    expect(homeRoomFor(['gpu:A100-80GB', 'gpu:A100-80GB'])).toBe('gpu:A100-80GB');
    expect(homeRoomFor(['gpu:A100-80GB', 'provider:sim'])).toBe('market');
    expect(roomServes('market', 'provider:sim')).toBe(true);
    expect(roomServes('gpu:A100-80GB', 'provider:sim')).toBe(false);
    expect(roomServes('gpu:A100-80GB#test', 'gpu:A100-80GB')).toBe(true);
  });
});

describe('filters', () => {
  it('canonicalizes GPU names, providers and countries', () => {
    const f = FilterSchema.parse({ gpuModels: ['h100-80gb', 'H100-80GB'], providers: ['RunPod'], countries: ['us'] });
    expect(f).toEqual({ gpuModels: ['H100-80GB'], providers: ['runpod'], countries: ['US'] });
  });

  it('refuses unknown fields, unknown GPUs and an empty GPU-count range', () => {
    expect(FilterSchema.safeParse({ maxPrice: 3 }).success).toBe(false);
    expect(FilterSchema.safeParse({ gpuModels: ['Z9000'] }).success).toBe(false);
    expect(FilterSchema.safeParse({ minGpuCount: 4, maxGpuCount: 2 }).success).toBe(false);
  });
});

describe('which changes a subscription hears of', () => {
  const filter = { maxPricePerGpuHour: 3 };

  it('a price move inside the filter, in view', () => {
    const c = priced(2_500_000, 2_400_000);
    expect(concerns('gpu:H100-80GB', filter, c)).toBe(true);
    expect(inView(filter, c)).toBe(true);
    expect(c.price).toEqual({ oldPerGpuHourUsd: 2.5, perGpuHourUsd: 2.4, oldPerHourUsd: 2.5, perHourUsd: 2.4 });
  });

  it('an offer leaving the filter, marked out of view', () => {
    const c = priced(2_500_000, 3_500_000);
    expect(concerns('market', filter, c)).toBe(true);
    expect(inView(filter, c)).toBe(false);
  });

  it('not an offer outside the filter before and after, nor one of another channel', () => {
    expect(concerns('market', filter, priced(3_500_000, 3_600_000))).toBe(false);
    expect(concerns('gpu:A100-80GB', undefined, priced(1, 2))).toBe(false);
    expect(concerns('provider:lambda', undefined, priced(1, 2))).toBe(false);
    expect(concerns('provider:runpod', undefined, priced(1, 2))).toBe(true);
  });

  it('an availability change, and a removal, with what they were', () => {
    const gone = changeFromRow(offerRow({ availability: 'unavailable' }), { pricePerHourMicro: 2_500_000, pricePerGpuHourMicro: 2_500_000, availability: 'limited' }, NOW);
    expect(gone.availability).toEqual({ old: 'limited', new: 'unavailable' });
    expect(gone.price).toBeUndefined();
    expect(concerns('market', filter, gone)).toBe(true);
    expect(inView(filter, gone)).toBe(false);
    const removed = removalFromRow(offerRow(), NOW);
    expect(removed.kind).toBe('removed');
    expect(concerns('market', filter, removed)).toBe(true);
    expect(inView(filter, removed)).toBe(false);
  });
});

describe('rooms of an ingestion', () => {
  it('sends each change to the market, its GPU and its provider; unknown GPUs only to the first and last', () => {
    const a = priced(1, 2);
    const b = changeFromRow(offerRow({ id: 'ofr_bbbbbbbbbbbbb', gpu_model: 'unknown', provider: 'sim' }), null, NOW);
    const rooms = roomsFor({ kind: 'changes', changes: [a, b] }, NOW);
    expect([...rooms.keys()].sort()).toEqual(['gpu:H100-80GB', 'market', 'provider:runpod', 'provider:sim']);
    expect(rooms.get('market')!.changes).toEqual([a, b]);
    expect(rooms.get('provider:sim')!.changes).toEqual([b]);
    expect(rooms.get('market')!.committedAt).toBe(NOW);
  });

  it('a resync names every touched room and carries no changes', () => {
    const rooms = roomsFor({ kind: 'resync', gpuModels: new Set(['L4']), providers: new Set(['sim']) }, NOW);
    expect([...rooms.keys()].sort()).toEqual(['gpu:L4', 'market', 'provider:sim']);
    expect([...rooms.values()].every((b) => b.resync && b.changes.length === 0)).toBe(true);
  });
});
