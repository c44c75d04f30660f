import { describe, expect, it } from 'vitest';
import { adminDaily, dailyUsage, forecastColumns, historyColumns } from '../src/lib/chart-data';
import type { AdminOverview, ForecastPoint, HistoryPoint } from '../src/lib/types';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000;

describe('chart data', () => {
  it('gives one bar per UTC day of the month so far, zero where nothing was charged', () => {
    const usage = {
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      data: [
        { key: '2026-11-03', costUsd: 2, marginUsd: 0.2, totalUsd: 2.2, seconds: 3600, charges: 3 },
        { key: '2026-11-01', costUsd: 1, marginUsd: 0.1, totalUsd: 1.1, seconds: 1800, charges: 1 },
      ],
    };
    const c = dailyUsage(usage, Date.parse('2026-11-04T15:00:00Z'));
    expect(c.x).toEqual([day('2026-11-01'), day('2026-11-02'), day('2026-11-03'), day('2026-11-04')]);
    expect(c.series).toEqual([[1.1, 0, 2.2, 0]]);
    // A past month ends at its own end, not today.
    expect(dailyUsage({ ...usage, from: '2026-10-30T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z', data: [] }, Date.parse('2026-11-04T15:00:00Z')).x).toEqual([day('2026-10-30'), day('2026-10-31')]);
  });

  it('orders the admin series by day and sums revenue from credit bought and plan fees', () => {
    const rev = { creditPurchasedUsd: 0, refundedUsd: 0, disputedUsd: 0, usageChargedUsd: 0, marginUsd: 0, subscriptionUsd: 0, adjustmentsUsd: 0 };
    const daily: AdminOverview['daily'] = [
      { day: '2026-11-29', revenue: { ...rev, creditPurchasedUsd: 100, subscriptionUsd: 14.503, marginUsd: 0.4 }, signups: 3, deploymentsCreated: 5 },
      { day: '2026-11-28', revenue: { ...rev, creditPurchasedUsd: 50 }, signups: 1, deploymentsCreated: 0 },
    ];
    expect(adminDaily(daily, 'revenue')).toEqual({ x: [day('2026-11-28'), day('2026-11-29')], series: [[50, 114.5]] });
    expect(adminDaily(daily, 'margin').series).toEqual([[0, 0.4]]);
    expect(adminDaily(daily, 'signups').series).toEqual([[1, 3]]);
    expect(adminDaily(daily, 'deployments').series).toEqual([[0, 5]]);
  });

  it('continues the forecast and its bands from the last observed median', () => {
    const h = (t: string, median: number): HistoryPoint => ({ t, minPricePerGpuHourUsd: median - 1, medianPricePerGpuHourUsd: median, maxPricePerGpuHourUsd: median + 1, offers: 3 });
    const f = (t: string, p: number, [l80, u80, l95, u95]: number[]): ForecastPoint => ({ t, pricePerGpuHourUsd: p, lower80Usd: l80!, upper80Usd: u80!, lower95Usd: l95!, upper95Usd: u95! });
    const history = [h('2026-11-29T09:00:00Z', 9), h('2026-11-29T11:00:00Z', 2.1), h('2026-11-29T10:00:00Z', 2)];
    const c = forecastColumns(history, [f('2026-11-29T11:00:00Z', 5, [4, 6, 3, 7]), f('2026-11-29T12:00:00Z', 2.2, [2.1, 2.3, 2, 2.4]), f('2026-11-29T13:00:00Z', 2.3, [2.2, 2.4, 2.1, 2.5])], Date.parse('2026-11-29T10:00:00Z'));
    const s = (iso: string) => Date.parse(iso) / 1000;
    // The 09:00 point is before the window; the forecast hour that overlaps the history is left out.
    expect(c.x).toEqual([s('2026-11-29T10:00:00Z'), s('2026-11-29T11:00:00Z'), s('2026-11-29T12:00:00Z'), s('2026-11-29T13:00:00Z')]);
    expect(c.series[0]).toEqual([2, 2.1, null, null]);
    expect(c.series[1]).toEqual([null, 2.1, 2.2, 2.3]);
    expect(c.series[2]).toEqual([null, 2.1, 2.1, 2.2]);
    expect(c.series[5]).toEqual([null, 2.1, 2.4, 2.5]);
    // Without a forecast there is nothing to join.
    expect(forecastColumns(history, [], 0).series[1]).toEqual([null, null, null]);
  });

  it('puts the price history oldest first as min, median and max columns', () => {
    const p = (t: string, min: number, median: number, max: number): HistoryPoint => ({ t, minPricePerGpuHourUsd: min, medianPricePerGpuHourUsd: median, maxPricePerGpuHourUsd: max, offers: 3 });
    const c = historyColumns([p('2026-11-29T11:00:00Z', 2, 2.5, 3), p('2026-11-29T10:00:00Z', 1.9, 2.4, 3.1)]);
    expect(c.x).toEqual([Date.parse('2026-11-29T10:00:00Z') / 1000, Date.parse('2026-11-29T11:00:00Z') / 1000]);
    expect(c.series).toEqual([[1.9, 2], [2.4, 2.5], [3.1, 3]]);
  });
});
