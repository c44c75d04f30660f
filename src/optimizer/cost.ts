// Total job cost: the instance price for the hours the job runs, plus, on spot / interruptible offers,
// the expected cost of being preempted (restarts and lost work). Pure; money in integer micro-dollars.
import type { Pricing } from '../catalog/offer';

/**
 * Preemptions per hour by pricing type, and per provider where its market works differently. These are
 * planning assumptions, not measurements (no provider publishes GPU preemption rates):
 * - spot: capacity-reclaimed VMs. AWS's Spot Instance Advisor puts most instance types at < 5% to
 *   20% interruptions a month, but GPU spot capacity is the scarcest and is reclaimed far more often;
 *   0.03/h is about one preemption per 33 hours.
 * - interruptible: bid marketplaces (Vast.ai interruptible, RunPod community spot), where any higher
 *   bid stops the pod: 0.08/h, about one per 12 hours; Vast.ai's open bidding 0.1/h.
 * - on_demand: not preempted (host failures are in provider reliability instead).
 */
export const HAZARD_PER_HOUR: Readonly<Record<Pricing, number>> = { on_demand: 0, spot: 0.03, interruptible: 0.08 };
export const PROVIDER_HAZARD_PER_HOUR: Readonly<Record<string, Partial<Record<Pricing, number>>>> = {
  vastai: { interruptible: 0.1, spot: 0.1 },
};

/** Hours to get a preempted job back: a new instance, the image pulled, the model and checkpoint loaded. */
export const RESTART_HOURS = 0.25;

export function hazardPerHour(provider: string, pricing: Pricing): number {
  return PROVIDER_HAZARD_PER_HOUR[provider]?.[pricing] ?? HAZARD_PER_HOUR[pricing];
}

export interface JobCost {
  computeMicro: number;
  expectedPreemptionMicro: number;
  totalMicro: number;
  expectedInterruptions: number;
  /** Probability of at least one preemption during the run: 1 − e^(−λ·hours) (Poisson arrivals). */
  interruptionProbability: number;
  /** Expected hours added by restarts and redone work. */
  expectedExtraHours: number;
}

/**
 * Cost of running `hours` on an instance at `pricePerHourMicro`. Preemptions arrive as a Poisson
 * process of rate λ; each costs the restart time plus, for a job that makes progress, on average half
 * a checkpoint interval of redone work (Young 1974, "A first order approximation to the optimum
 * checkpoint interval"). First order in λ·hours: expected extra hours = λ·hours·(restart + interval/2).
 */
export function jobCost(
  pricePerHourMicro: number,
  hours: number,
  hazard: number,
  options: { losesWork: boolean; checkpointIntervalHours: number },
): JobCost {
  const computeMicro = Math.round(pricePerHourMicro * hours);
  const expectedInterruptions = hazard * hours;
  const lostPerInterruption = RESTART_HOURS + (options.losesWork ? options.checkpointIntervalHours / 2 : 0);
  const expectedExtraHours = expectedInterruptions * lostPerInterruption;
  const expectedPreemptionMicro = Math.round(pricePerHourMicro * expectedExtraHours);
  return {
    computeMicro,
    expectedPreemptionMicro,
    totalMicro: computeMicro + expectedPreemptionMicro,
    expectedInterruptions,
    interruptionProbability: 1 - Math.exp(-expectedInterruptions),
    expectedExtraHours,
  };
}
