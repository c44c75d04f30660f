import { describe, expect, it } from 'vitest';
import { hazardPerHour, jobCost, RESTART_HOURS } from '../../src/optimizer/cost';

describe('job cost', () => {
  it('is price × hours on demand, with no preemption term', () => {
    // $2.00/h × 10 h = $20.00.
    const c = jobCost(2_000_000, 10, hazardPerHour('sim', 'on_demand'), { losesWork: true, checkpointIntervalHours: 1 });
    expect(c).toMatchObject({ computeMicro: 20_000_000, expectedPreemptionMicro: 0, totalMicro: 20_000_000, interruptionProbability: 0 });
  });

  it('adds the expected cost of restarts and lost work on spot', () => {
    // λ = 0.03/h, 10 h → 0.3 expected preemptions; each loses the restart (0.25 h) and half a
    // 1-hour checkpoint interval (0.5 h) = 0.75 h → 0.225 h × $2.00/h = $0.45. Total $20.45.
    expect(RESTART_HOURS).toBe(0.25);
    const c = jobCost(2_000_000, 10, hazardPerHour('sim', 'spot'), { losesWork: true, checkpointIntervalHours: 1 });
    expect(c.expectedInterruptions).toBeCloseTo(0.3, 12);
    expect(c.expectedExtraHours).toBeCloseTo(0.225, 12);
    expect(c.expectedPreemptionMicro).toBe(450_000);
    expect(c.totalMicro).toBe(20_450_000);
    // P(at least one) = 1 − e^−0.3 = 0.259182.
    expect(c.interruptionProbability).toBeCloseTo(0.259182, 6);
  });

  it('charges a service only the restart time, and uses the provider-specific rate where there is one', () => {
    // Vast.ai interruptible: λ = 0.1/h; 4 h → 0.4 × 0.25 h = 0.1 h × $1.00/h = $0.10.
    const c = jobCost(1_000_000, 4, hazardPerHour('vastai', 'interruptible'), { losesWork: false, checkpointIntervalHours: 1 });
    expect(hazardPerHour('vastai', 'interruptible')).toBe(0.1);
    expect(hazardPerHour('runpod', 'interruptible')).toBe(0.08);
    expect(c.expectedPreemptionMicro).toBe(100_000);
    expect(c.totalMicro).toBe(4_100_000);
  });
});
