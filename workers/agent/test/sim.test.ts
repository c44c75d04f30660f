import { describe, expect, it } from 'vitest';
import type { Clock } from '../src/clock';
import { SimCloud, type SimSettings } from '../src/providers/sim';
import type { ProvisionRequest } from '../src/providers/types';

/** A clock that moves only when told to. */
function manualClock(start = 1_750_000_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, sleep: async () => {}, advance: (ms) => (now += ms) };
}

const settings = (overrides: Partial<SimSettings> = {}): SimSettings => ({
  seed: 'gpubroker',
  bootMs: 3000,
  noCapacityRate: 0,
  noCapacityOffers: [],
  preemptAfterMs: 120_000,
  preemptRate: 0,
  preemptOffers: [],
  ...overrides,
});

let n = 0;
function request(overrides: { offer?: string; pricing?: 'on_demand' | 'spot' | 'interruptible'; jobId?: string } = {}): ProvisionRequest {
  n++;
  return {
    jobId: overrides.jobId ?? `job-${n}`,
    deploymentId: `dep_${n}`,
    name: `gpubroker-dep_${n}`,
    target: { provider: 'sim', offerExternalId: overrides.offer ?? 'sim-1', gpuModel: 'H100-80GB', gpuCount: 1, region: 'us-east-1', pricing: overrides.pricing ?? 'on_demand' },
    spec: { name: 'x', image: 'img', ports: [8888] },
  };
}

async function capacityMap(seed: string): Promise<boolean[]> {
  const sim = new SimCloud(settings({ seed, noCapacityRate: 0.3 }), manualClock());
  const out: boolean[] = [];
  for (let i = 0; i < 200; i++) out.push(await sim.provision(request({ offer: `sim-${i}` })).then(() => true, () => false));
  return out;
}

describe('the simulated cloud', () => {
  it('boots a pod in SIM_BOOT_MS, then runs it with connection details', async () => {
    const clock = manualClock();
    const sim = new SimCloud(settings(), clock);
    const pod = await sim.provision(request());
    expect(pod).toMatchObject({ status: 'provisioning', name: expect.stringMatching(/^gpubroker-/) });
    clock.advance(2999);
    expect((await sim.status(pod.podId))?.status).toBe('provisioning');
    clock.advance(1);
    const running = await sim.status(pod.podId);
    expect(running).toMatchObject({
      status: 'running',
      connection: { sshHost: `${pod.podId}.sim.gpubroker.local`, httpUrl: `https://${pod.podId}-8888.sim.gpubroker.local` },
      uptimeSeconds: 0,
    });
    clock.advance(42_000);
    expect((await sim.status(pod.podId))?.uptimeSeconds).toBe(42);
  });

  it('stops in a third of the boot time, starts again, and terminates', async () => {
    const clock = manualClock();
    const sim = new SimCloud(settings(), clock);
    const { podId } = await sim.provision(request());
    clock.advance(3000);
    await sim.stop(podId);
    expect((await sim.status(podId))?.status).toBe('running');
    clock.advance(1000);
    expect((await sim.status(podId))?.status).toBe('stopped');
    await sim.start(podId);
    expect((await sim.status(podId))?.status).toBe('provisioning');
    clock.advance(3000);
    expect((await sim.status(podId))?.status).toBe('running');
    await sim.terminate(podId);
    clock.advance(1000);
    expect((await sim.status(podId))?.status).toBe('terminated');
    await expect(sim.stop(podId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(sim.terminate(podId)).rejects.toMatchObject({ kind: 'not_found' });
    expect(await sim.list()).toEqual([]);
  });

  it('gives the same pod for the same job id', async () => {
    const sim = new SimCloud(settings(), manualClock());
    const req = request();
    const a = await sim.provision(req);
    const b = await sim.provision(req);
    expect(b.podId).toBe(a.podId);
    expect(sim.livePodCount()).toBe(1);
  });

  it('has no capacity for listed offers, and for the same seeded share of others on every run', async () => {
    const sim = new SimCloud(settings({ noCapacityOffers: ['sim-9'] }), manualClock());
    await expect(sim.provision(request({ offer: 'sim-9' }))).rejects.toMatchObject({ kind: 'no_capacity' });

    const first = await capacityMap('seed-a');
    expect(await capacityMap('seed-a')).toEqual(first);
    expect(await capacityMap('seed-b')).not.toEqual(first);
    const refused = first.filter((ok) => !ok).length;
    expect(refused).toBeGreaterThan(30);
    expect(refused).toBeLessThan(90);
  });

  it('preempts spot pods on listed offers after SIM_PREEMPT_AFTER_MS of running, never on-demand ones', async () => {
    const clock = manualClock();
    const sim = new SimCloud(settings({ bootMs: 1000, preemptAfterMs: 5000, preemptOffers: ['sim-spot'] }), clock);
    const spot = await sim.provision(request({ offer: 'sim-spot', pricing: 'spot' }));
    const onDemand = await sim.provision(request({ offer: 'sim-spot', pricing: 'on_demand' }));
    clock.advance(1000 + 4999);
    expect((await sim.status(spot.podId))?.status).toBe('running');
    clock.advance(1);
    expect(await sim.status(spot.podId)).toMatchObject({ status: 'terminated', preempted: true });
    expect((await sim.status(onDemand.podId))?.status).toBe('running');
  });

  it('fails the next call of an operation when a test asks it to', async () => {
    const sim = new SimCloud(settings(), manualClock());
    sim.failNext('provision', 'rate_limited', 2);
    await expect(sim.provision(request())).rejects.toMatchObject({ kind: 'rate_limited' });
    await expect(sim.provision(request())).rejects.toMatchObject({ kind: 'rate_limited' });
    await expect(sim.provision(request())).resolves.toMatchObject({ status: 'provisioning' });
  });

  it('reports a GPU utilisation between 0 and 1 that only depends on the seed and the time', async () => {
    const readings = async (seed: string) => {
      const clock = manualClock();
      const sim = new SimCloud(settings({ seed }), clock);
      const { podId } = await sim.provision(request({ jobId: 'fixed-job' }));
      const out: number[] = [];
      for (let i = 0; i < 5; i++) {
        clock.advance(10_000);
        out.push((await sim.status(podId))!.gpuUtilization!);
      }
      return out;
    };
    const a = await readings('s1');
    expect(await readings('s1')).toEqual(a);
    expect(a.every((u) => u >= 0 && u <= 1)).toBe(true);
  });
});
