// Watches each pod the agent acted on: polls the provider every AGENT_POLL_MS and posts an event
// whenever the pod's status changes, until it is terminated. One loop per pod, so a pod's events
// leave in order; a later job on the same pod (stop after provision) takes over its loop.
import type { Clock } from './clock';
import { eventIdFor, nextTransition, type AgentEvent, type Expected, type Transition } from './events';
import type { Logger } from './log';
import type { PodProvider, PodStatus, Pricing, ProviderPod } from './providers/types';

export interface WatchJob {
  jobId: string;
  deploymentId: string;
  callbackUrl: string;
  pricing: Pricing;
}

export interface WatcherDeps {
  clock: Clock;
  log: Logger;
  pollMs: number;
  deliver: (url: string, event: AgentEvent, signal: AbortSignal) => Promise<boolean>;
}

interface Session {
  provider: PodProvider;
  podId: string;
  job: WatchJob;
  expected: Expected;
  lastStatus: PodStatus | undefined;
  /** How often each status was already announced for the current job: part of the event id. */
  announced: Map<string, number>;
  /** Set when the loop has ended; a later job then starts a new one. */
  done: boolean;
  /** Bumped when a later job takes the session over. */
  generation: number;
}

/**
 * A pod missing this many polls in a row, when we did not terminate it, is reported terminated. A pod
 * never seen yet gets longer: some providers list a new pod a few seconds after accepting it.
 */
const NOT_FOUND_POLLS = 3;
const NOT_FOUND_POLLS_BEFORE_FIRST_SIGHT = 30;
/** Polling slows down to at most this many intervals while the provider keeps failing. */
const MAX_BACKOFF_FACTOR = 30;

export class Watcher {
  private readonly sessions = new Map<string, Session>();
  private readonly loops = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly deps: WatcherDeps) {}

  /** Pods being watched now. */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Starts (or takes over) the watch of a pod for `job`. `baseline` is the status the caller already
   * knows the pod to be in, so it is not announced again; undefined announces the first observation.
   */
  watch(provider: PodProvider, podId: string, job: WatchJob, expected: Expected, baseline: PodStatus | undefined): void {
    if (this.stopping.signal.aborted) return;
    const key = `${provider.id}:${podId}`;
    const current = this.sessions.get(key);
    if (current && !current.done) {
      Object.assign(current, { job, expected, lastStatus: baseline, announced: new Map(), generation: current.generation + 1 });
      return;
    }
    const session: Session = { provider, podId, job, expected, lastStatus: baseline, announced: new Map(), done: false, generation: 0 };
    this.sessions.set(key, session);
    const loop = this.run(session)
      .catch((err: unknown) => {
        // A bug must end one pod's watch, not the process (an unhandled rejection would).
        this.deps.log('error', 'pod watch crashed', { provider: provider.id, podId, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      })
      .finally(() => {
        session.done = true;
        this.loops.delete(loop);
        if (this.sessions.get(key) === session) this.sessions.delete(key);
      });
    this.loops.add(loop);
  }

  /** Stops every loop (at its next await) and waits for them. */
  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.loops]);
  }

  private async run(s: Session): Promise<void> {
    const { clock, log, pollMs } = this.deps;
    const signal = this.stopping.signal;
    let errors = 0;
    let missing = 0;
    let seen = false;
    let delay = 0; // the first look is immediate
    while (!signal.aborted) {
      await clock.sleep(delay, signal);
      if (signal.aborted) return;
      delay = pollMs;
      const generation = s.generation;
      let pod: ProviderPod | null;
      try {
        pod = await s.provider.status(s.podId);
        errors = 0;
      } catch (err) {
        errors++;
        // One line when trouble starts, then one every 10 failures: a provider outage must not flood the log.
        if (errors === 1 || errors % 10 === 0) {
          log('warn', 'pod status poll failed', { provider: s.provider.id, podId: s.podId, failures: errors, error: err instanceof Error ? err.message : String(err) });
        }
        delay = pollMs * Math.min(MAX_BACKOFF_FACTOR, 2 ** Math.min(errors, 5));
        continue;
      }
      if (pod === null) {
        missing++;
        if (s.expected !== 'terminated' && missing < (seen ? NOT_FOUND_POLLS : NOT_FOUND_POLLS_BEFORE_FIRST_SIGHT)) continue;
        pod = { podId: s.podId, name: '', status: 'terminated' };
      } else {
        missing = 0;
        seen = true;
      }
      const transition = nextTransition({ lastStatus: s.lastStatus, expected: s.expected, pricing: s.job.pricing }, pod);
      s.lastStatus = pod.status;
      if (transition) {
        // After a preemption or an unasked stop, what the pod does next is no longer a surprise.
        if (transition.reason === 'preempted' || transition.reason === 'unexpected') s.expected = pod.status as Expected;
        await this.announce(s, pod, transition, signal);
      }
      // Ends with the pod, unless a job arrived meanwhile: then the next poll answers that job.
      if (pod.status === 'terminated' && s.generation === generation) {
        s.done = true;
        return;
      }
    }
  }

  private async announce(s: Session, pod: ProviderPod, transition: Transition, signal: AbortSignal): Promise<void> {
    const ordinal = s.announced.get(transition.status) ?? 0;
    s.announced.set(transition.status, ordinal + 1);
    const event: AgentEvent = {
      eventId: await eventIdFor({ provider: s.provider.id, podId: s.podId, jobId: s.job.jobId, status: transition.status, ordinal }),
      deploymentId: s.job.deploymentId,
      jobId: s.job.jobId,
      podId: s.podId,
      provider: s.provider.id,
      status: transition.status,
      ...(transition.reason ? { reason: transition.reason } : {}),
      ...(pod.detail ? { detail: pod.detail } : {}),
      ...(transition.status === 'running' && pod.connection ? { connection: pod.connection } : {}),
      ...(pod.gpuUtilization !== undefined && pod.status === 'running' ? { gpuUtilization: pod.gpuUtilization } : {}),
      observedAt: new Date(this.deps.clock.now()).toISOString(),
    };
    this.deps.log('info', 'pod event', { provider: event.provider, podId: event.podId, deploymentId: event.deploymentId, status: event.status, eventId: event.eventId });
    await this.deps.deliver(s.job.callbackUrl, event, signal);
  }
}
