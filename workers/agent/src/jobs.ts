// Runs the Worker's jobs against providers, idempotent on jobId: a job seen before answers its first
// result (`replayed: true`) without calling the provider again, and a duplicate that arrives while
// the first is still running waits for it. Failures are not remembered, so a retried job tries again;
// a provision first looks for a live pod already named for the deployment, so a retry after a
// timeout (the provider may have created the pod) adopts it instead of creating a second one.
import type { Clock } from './clock';
import type { Expected } from './events';
import type { JobRequest } from './job-schema';
import type { Logger } from './log';
import { podName } from './pods';
import { AgentProblem, notConfigured } from './problem';
import { ProviderError, type PodProvider, type PodStatus, type ProviderRegistry } from './providers/types';
import type { Watcher } from './watcher';

export type JobStatus = 'provisioning' | 'stopping' | 'starting' | 'terminating' | 'stopped' | 'terminated';

export interface JobResult {
  jobId: string;
  podId: string;
  status: JobStatus;
  replayed: boolean;
}

interface Outcome {
  podId: string;
  status: JobStatus;
}

interface Entry {
  fingerprint: string;
  outcome: Promise<Outcome>;
  at: number;
}

/** Results are remembered for a day, and at most this many: the Worker retries within minutes. */
const REMEMBER_MS = 24 * 60 * 60 * 1000;
const REMEMBER_MAX = 10_000;

const encoder = new TextEncoder();

/** JSON with sorted keys, so the same job always serialises the same way. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What makes two requests the same job. `attempt` is left out: the Worker counts its retries in it. A hash, so no pod env stays in memory. */
async function fingerprintOf(job: JobRequest): Promise<string> {
  const { attempt: _attempt, ...rest } = job;
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(stableJson(rest)));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface JobRunnerDeps {
  providers: ProviderRegistry;
  watcher: Watcher;
  clock: Clock;
  log: Logger;
}

export class JobRunner {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly deps: JobRunnerDeps) {}

  async run(job: JobRequest): Promise<JobResult> {
    const provider = this.deps.providers.get(job.target.provider);
    if (!provider) throw notConfigured(job.target.provider);

    const fingerprint = await fingerprintOf(job);
    this.forgetOld();
    const seen = this.entries.get(job.jobId);
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        throw new AgentProblem(409, 'job_conflict', `job ${job.jobId} was already used for a different request`, false);
      }
      const outcome = await seen.outcome;
      return { jobId: job.jobId, ...outcome, replayed: true };
    }

    const outcome = this.execute(provider, job);
    const entry: Entry = { fingerprint, outcome, at: this.deps.clock.now() };
    this.entries.set(job.jobId, entry);
    try {
      const result = await outcome;
      this.deps.log('info', 'job done', { jobId: job.jobId, action: job.action, provider: provider.id, podId: result.podId, status: result.status });
      return { jobId: job.jobId, ...result, replayed: false };
    } catch (err) {
      if (this.entries.get(job.jobId) === entry) this.entries.delete(job.jobId);
      this.deps.log('warn', 'job failed', { jobId: job.jobId, action: job.action, provider: provider.id, error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  private forgetOld(): void {
    const cutoff = this.deps.clock.now() - REMEMBER_MS;
    for (const [jobId, entry] of this.entries) {
      // Insertion order is age order, so the first young entry ends the sweep.
      if (entry.at >= cutoff && this.entries.size < REMEMBER_MAX) break;
      this.entries.delete(jobId);
    }
  }

  private async execute(provider: PodProvider, job: JobRequest): Promise<Outcome> {
    const watch = (podId: string, expected: Expected, baseline: PodStatus | undefined): void =>
      this.deps.watcher.watch(provider, podId, { jobId: job.jobId, deploymentId: job.deploymentId, callbackUrl: job.callbackUrl, pricing: job.target.pricing }, expected, baseline);

    if (job.action === 'provision') {
      const name = podName(job.deploymentId);
      const adopted = (await provider.list()).find((p) => p.name === name && (p.status === 'provisioning' || p.status === 'running'));
      if (adopted) this.deps.log('info', 'adopting the live pod already named for this deployment', { jobId: job.jobId, podId: adopted.podId });
      const pod =
        adopted ??
        (await provider.provision({ jobId: job.jobId, deploymentId: job.deploymentId, name, target: job.target, spec: job.spec! }));
      watch(pod.podId, 'running', undefined);
      return { podId: pod.podId, status: 'provisioning' };
    }

    // The schema guarantees a podId for every other action.
    const podId = job.target.podId!;
    if ((job.action === 'stop' || job.action === 'start') && !provider.canStopStart) {
      throw new ProviderError(provider.id, 'not_supported', `${provider.id} cannot ${job.action} a pod; terminate it instead`);
    }
    const pod = await provider.status(podId);
    const gone = !pod || pod.status === 'terminated';

    if (job.action === 'terminate') {
      // Already gone is what terminate wants: answered as done, and announced like any termination.
      if (!gone) {
        try {
          await provider.terminate(podId);
        } catch (err) {
          if (!(err instanceof ProviderError && err.kind === 'not_found')) throw err;
        }
      }
      watch(podId, 'terminated', gone ? undefined : pod.status);
      return { podId, status: gone ? 'terminated' : 'terminating' };
    }

    if (gone) throw new ProviderError(provider.id, 'not_found', `pod ${podId} is ${pod ? 'terminated' : 'not known to the provider'}`);

    if (job.action === 'stop') {
      // Already stopped: nothing to ask, but the Worker still hears `stopped` for this job.
      if (pod.status === 'stopped') {
        watch(podId, 'stopped', undefined);
        return { podId, status: 'stopped' };
      }
      await provider.stop(podId);
      watch(podId, 'stopped', pod.status);
      return { podId, status: 'stopping' };
    }

    // start
    if (pod.status === 'stopped') {
      await provider.start(podId);
      watch(podId, 'running', 'stopped');
    } else {
      watch(podId, 'running', undefined);
    }
    return { podId, status: 'starting' };
  }
}
