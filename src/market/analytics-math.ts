// The arithmetic of market analytics, free of bindings: percentiles, hourly resampling of bucketed
// prices, Holt's linear-trend exponential smoothing, its rolling-origin back-test and its intervals.
//
// Method (Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed., OTexts 2021,
// https://otexts.com/fpp3/): Holt's linear trend method (§8.2; Holt 1957, reprinted in Int. J.
// Forecasting 20(1), 2004), smoothing parameters chosen by minimising the sum of squared one-step
// errors (§8.6) over a grid; accuracy by time-series cross-validation, i.e. rolling-origin one-step
// forecasts on data the fit never saw (§5.10; Tashman, Int. J. Forecasting 16(4), 2000); prediction
// intervals from the forecast variance of the equivalent ETS(A,A,N) model (§8.7).

/**
 * The `q`-quantile (0…1) of ascending `sorted` values by linear interpolation between the closest
 * ranks: Hyndman & Fan's type 7, numpy's and Excel PERCENTILE.INC's default. q = 0.5 is the usual
 * median (the mean of the middle two of an even count). The SQL in src/ingest/store.ts uses the same rule.
 */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile out of 0…1: ${q}`);
  const h = (sorted.length - 1) * q;
  const k = Math.floor(h);
  const lo = sorted[k]!;
  const hi = sorted[Math.min(k + 1, sorted.length - 1)]!;
  return lo + (h - k) * (hi - lo);
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

export interface TimedValue {
  /** Epoch ms. */
  t: number;
  value: number;
}

export interface HourlySeries {
  /** Start of the first hour, epoch ms. */
  start: number;
  stepMs: number;
  values: number[];
  /** How many of `values` were filled in by linear interpolation over a short gap. */
  interpolated: number;
}

/**
 * Resamples irregular readings (5-minute bucket medians) to one value per step: the median of the
 * readings in it. Holt's method needs an evenly spaced series, so gaps of at most `maxGapSteps`
 * missing steps are filled by linear interpolation; a longer gap (an outage, a model that was not
 * listed) ends the usable history, and only the run after the last such gap is returned.
 */
export function resample(readings: readonly TimedValue[], stepMs: number, maxGapSteps: number): HourlySeries {
  const bySlot = new Map<number, number[]>();
  for (const r of readings) {
    const slot = Math.floor(r.t / stepMs);
    const list = bySlot.get(slot);
    if (list) list.push(r.value);
    else bySlot.set(slot, [r.value]);
  }
  const slots = [...bySlot.keys()].sort((a, b) => a - b);
  if (slots.length === 0) return { start: 0, stepMs, values: [], interpolated: 0 };
  let first = 0;
  for (let i = 1; i < slots.length; i++) if (slots[i]! - slots[i - 1]! - 1 > maxGapSteps) first = i;
  const kept = slots.slice(first);
  const values: number[] = [];
  let interpolated = 0;
  for (let i = 0; i < kept.length; i++) {
    const value = median(bySlot.get(kept[i]!)!);
    if (i > 0) {
      const prev = values[values.length - 1]!;
      const missing = kept[i]! - kept[i - 1]! - 1;
      for (let j = 1; j <= missing; j++) values.push(prev + ((value - prev) * j) / (missing + 1));
      interpolated += missing;
    }
    values.push(value);
  }
  return { start: kept[0]! * stepMs, stepMs, values, interpolated };
}

export interface HoltParams {
  /** Level smoothing, 0 < α ≤ 1. */
  alpha: number;
  /** Trend smoothing β* of Holt's component form, 0 < β* ≤ 1. */
  beta: number;
}

export interface HoltRun {
  /** Level ℓ and trend b after the last value. */
  level: number;
  trend: number;
  /** One-step forecast of each value from the ones before it; null for the first two (they seed ℓ and b). */
  forecasts: (number | null)[];
}

/**
 * Runs Holt's linear trend method over `y` (at least 2 values):
 *   forecast  ŷ(t+1) = ℓ(t) + b(t)
 *   level     ℓ(t) = α·y(t) + (1 − α)·(ℓ(t−1) + b(t−1))
 *   trend     b(t) = β*·(ℓ(t) − ℓ(t−1)) + (1 − β*)·b(t−1)
 * seeded with ℓ₁ = y₁ and b₁ = y₁ − y₀ (a simple start; its effect decays geometrically), so the
 * first forecast is of y₂.
 */
export function holt(y: readonly number[], { alpha, beta }: HoltParams): HoltRun {
  if (y.length < 2) throw new RangeError('Holt needs at least two values');
  let level = y[1]!;
  let trend = y[1]! - y[0]!;
  const forecasts: (number | null)[] = [null, null];
  for (let t = 2; t < y.length; t++) {
    forecasts.push(level + trend);
    const prevLevel = level;
    level = alpha * y[t]! + (1 - alpha) * (level + trend);
    trend = beta * (level - prevLevel) + (1 - beta) * trend;
  }
  return { level, trend, forecasts };
}

/** ŷ(T+h) = ℓ(T) + h·b(T), for h = 1…horizon. */
export function holtForecast(run: Pick<HoltRun, 'level' | 'trend'>, horizon: number): number[] {
  return Array.from({ length: horizon }, (_, i) => run.level + (i + 1) * run.trend);
}

export const ALPHA_GRID = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] as const;
export const BETA_GRID = [0.01, 0.05, 0.1, 0.2, 0.3, 0.5] as const;

/** The (α, β*) of the grid with the least sum of squared one-step errors on `y`; ties keep the first. */
export function fitHolt(y: readonly number[], alphas: readonly number[] = ALPHA_GRID, betas: readonly number[] = BETA_GRID): HoltParams & { sse: number } {
  let best: HoltParams & { sse: number } = { alpha: alphas[0]!, beta: betas[0]!, sse: Infinity };
  for (const alpha of alphas) {
    for (const beta of betas) {
      const { forecasts } = holt(y, { alpha, beta });
      let sse = 0;
      for (let t = 2; t < y.length; t++) sse += (y[t]! - forecasts[t]!) ** 2;
      if (sse < best.sse) best = { alpha, beta, sse };
    }
  }
  return best;
}

export interface Backtest {
  params: HoltParams;
  /** Values the parameters were fitted on (the first ones). */
  trainPoints: number;
  /** Values forecast one step ahead from the ones before them, with the fitted parameters (the last ones). */
  testPoints: number;
  /** Their errors, actual − forecast. */
  errors: number[];
  mae: number;
  rmse: number;
  /** Mean absolute percentage error, percent. */
  mape: number;
  /** MAE of the naive forecast (next = last) over the same values: the bar a method must clear. */
  naiveMae: number;
  /** Level and trend after the whole series: where a forecast starts. */
  final: Pick<HoltRun, 'level' | 'trend'>;
}

/**
 * Fits (α, β*) on all but the last `testSize` values, then runs the method with those parameters over
 * the whole series: each of the last `testSize` values is forecast from the values before it only (a
 * rolling origin), so the errors are out of sample. The same parameters and final state make the forecast.
 */
export function backtestHolt(
  y: readonly number[],
  testSize: number,
  alphas: readonly number[] = ALPHA_GRID,
  betas: readonly number[] = BETA_GRID,
): Backtest {
  if (!Number.isInteger(testSize) || testSize < 1) throw new RangeError(`bad test size ${testSize}`);
  const trainPoints = y.length - testSize;
  if (trainPoints < 3) throw new RangeError('Holt back-test needs at least three training values');
  const { alpha, beta } = fitHolt(y.slice(0, trainPoints), alphas, betas);
  const run = holt(y, { alpha, beta });
  const errors: number[] = [];
  let abs = 0;
  let sq = 0;
  let pct = 0;
  let naive = 0;
  for (let t = trainPoints; t < y.length; t++) {
    const e = y[t]! - run.forecasts[t]!;
    errors.push(e);
    abs += Math.abs(e);
    sq += e * e;
    pct += Math.abs(e / y[t]!); // prices are positive (the collector drops the others)
    naive += Math.abs(y[t]! - y[t - 1]!);
  }
  return {
    params: { alpha, beta },
    trainPoints,
    testPoints: testSize,
    errors,
    mae: abs / testSize,
    rmse: Math.sqrt(sq / testSize),
    mape: (pct / testSize) * 100,
    naiveMae: naive / testSize,
    final: { level: run.level, trend: run.trend },
  };
}

/**
 * Standard deviation of the h-step forecast error of Holt's method, for one-step error σ. In the
 * equivalent ETS(A,A,N) model (trend gain β = α·β*) the h-step error is ε(T+h) + Σ_{j=1}^{h−1} (α + jβ)·ε(T+h−j),
 * so σ²_h = σ²·[1 + Σ_{j=1}^{h−1} (α + jβ)²], which is FPP §8.7's closed form
 * σ²·[1 + (h−1)·{α² + αβh + β²h(2h−1)/6}] written as a sum.
 */
export function holtErrorSd(sigma: number, { alpha, beta }: HoltParams, h: number): number {
  const gain = alpha * beta;
  let factor = 1;
  for (let j = 1; j < h; j++) factor += (alpha + j * gain) ** 2;
  return sigma * Math.sqrt(factor);
}

/** Two-sided normal quantiles for the 80 % and 95 % prediction intervals. */
export const Z80 = 1.2816;
export const Z95 = 1.96;

export interface ForecastOptions {
  /** Steps to forecast. */
  horizon: number;
  stepMs: number;
  /** Longest run of missing steps filled by interpolation; a longer gap starts the history afresh. */
  maxGapSteps: number;
  /** Fewest evenly spaced values a forecast is made from. */
  minPoints: number;
  /** Most values held out for the back-test; it holds out a third of the history up to this. */
  maxTestPoints: number;
}

export interface ForecastPoint {
  /** Start of the step, epoch ms. */
  t: number;
  value: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

export type SeriesForecast =
  | { ok: false; reason: string; series: HourlySeries }
  | { ok: true; series: HourlySeries; backtest: Backtest; points: ForecastPoint[] };

/**
 * The whole forecast: resample, back-test Holt's method (which also fits it), and extrapolate with
 * intervals whose one-step σ is the back-test's out-of-sample RMSE. Prices cannot go below zero, so
 * neither do the bounds.
 */
export function forecastSeries(readings: readonly TimedValue[], o: ForecastOptions): SeriesForecast {
  const series = resample(readings, o.stepMs, o.maxGapSteps);
  const n = series.values.length;
  if (n < o.minPoints) {
    return { ok: false, reason: `not enough history: ${n} evenly spaced points since the last gap, ${o.minPoints} needed`, series };
  }
  const backtest = backtestHolt(series.values, Math.min(o.maxTestPoints, Math.floor(n / 3)));
  const last = series.start + (n - 1) * o.stepMs;
  const points = holtForecast(backtest.final, o.horizon).map((value, i) => {
    const sd = holtErrorSd(backtest.rmse, backtest.params, i + 1);
    return {
      t: last + (i + 1) * o.stepMs,
      value: Math.max(0, value),
      lower80: Math.max(0, value - Z80 * sd),
      upper80: Math.max(0, value + Z80 * sd),
      lower95: Math.max(0, value - Z95 * sd),
      upper95: Math.max(0, value + Z95 * sd),
    };
  });
  return { ok: true, series, backtest, points };
}
