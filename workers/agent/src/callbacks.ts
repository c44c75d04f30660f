// Delivers one event to the Worker's callback URL, signed like every agent request. Network errors,
// 408, 429 and 5xx are retried with doubling delays (0.5 s, 1 s, 2 s … within about a minute); any
// other answer is final. After that the agent logs and moves on: the Worker's reconcile pass repairs.
import type { Clock } from './clock';
import type { AgentEvent } from './events';
import type { Logger } from './log';
import { SIGNATURE_HEADER, signatureHeader } from './signing';

export interface CallbackSettings {
  secret: string;
  fetch: typeof fetch;
  clock: Clock;
  log: Logger;
  /** First retry delay; each later one doubles. */
  backoffMs: number;
  /** Total time the retry delays may add up to. */
  retryBudgetMs: number;
  /** Per attempt. */
  timeoutMs: number;
}

/** The retry delays: base, 2×base, 4×base … until they add up to the budget (0.5 s and 60 s: seven, 63.5 s). */
export function retryDelays(baseMs: number, budgetMs: number): number[] {
  const delays: number[] = [];
  let total = 0;
  for (let delay = baseMs; total < budgetMs; delay *= 2) {
    delays.push(delay);
    total += delay;
  }
  return delays;
}

const retryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** True once the Worker took the event; false when it refused it or every attempt failed. */
export async function deliverEvent(url: string, event: AgentEvent, settings: CallbackSettings, signal?: AbortSignal): Promise<boolean> {
  const body = JSON.stringify(event);
  const delays = retryDelays(settings.backoffMs, settings.retryBudgetMs);
  const doFetch = settings.fetch;
  const fields = { eventId: event.eventId, podId: event.podId, status: event.status };
  for (let attempt = 0; ; attempt++) {
    let outcome: string;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
    try {
      // Signed per attempt, so a delivery retried for a minute still carries a fresh timestamp.
      const response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: await signatureHeader(settings.secret, body, settings.clock.now()) },
        body,
        signal: controller.signal,
      });
      await response.body?.cancel();
      if (response.ok) return true;
      if (!retryableStatus(response.status)) {
        settings.log('warn', 'callback refused; not retrying', { ...fields, httpStatus: response.status });
        return false;
      }
      outcome = `HTTP ${response.status}`;
    } catch (err) {
      outcome = controller.signal.aborted ? 'timed out' : err instanceof Error ? err.message : String(err);
    } finally {
      clearTimeout(timer);
    }
    const delay = delays[attempt];
    if (delay === undefined || signal?.aborted) {
      settings.log('error', 'callback undelivered; giving up (the Worker reconciles)', { ...fields, attempts: attempt + 1, lastError: outcome });
      return false;
    }
    await settings.clock.sleep(delay, signal);
  }
}
