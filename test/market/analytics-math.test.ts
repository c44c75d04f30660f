import { describe, expect, it } from 'vitest';
import {
  backtestHolt,
  fitHolt,
  forecastSeries,
  holt,
  holtErrorSd,
  holtForecast,
  median,
  percentile,
  resample,
} from '../../src/market/analytics-math';

const HOUR = 3_600_000;

describe('percentile (linear between closest ranks)', () => {
  it('interpolates quartiles of an even count', () => {
    // h = (n − 1)·q = 3·0.25 = 0.75 → 1 + 0.75·(2 − 1); 3·0.5 = 1.5 → 2.5; 3·0.75 = 2.25 → 3 + 0.25·(4 − 3).
    expect(percentile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 0.75)).toBe(3.25);
  });

  it('hits a value exactly when (n − 1)·q is whole, and handles one value and the ends', () => {
    expect(percentile([10, 20, 30, 40, 50], 0.25)).toBe(20);
    expect(percentile([7], 0.75)).toBe(7);
    expect(percentile([1, 5, 9], 0)).toBe(1);
    expect(percentile([1, 5, 9], 1)).toBe(9);
    expect(median([9, 1, 5, 3])).toBe(4);
  });

  it('refuses no values and a quantile outside 0…1', () => {
    expect(() => percentile([], 0.5)).toThrow(RangeError);
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
  });
});

describe('resample to hourly', () => {
  it('takes the median of each hour and interpolates a short gap', () => {
    const series = resample(
      [
        { t: 5 * 60_000, value: 1 },
        { t: 10 * 60_000, value: 3 },
        { t: HOUR + 1, value: 4 },
        // hour 2 missing: filled halfway between 4 and 8
        { t: 3 * HOUR, value: 8 },
      ],
      HOUR,
      1,
    );
    expect(series).toEqual({ start: 0, stepMs: HOUR, values: [2, 4, 6, 8], interpolated: 1 });
  });

  it('starts afresh after a gap longer than allowed', () => {
    const series = resample(
      [
        { t: 0, value: 1 },
        { t: HOUR, value: 2 },
        { t: 10 * HOUR, value: 5 },
        { t: 11 * HOUR, value: 6 },
      ],
      HOUR,
      3,
    );
    expect(series).toEqual({ start: 10 * HOUR, stepMs: HOUR, values: [5, 6], interpolated: 0 });
  });
});

describe("Holt's linear trend method", () => {
  // y = 10, 12, 13, 15, 14 with α = β* = 0.5, seeded ℓ₁ = 12, b₁ = 12 − 10 = 2:
  //  t=2: ŷ = 12 + 2 = 14;          ℓ = .5·13 + .5·14 = 13.5;          b = .5·(13.5 − 12) + .5·2 = 1.75
  //  t=3: ŷ = 13.5 + 1.75 = 15.25;  ℓ = .5·15 + .5·15.25 = 15.125;     b = .5·(15.125 − 13.5) + .5·1.75 = 1.6875
  //  t=4: ŷ = 16.8125;              ℓ = .5·14 + .5·16.8125 = 15.40625; b = .5·(15.40625 − 15.125) + .5·1.6875 = 0.984375
  const y = [10, 12, 13, 15, 14];

  it('matches the hand computation step by step', () => {
    const run = holt(y, { alpha: 0.5, beta: 0.5 });
    expect(run.forecasts).toEqual([null, null, 14, 15.25, 16.8125]);
    expect(run.level).toBe(15.40625);
    expect(run.trend).toBe(0.984375);
    // ŷ(T+h) = 15.40625 + h·0.984375
    expect(holtForecast(run, 3)).toEqual([16.390625, 17.375, 18.359375]);
  });

  it('picks the grid point with the least squared one-step error', () => {
    // α = 0.5: errors −1, −0.25, −2.8125 → SSE 8.97265625.
    // α = 1 (ℓ = y): ŷ = 14, 14.5, 16.75 (b = 1.5, then 1.75) → errors −1, 0.5, −2.75 → SSE 8.8125.
    expect(fitHolt(y, [0.5, 1], [0.5])).toEqual({ alpha: 1, beta: 0.5, sse: 8.8125 });
  });

  it('forecasts a straight line exactly', () => {
    const line = Array.from({ length: 30 }, (_, t) => 2 + 3 * t);
    const bt = backtestHolt(line, 10);
    expect(bt.mae).toBe(0);
    expect(holtForecast(bt.final, 2)).toEqual([2 + 3 * 30, 2 + 3 * 31]);
  });

  it('back-tests on values the fit never saw, one step ahead from a rolling origin', () => {
    // Fit on 10, 12, 13 (the 1×1 grid fixes α = β* = 0.5); test on 15 and 14 with the forecasts above:
    // errors −0.25 and −2.8125; MAE 1.53125; RMSE √((0.0625 + 7.91015625)/2); MAPE (0.25/15 + 2.8125/14)/2;
    // the naive forecast (last value) errs |15 − 13| and |14 − 15|: MAE 1.5.
    const bt = backtestHolt(y, 2, [0.5], [0.5]);
    expect(bt).toMatchObject({ trainPoints: 3, testPoints: 2, errors: [-0.25, -2.8125], mae: 1.53125, naiveMae: 1.5 });
    expect(bt.rmse).toBeCloseTo(Math.sqrt(3.986328125), 12);
    expect(bt.mape).toBeCloseTo(((0.25 / 15 + 2.8125 / 14) / 2) * 100, 10);
    expect(bt.final).toEqual({ level: 15.40625, trend: 0.984375 });
  });

  it('widens the error with the horizon as ETS(A,A,N) says', () => {
    // σ = 2, α = 0.5, β* = 0.5 → β = 0.25. h=2: 1 + 0.75² = 1.5625 → 2·1.25 = 2.5.
    // h=3: 1.5625 + 1² = 2.5625 = 1 + 2·(0.25 + 0.5·0.25·3 + 0.0625·3·5/6), the closed form.
    const p = { alpha: 0.5, beta: 0.5 };
    expect(holtErrorSd(2, p, 1)).toBe(2);
    expect(holtErrorSd(2, p, 2)).toBe(2.5);
    expect(holtErrorSd(2, p, 3)).toBeCloseTo(2 * Math.sqrt(2.5625), 12);
  });
});

describe('forecastSeries', () => {
  const options = { horizon: 3, stepMs: HOUR, maxGapSteps: 3, minPoints: 24, maxTestPoints: 48 };

  it('says why when the history is too short', () => {
    const readings = Array.from({ length: 10 }, (_, h) => ({ t: h * HOUR, value: 100 }));
    const result = forecastSeries(readings, options);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('10 evenly spaced points');
  });

  it('continues a trend with intervals that grow with the horizon and never go below zero', () => {
    // A falling price with a wobble: 200 − 4h ± 1.
    const readings = Array.from({ length: 30 }, (_, h) => ({ t: h * HOUR, value: 200 - 4 * h + (h % 2 ? 1 : -1) }));
    const result = forecastSeries(readings, options);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.backtest).toMatchObject({ trainPoints: 20, testPoints: 10 });
    expect(result.points.map((p) => p.t)).toEqual([30 * HOUR, 31 * HOUR, 32 * HOUR]);
    const [a, b, c] = result.points;
    expect(a!.value).toBeGreaterThan(b!.value);
    expect(b!.value).toBeGreaterThan(c!.value);
    expect(Math.abs(a!.value - (200 - 4 * 30))).toBeLessThan(4);
    expect(c!.upper95 - c!.lower95).toBeGreaterThan(a!.upper95 - a!.lower95);
    for (const p of result.points) {
      expect(p.lower95).toBeLessThanOrEqual(p.lower80);
      expect(p.lower80).toBeLessThanOrEqual(p.value);
      expect(p.upper80).toBeLessThanOrEqual(p.upper95);
      expect(p.lower95).toBeGreaterThanOrEqual(0);
    }
  });

  it('never forecasts a price or a bound below zero', () => {
    // Falling 10 an hour from 250: the trend crosses zero within the horizon.
    const readings = Array.from({ length: 24 }, (_, h) => ({ t: h * HOUR, value: 250 - 10 * h + (h % 2 ? 1 : -1) }));
    const result = forecastSeries(readings, { ...options, horizon: 4 });
    if (!result.ok) throw new Error(result.reason);
    expect(result.points.at(-1)!.value).toBe(0);
    for (const p of result.points) expect(Math.min(p.value, p.lower80, p.lower95)).toBeGreaterThanOrEqual(0);
  });
});
