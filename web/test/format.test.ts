import { describe, expect, it } from 'vitest';
import { ageSeconds, estimateCost, formatAge, formatCost, formatDuration, formatGb, formatPrice, priceDirection } from '../src/lib/format';

describe('prices and costs', () => {
  it('shows three decimals under a dollar and two from a dollar, so a price column lines up', () => {
    expect(formatPrice(0.219)).toBe('$0.219');
    expect(formatPrice(0.2)).toBe('$0.200');
    expect(formatPrice(2.49)).toBe('$2.49');
    expect(formatPrice(1234.5)).toBe('$1,234.50');
    expect(formatPrice(null)).toBe('—');
    expect(formatPrice(Number.NaN)).toBe('—');
  });

  it('rounds costs to the cent, half away from zero', () => {
    expect(formatCost(0.005)).toBe('$0.01');
    expect(formatCost(1.005)).toBe('$1.01');
    expect(formatCost(12345.678)).toBe('$12,345.68');
    expect(formatCost(0)).toBe('$0.00');
  });

  it('estimates the cost of a time limit, capped by a spend limit', () => {
    expect(estimateCost(2.5, 4, null)).toBe(10);
    expect(estimateCost(2.5, 4, 6)).toBe(6);
    expect(estimateCost(2.5, null, 6)).toBe(6);
    expect(estimateCost(2.5, null, null)).toBeNull();
  });

  it('tells the direction of a price move to the tenth of a cent', () => {
    expect(priceDirection(1, 1.0004)).toBe(0);
    expect(priceDirection(1, 1.002)).toBe(1);
    expect(priceDirection(1, 0.99)).toBe(-1);
  });
});

describe('ages and durations', () => {
  it('says how old a price is in the largest whole unit', () => {
    expect(formatAge(0)).toBe('now');
    expect(formatAge(1.9)).toBe('now');
    expect(formatAge(12)).toBe('12 s ago');
    expect(formatAge(59.9)).toBe('59 s ago');
    expect(formatAge(60)).toBe('1 min ago');
    expect(formatAge(3599)).toBe('59 min ago');
    expect(formatAge(7200)).toBe('2 h ago');
    expect(formatAge(200_000)).toBe('2 d ago');
  });

  it('measures an age from an ISO time, never negative when clocks disagree', () => {
    const now = Date.parse('2026-05-01T12:00:12Z');
    expect(ageSeconds('2026-05-01T12:00:00Z', now)).toBe(12);
    expect(ageSeconds('2026-05-01T12:00:30Z', now)).toBe(0);
    expect(ageSeconds('not a date', now)).toBe(0);
  });

  it('formats uptimes', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(125)).toBe('2 min');
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe('3 h 05 min');
    expect(formatDuration(2 * 86_400 + 4 * 3600)).toBe('2 d 4 h');
  });

  it('formats sizes in GB and TB', () => {
    expect(formatGb(80)).toBe('80 GB');
    expect(formatGb(1600)).toBe('1.6 TB');
    expect(formatGb(null)).toBe('—');
  });
});
