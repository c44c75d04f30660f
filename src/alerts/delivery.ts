// The ALERT_DELIVERIES consumer: sends one delivery row as a signed webhook. Idempotent on the row:
// a delivery that is no longer pending is acknowledged without effect, and an attempt holds a claim
// on the row, so a duplicate message can never send it twice at once. Each attempt is logged
// (status, latency, error, the start of the answer); a non-2xx answer, a timeout or a refused
// address retries with exponential backoff under the same webhook-id, until ALERTS_MAX_ATTEMPTS
// marks it failed. A message that exhausts the queue's own retries reaches the dead-letter queue,
// whose consumer marks its delivery failed too.
import { readConfig, type Bindings, type Config } from '../env';
import { guardUrl } from './dns';
import { outboundFetch, resolverFor } from './outbound';
import { openSecret } from './secret-box';
import { signatureHeaders } from './signing';

export interface AlertDeliveryMessage {
  deliveryId: string;
  tenantId: string;
  alertId: string;
}

export const ALERT_QUEUE = 'gpubroker-alert-deliveries';
export const ALERT_DEAD_LETTER_QUEUE = `${ALERT_QUEUE}-dlq`;
export const isAlertQueue = (name: string) => name === ALERT_QUEUE || name === ALERT_DEAD_LETTER_QUEUE;

const USER_AGENT = 'GPUBroker-Webhooks/1.0 (+https://www.standardwebhooks.com)';
const SNIPPET_CHARS = 200;
/** A claim outlives the attempt's timeout by this much, then a redelivered message may take over. */
const CLAIM_MARGIN_MS = 30_000;

/** Seconds before the next attempt after attempt `n` failed: 5 s, 20 s, 80 s, 5⅓ min, 21 min, 85 min, 5.7 h, then 6 h. */
export function deliveryBackoffSeconds(attempt: number): number {
  return Math.min(6 * 3600, 5 * 4 ** Math.max(0, attempt - 1));
}

/** What to do with the message: acknowledge it, or have the queue redeliver it later. */
export type Outcome = { ack: true; note: string } | { ack: false; retryAfterSeconds: number };

const done = (note: string): Outcome => ({ ack: true, note });

function isMessage(body: unknown): body is AlertDeliveryMessage {
  const b = body as Partial<AlertDeliveryMessage> | null;
  return typeof b === 'object' && b !== null && typeof b.deliveryId === 'string' && typeof b.tenantId === 'string' && typeof b.alertId === 'string';
}

export async function handleAlertDeliveries(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const dead = batch.queue === ALERT_DEAD_LETTER_QUEUE;
  // Concurrently: one slow receiver must not hold up the others in the batch.
  await Promise.all(
    batch.messages.map(async (message) => {
      if (!isMessage(message.body)) {
        console.error(`alert queue: dropping a malformed message ${message.id}`);
        return message.ack();
      }
      try {
        const outcome = dead ? await buryDelivery(env, message.body) : await processDelivery(env, message.body);
        if (outcome.ack) message.ack();
        else message.retry({ delaySeconds: outcome.retryAfterSeconds });
      } catch (err) {
        console.error(`alert delivery ${message.body.deliveryId} failed; retrying: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        message.retry({ delaySeconds: deliveryBackoffSeconds(message.attempts) });
      }
    }),
  );
}

interface PendingRow {
  status: string;
  kind: string;
  payload: string;
  alert_status: string;
  webhook_url: string | null;
  secret_ciphertext: string | null;
}

export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number | null;
  error: string | null;
  snippet: string | null;
}

/** Makes one attempt of a delivery (if it is still due); says whether the message is done. */
export async function processDelivery(env: Bindings, msg: AlertDeliveryMessage, now = Date.now()): Promise<Outcome> {
  const config = readConfig(env);
  const db = env.DB;
  const row = await db
    .prepare(
      `SELECT d.status, d.kind, d.payload, a.status AS alert_status, a.webhook_url, a.secret_ciphertext
       FROM alert_deliveries d JOIN alerts a ON a.tenant_id = d.tenant_id AND a.id = d.alert_id
       WHERE d.tenant_id = ?1 AND d.id = ?2`,
    )
    .bind(msg.tenantId, msg.deliveryId)
    .first<PendingRow>();
  if (!row) {
    console.error(`alert delivery ${msg.deliveryId}: no such delivery; dropped`);
    return done('missing');
  }
  if (row.status !== 'pending' || row.kind !== 'webhook') return done(`already ${row.status}`);
  if (row.alert_status !== 'active' || !row.webhook_url || !row.secret_ciphertext) {
    await db
      .prepare(`UPDATE alert_deliveries SET status = 'failed', failed_at = ?3, last_error = 'alert deleted before delivery' WHERE tenant_id = ?1 AND id = ?2 AND status = 'pending'`)
      .bind(msg.tenantId, msg.deliveryId, now)
      .run();
    return done('alert deleted');
  }
  const claim = await db
    .prepare(
      `UPDATE alert_deliveries SET attempts = attempts + 1, claimed_until = ?3
       WHERE tenant_id = ?1 AND id = ?2 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < ?4)
       RETURNING attempts`,
    )
    .bind(msg.tenantId, msg.deliveryId, now + config.ALERTS_DELIVERY_TIMEOUT_MS + CLAIM_MARGIN_MS, now)
    .first<{ attempts: number }>();
  // Another consumer holds it (a duplicate message): its own message carries the retries.
  if (!claim) return done('attempt in flight elsewhere');
  const attempt = claim.attempts;

  const result = await attemptDelivery(env, config, { id: msg.deliveryId, alertId: msg.alertId, url: row.webhook_url, sealedSecret: row.secret_ciphertext, payload: row.payload }, now);
  const final = result.ok || attempt >= config.ALERTS_MAX_ATTEMPTS;
  const delay = final ? 0 : deliveryBackoffSeconds(attempt);
  const status = result.ok ? 'delivered' : final ? 'failed' : 'pending';
  const at = now + (result.latencyMs ?? 0);
  await db.batch([
    db
      .prepare(
        `INSERT OR IGNORE INTO alert_delivery_attempts (tenant_id, delivery_id, attempt, at, status_code, latency_ms, error, response_snippet)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
      )
      .bind(msg.tenantId, msg.deliveryId, attempt, now, result.statusCode, result.latencyMs, result.error, result.snippet),
    db
      .prepare(
        `UPDATE alert_deliveries SET status = ?3, last_status_code = ?4, last_error = ?5, claimed_until = NULL, due_at = ?6,
           delivered_at = CASE WHEN ?3 = 'delivered' THEN ?7 END, failed_at = CASE WHEN ?3 = 'failed' THEN ?7 END
         WHERE tenant_id = ?1 AND id = ?2 AND status = 'pending'`,
      )
      .bind(msg.tenantId, msg.deliveryId, status, result.statusCode, result.error, at + delay * 1000, at),
  ]);
  if (!result.ok) console.warn(`alert delivery ${msg.deliveryId} attempt ${attempt}: ${result.error}${final ? '; giving up' : `; next in ${delay} s`}`);
  return final ? done(status) : { ack: false, retryAfterSeconds: delay };
}

/**
 * One signed POST. The URL is checked again first (its name may point somewhere else by now); no
 * redirect is followed; the answer's body is read only as far as a short snippet.
 */
export async function attemptDelivery(
  env: Bindings,
  config: Config,
  d: { id: string; alertId: string; url: string; sealedSecret: string; payload: string },
  now: number,
): Promise<AttemptResult> {
  const failed = (error: string, statusCode: number | null = null, latencyMs: number | null = null, snippet: string | null = null): AttemptResult => ({
    ok: false,
    statusCode,
    latencyMs,
    error: error.slice(0, 500),
    snippet,
  });
  const verdict = await guardUrl(d.url, { allowPrivate: config.ALERTS_ALLOW_PRIVATE_URLS }, resolverFor(env));
  if (!verdict.ok) return failed(`not sent: ${verdict.reason}`);
  let secret: string;
  try {
    secret = await openSecret(env.ALERTS_SECRET_KEY, d.alertId, d.sealedSecret);
  } catch (err) {
    return failed(`not sent: ${err instanceof Error ? err.message : String(err)}`);
  }
  const headers = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    ...(await signatureHeaders(secret, d.id, Math.floor(now / 1000), d.payload)),
  };
  const started = Date.now();
  let res: Response;
  try {
    res = await outboundFetch()(verdict.url.toString(), {
      method: 'POST',
      headers,
      body: d.payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(config.ALERTS_DELIVERY_TIMEOUT_MS),
    });
  } catch (err) {
    const latency = Date.now() - started;
    const name = err instanceof Error ? err.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') return failed(`no answer within ${config.ALERTS_DELIVERY_TIMEOUT_MS} ms`, null, latency);
    return failed(`request failed: ${err instanceof Error ? err.message : String(err)}`, null, latency);
  }
  const snippet = await readSnippet(res);
  const latency = Date.now() - started;
  if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status, latencyMs: latency, error: null, snippet };
  if (res.status >= 300 && res.status < 400) {
    return failed(`answered ${res.status}, a redirect${res.headers.get('location') ? ` to ${res.headers.get('location')}` : ''}; redirects are not followed`, res.status, latency, snippet);
  }
  return failed(`answered ${res.status}`, res.status, latency, snippet);
}

/** The first characters of a response body, reading no more than a few KB of it. */
async function readSnippet(res: Response): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < 4 * SNIPPET_CHARS) {
      const { done: end, value } = await reader.read();
      if (end) break;
      parts.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body that breaks off still gives what arrived.
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  const text = new TextDecoder().decode(bytes).slice(0, SNIPPET_CHARS);
  return text.length > 0 ? text : null;
}

/** The dead-letter consumer: a delivery whose message exhausted the queue's retries is failed. */
export async function buryDelivery(env: Bindings, msg: AlertDeliveryMessage, now = Date.now()): Promise<Outcome> {
  await env.DB.prepare(
    `UPDATE alert_deliveries SET status = 'failed', failed_at = ?3, claimed_until = NULL,
       last_error = COALESCE(last_error || '; ', '') || 'retries exhausted on the queue'
     WHERE tenant_id = ?1 AND id = ?2 AND status = 'pending'`,
  )
    .bind(msg.tenantId, msg.deliveryId, now)
    .run();
  return done('buried');
}
