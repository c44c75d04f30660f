// A fake cloud inside the agent process, for `npm start` and tests: no network, deterministic from
// SIM_SEED. Pods boot in SIM_BOOT_MS, stop and terminate in a third of that; some offers have no
// capacity and some spot pods get preempted. State is computed from the clock when asked, so nothing
// runs in the background. Tests drive it further through `failNext` and `preempt`.
import type { Clock } from '../clock';
import { isOurs } from '../pods';
import { seededHex, seededUnit } from './seeded';
import { ProviderError, type PodProvider, type ProviderErrorKind, type ProviderPod, type ProvisionRequest } from './types';

export interface SimSettings {
  seed: string;
  bootMs: number;
  noCapacityRate: number;
  noCapacityOffers: readonly string[];
  preemptAfterMs: number;
  preemptRate: number;
  preemptOffers: readonly string[];
}

type Phase = 'booting' | 'running' | 'stopping' | 'stopped' | 'terminating' | 'terminated';
type Operation = 'provision' | 'status' | 'stop' | 'start' | 'terminate' | 'list';

interface SimPod {
  podId: string;
  name: string;
  offerExternalId: string;
  preemptible: boolean;
  httpPort?: number;
  sshPort: number;
  phase: Phase;
  /** When the current phase began. */
  since: number;
  preempted: boolean;
}

/** Terminated pods are forgotten after this long, so a long `npm start` does not grow forever. */
const FORGET_TERMINATED_MS = 10 * 60 * 1000;

export class SimCloud implements PodProvider {
  readonly id = 'sim' as const;
  readonly canStopStart = true;
  private readonly pods = new Map<string, SimPod>();
  private readonly podByJob = new Map<string, string>();
  private readonly failures: Array<{ op: Operation; kind: ProviderErrorKind; times: number }> = [];

  constructor(
    private readonly settings: SimSettings,
    private readonly clock: Clock,
  ) {}

  // --- test API -------------------------------------------------------------------------------

  /** Makes the next `times` calls of `op` fail with `kind`. */
  failNext(op: Operation, kind: ProviderErrorKind, times = 1): void {
    this.failures.push({ op, kind, times });
  }

  /** Reclaims a running pod now, as a spot market would. */
  preempt(podId: string): void {
    const pod = this.pods.get(podId);
    if (!pod) throw new Error(`no sim pod ${podId}`);
    this.advance(pod);
    this.enter(pod, 'terminated', this.clock.now());
    pod.preempted = true;
  }

  /** How many pods exist (not terminated): lets tests prove a retried job made no second pod. */
  livePodCount(): number {
    return [...this.pods.values()].filter((p) => (this.advance(p), p.phase !== 'terminated')).length;
  }

  // --- PodProvider ----------------------------------------------------------------------------

  async provision(request: ProvisionRequest): Promise<ProviderPod> {
    this.maybeFail('provision');
    const existing = this.podByJob.get(request.jobId);
    if (existing && this.pods.has(existing)) return this.view(this.pods.get(existing)!);

    const { seed } = this.settings;
    const offer = request.target.offerExternalId;
    if (this.settings.noCapacityOffers.includes(offer) || seededUnit(seed, `capacity|${offer}`) < this.settings.noCapacityRate) {
      throw new ProviderError('sim', 'no_capacity', `no capacity for offer ${offer}`);
    }
    let podId = `sim-${seededHex(seed, `pod|${request.jobId}`)}`;
    for (let n = 2; this.pods.has(podId); n++) podId = `sim-${seededHex(seed, `pod|${request.jobId}|${n}`)}`;
    const spot = request.target.pricing !== 'on_demand';
    const pod: SimPod = {
      podId,
      name: request.name,
      offerExternalId: offer,
      preemptible: spot && (this.settings.preemptOffers.includes(offer) || seededUnit(seed, `preempt|${podId}`) < this.settings.preemptRate),
      httpPort: request.spec.ports?.[0],
      sshPort: 20000 + (Number.parseInt(seededHex(seed, `ssh|${podId}`), 16) % 10000),
      phase: 'booting',
      since: this.clock.now(),
      preempted: false,
    };
    this.pods.set(podId, pod);
    this.podByJob.set(request.jobId, podId);
    return this.view(pod);
  }

  async status(podId: string): Promise<ProviderPod | null> {
    this.maybeFail('status');
    const pod = this.live(podId);
    return pod ? this.view(pod) : null;
  }

  async stop(podId: string): Promise<void> {
    this.maybeFail('stop');
    const pod = this.mustFind(podId);
    if (pod.phase === 'booting' || pod.phase === 'running') this.enter(pod, 'stopping', this.clock.now());
  }

  async start(podId: string): Promise<void> {
    this.maybeFail('start');
    const pod = this.mustFind(podId);
    if (pod.phase === 'stopped' || pod.phase === 'stopping') this.enter(pod, 'booting', this.clock.now());
  }

  async terminate(podId: string): Promise<void> {
    this.maybeFail('terminate');
    const pod = this.mustFind(podId);
    if (pod.phase !== 'terminating') this.enter(pod, 'terminating', this.clock.now());
  }

  async list(): Promise<ProviderPod[]> {
    this.maybeFail('list');
    return [...this.pods.keys()]
      .map((id) => this.live(id))
      .filter((p): p is SimPod => p !== null && p.phase !== 'terminated' && isOurs(p.name))
      .map((p) => this.view(p));
  }

  // --- the simulation -------------------------------------------------------------------------

  private maybeFail(op: Operation): void {
    const index = this.failures.findIndex((f) => f.op === op);
    if (index < 0) return;
    const failure = this.failures[index]!;
    if (--failure.times <= 0) this.failures.splice(index, 1);
    throw new ProviderError('sim', failure.kind, `injected ${failure.kind} on ${op}`);
  }

  /** The pod brought up to now, or null when unknown or long gone. */
  private live(podId: string): SimPod | null {
    const pod = this.pods.get(podId);
    if (!pod) return null;
    this.advance(pod);
    if (pod.phase === 'terminated' && this.clock.now() - pod.since > FORGET_TERMINATED_MS) {
      this.pods.delete(podId);
      return null;
    }
    return pod;
  }

  private mustFind(podId: string): SimPod {
    const pod = this.live(podId);
    if (!pod || pod.phase === 'terminated') throw new ProviderError('sim', 'not_found', `no pod ${podId}`);
    return pod;
  }

  private enter(pod: SimPod, phase: Phase, at: number): void {
    pod.phase = phase;
    pod.since = at;
  }

  /** Applies every transition that has come due, each at the moment it was due. */
  private advance(pod: SimPod): void {
    const now = this.clock.now();
    const { bootMs, preemptAfterMs } = this.settings;
    const settle = Math.round(bootMs / 3);
    for (;;) {
      if (pod.phase === 'booting' && now >= pod.since + bootMs) this.enter(pod, 'running', pod.since + bootMs);
      else if (pod.phase === 'running' && pod.preemptible && now >= pod.since + preemptAfterMs) {
        this.enter(pod, 'terminated', pod.since + preemptAfterMs);
        pod.preempted = true;
      } else if (pod.phase === 'stopping' && now >= pod.since + settle) this.enter(pod, 'stopped', pod.since + settle);
      else if (pod.phase === 'terminating' && now >= pod.since + settle) this.enter(pod, 'terminated', pod.since + settle);
      else return;
    }
  }

  private view(pod: SimPod): ProviderPod {
    const now = this.clock.now();
    const status = ({ booting: 'provisioning', running: 'running', stopping: 'running', stopped: 'stopped', terminating: 'running', terminated: 'terminated' } as const)[pod.phase];
    const view: ProviderPod = { podId: pod.podId, name: pod.name, status };
    if (pod.preempted) view.preempted = true;
    if (pod.phase === 'running' || pod.phase === 'stopping' || pod.phase === 'terminating') {
      const host = `${pod.podId}.sim.gpubroker.local`;
      view.connection = {
        sshHost: host,
        sshPort: pod.sshPort,
        ...(pod.httpPort ? { httpUrl: `https://${pod.podId}-${pod.httpPort}.sim.gpubroker.local` } : {}),
      };
      // Busy but not constant: a new seeded reading every 10 s.
      const bucket = Math.floor(now / 10_000);
      view.gpuUtilization = Math.round((0.35 + 0.6 * seededUnit(this.settings.seed, `util|${pod.podId}|${bucket}`)) * 100) / 100;
    }
    if (pod.phase === 'running') view.uptimeSeconds = Math.floor((now - pod.since) / 1000);
    return view;
  }
}
