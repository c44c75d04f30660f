// API answers shaped into the columns a chart draws (x in Unix seconds, one array per series, null
// where a series has no value). Pure, so the shapes are tested without a canvas.
import type { AdminOverview, ForecastPoint, HistoryPoint, Usage } from './types';

const DAY_MS = 86_400_000;

export interface Columns {
  x: number[];
  series: Array<Array<number | null>>;
}

const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

/**
 * One value per UTC day of a usage report grouped by day, from its `from` to the day holding `now`
 * (or to its `to`, whichever is first): days with no charge are 0, so the bars keep their places.
 */
export function dailyUsage(usage: Pick<Usage, 'from' | 'to' | 'data'>, now: number): Columns {
  const byDay = new Map(usage.data.map((r) => [r.key, r.totalUsd]));
  const from = dayStart(Date.parse(usage.from));
  const last = Math.min(dayStart(Date.parse(usage.to) - 1), dayStart(now));
  const x: number[] = [];
  const y: number[] = [];
  for (let t = from; t <= last; t += DAY_MS) {
    x.push(t / 1000);
    y.push(byDay.get(new Date(t).toISOString().slice(0, 10)) ?? 0);
  }
  return { x, series: [y] };
}

export type AdminMetric = 'revenue' | 'margin' | 'signups' | 'deployments';

/** The admin overview's per-day series for one metric (revenue = credit bought + plan fees). */
export function adminDaily(daily: AdminOverview['daily'], metric: AdminMetric): Columns {
  const sorted = [...daily].sort((a, b) => a.day.localeCompare(b.day));
  const pick = (d: AdminOverview['daily'][number]): number => {
    switch (metric) {
      case 'revenue':
        return round2(d.revenue.creditPurchasedUsd + d.revenue.subscriptionUsd);
      case 'margin':
        return round2(d.revenue.marginUsd);
      case 'signups':
        return d.signups;
      case 'deployments':
        return d.deploymentsCreated;
    }
  };
  return { x: sorted.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000), series: [sorted.map(pick)] };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Price history as [min, median, max] per GPU-hour, oldest first. */
export function historyColumns(history: readonly HistoryPoint[]): Columns {
  const points = [...history].sort((a, b) => Date.parse(a.t) - Date.parse(b.t));
  return {
    x: points.map((p) => Date.parse(p.t) / 1000),
    series: [points.map((p) => p.minPricePerGpuHourUsd), points.map((p) => p.medianPricePerGpuHourUsd), points.map((p) => p.maxPricePerGpuHourUsd)],
  };
}

/**
 * Recent median history and the forecast on one time axis: series are [history median, forecast,
 * lower 80, upper 80, lower 95, upper 95]. The forecast and its bands start at the last observed
 * point, so the line continues from the history instead of floating beside it.
 */
export function forecastColumns(history: readonly HistoryPoint[], forecast: readonly ForecastPoint[], sinceMs: number): Columns {
  const past = history.filter((p) => Date.parse(p.t) >= sinceMs).sort((a, b) => Date.parse(a.t) - Date.parse(b.t));
  const x: number[] = [];
  const median: Array<number | null> = [];
  const line: Array<number | null> = [];
  const bands: Array<Array<number | null>> = [[], [], [], []];
  past.forEach((p, i) => {
    x.push(Date.parse(p.t) / 1000);
    median.push(p.medianPricePerGpuHourUsd);
    const joint = i === past.length - 1 && forecast.length > 0 ? p.medianPricePerGpuHourUsd : null;
    line.push(joint);
    for (const b of bands) b.push(joint);
  });
  const lastX = x.length ? x[x.length - 1]! : -Infinity;
  for (const f of forecast) {
    const t = Date.parse(f.t) / 1000;
    if (t <= lastX) continue;
    x.push(t);
    median.push(null);
    line.push(f.pricePerGpuHourUsd);
    bands[0]!.push(f.lower80Usd);
    bands[1]!.push(f.upper80Usd);
    bands[2]!.push(f.lower95Usd);
    bands[3]!.push(f.upper95Usd);
  }
  return { x, series: [median, line, ...bands] };
}
