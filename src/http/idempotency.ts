// `Idempotency-Key` for POST routes, with Stripe's semantics: the first response for (scope, key) is
// stored and replayed for 24 hours; the same key with another request answers 422; a duplicate that
// arrives while the first still runs answers 409. Mount it per route, after authentication.
//
// Scope: a tenant's callers share one key space (`tenant_id` = the tenant's id). Anonymous callers
// (signup, login) are scoped by `anon:<ip>` rather than refused, so a retried signup cannot create
// two tenants. A replay needs the identical method, path and body (the request hash), so it only
// ever returns an answer to someone who already knew the whole request.
//
// Stored answers may hold secrets (a new API key, tokens), so the row keeps only a hash of the
// Idempotency-Key and the body sealed with AES-GCM under a key derived from the Idempotency-Key:
// the table alone reveals nothing; only the client holding the key can have the answer replayed.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { fromBase64, fromUtf8, toBase64, toHex, utf8 } from '../encoding';
import { Problem } from './problem';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A row still `in_progress` after this long belongs to a request that died; a retry may take it over. */
export const ABANDONED_AFTER_MS = 5 * 60 * 1000;

const NULL_BODY_STATUSES = new Set([204, 205, 304]);
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Headers that describe this delivery rather than the answer; the outer middleware sets them afresh. */
const NOT_STORED = /^(?:content-length|set-cookie|x-request-id|x-d1-bookmark|ratelimit-.*|retry-after|access-control-.*|vary)$/i;

interface StoredRow {
  request_hash: string;
  state: 'in_progress' | 'done';
  status: number | null;
  headers: string | null;
  body: string | null;
}

export interface IdempotencyOptions {
  /** When true, a request without the header answers 400. */
  required?: boolean;
}

const keyProblem = (message: string) =>
  new Problem(400, 'invalid-request', 'Invalid request', `invalid header.${IDEMPOTENCY_HEADER}`, [{ field: `header.${IDEMPOTENCY_HEADER}`, message }]);

function scopeOf(c: Context<AppEnv>): string {
  const p = c.var.principal;
  return p.kind === 'anonymous' ? `anon:${p.ip}` : p.tenantId;
}

const sha256 = async (data: BufferSource) => new Uint8Array(await crypto.subtle.digest('SHA-256', data));

/** The row's `key`: a hash, so the table does not hold the secret that unseals its bodies. */
const rowKey = async (key: string) => toHex(await sha256(utf8(`gpubroker idempotency lookup\n${key}`)));

interface Secrets {
  /** Seals stored bodies. */
  seal: CryptoKey;
  /** Keys the request hash, so a hash of a body holding a password cannot be guessed against offline. */
  mac: CryptoKey;
}

async function secretsFor(scope: string, key: string): Promise<Secrets> {
  const [seal, mac] = await Promise.all([
    sha256(utf8(`gpubroker idempotency seal\n${scope}\n${key}`)),
    sha256(utf8(`gpubroker idempotency mac\n${scope}\n${key}`)),
  ]);
  return {
    seal: await crypto.subtle.importKey('raw', seal, 'AES-GCM', false, ['encrypt', 'decrypt']),
    mac: await crypto.subtle.importKey('raw', mac, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
  };
}

async function seal(cryptoKey: CryptoKey, text: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, cryptoKey, utf8(text)));
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return toBase64(out);
}

async function unseal(cryptoKey: CryptoKey, stored: string): Promise<string> {
  const bytes = fromBase64(stored);
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, 12) }, cryptoKey, bytes.subarray(12));
  return fromUtf8(new Uint8Array(plain));
}

async function requestHash(c: Context<AppEnv>, mac: CryptoKey): Promise<string> {
  const url = new URL(c.req.url);
  // Hono caches the body, so the route's validator can still read it after this.
  const body = new Uint8Array(await c.req.arrayBuffer());
  const head = utf8(`${c.req.method}\n${url.pathname}${url.search}\n`);
  const all = new Uint8Array(head.length + body.length);
  all.set(head);
  all.set(body, head.length);
  return toHex(new Uint8Array(await crypto.subtle.sign('HMAC', mac, all)));
}

async function replay(row: StoredRow, cryptoKey: CryptoKey): Promise<Response> {
  const headers = new Headers(row.headers ? (JSON.parse(row.headers) as [string, string][]) : []);
  headers.set(REPLAYED_HEADER, 'true');
  const status = row.status ?? 200;
  const body = row.body && !NULL_BODY_STATUSES.has(status) ? await unseal(cryptoKey, row.body) : null;
  return new Response(body, { status, headers });
}

const mismatch = () =>
  new Problem(422, 'idempotency-mismatch', 'Idempotency key reused', `this ${IDEMPOTENCY_HEADER} was used with a different request; use a new key for a new request`);

const inProgress = () =>
  new Problem(409, 'idempotency-conflict', 'Request in progress', `a request with this ${IDEMPOTENCY_HEADER} is still being processed; retry shortly`, undefined, {
    'Retry-After': '1',
  });

/** Marker: the key was released by a failed first request while we looked. */
const RELEASED = Symbol('released');

/** Only answers a retry should see again are kept; 5xx means "try again". */
const storable = (status: number) => (status >= 200 && status < 300) || (status >= 400 && status < 500);

export function idempotency(options: IdempotencyOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header(IDEMPOTENCY_HEADER);
    if (key === undefined) {
      if (options.required) throw keyProblem(`required: send a unique ${IDEMPOTENCY_HEADER} (e.g. a UUID) with this request`);
      return next();
    }
    if (!KEY_PATTERN.test(key)) throw keyProblem('must be 1–255 visible ASCII characters');

    const db = c.env.DB; // never a replica: this is a lock
    const scope = scopeOf(c);
    const [storedKey, secrets] = await Promise.all([rowKey(key), secretsFor(scope, key)]);
    const hash = await requestHash(c, secrets.mac);
    const now = Date.now();

    const claim = async (): Promise<Response | typeof RELEASED | null> => {
      // Insert, or take over a row that expired or was abandoned. RETURNING yields a row only when
      // this request now owns the key.
      const claimed = await db
        .prepare(
          `INSERT INTO idempotency_keys (tenant_id, key, request_hash, state, status, headers, body, created_at, expires_at)
           VALUES (?1, ?2, ?3, 'in_progress', NULL, NULL, NULL, ?4, ?5)
           ON CONFLICT (tenant_id, key) DO UPDATE SET
             request_hash = excluded.request_hash, state = 'in_progress', status = NULL, headers = NULL, body = NULL,
             created_at = excluded.created_at, expires_at = excluded.expires_at
           WHERE idempotency_keys.expires_at <= ?4 OR (idempotency_keys.state = 'in_progress' AND idempotency_keys.created_at <= ?6)
           RETURNING key`,
        )
        .bind(scope, storedKey, hash, now, now + IDEMPOTENCY_TTL_MS, now - ABANDONED_AFTER_MS)
        .first<{ key: string }>();
      if (claimed) return null;
      const row = await db
        .prepare('SELECT request_hash, state, status, headers, body FROM idempotency_keys WHERE tenant_id = ?1 AND key = ?2')
        .bind(scope, storedKey)
        .first<StoredRow>();
      if (!row) return RELEASED;
      if (row.request_hash !== hash) throw mismatch();
      if (row.state === 'in_progress') throw inProgress();
      return replay(row, secrets.seal);
    };

    let answer = await claim();
    // The first request failed and released the key between our insert and select: claim again once.
    if (answer === RELEASED) answer = await claim();
    if (answer === RELEASED) throw inProgress();
    if (answer) return answer;

    // Frees the key after a failure so a retry runs the handler again (nothing was stored).
    const release = async () => {
      try {
        await db
          .prepare(`DELETE FROM idempotency_keys WHERE tenant_id = ?1 AND key = ?2 AND state = 'in_progress' AND created_at = ?3`)
          .bind(scope, storedKey, now)
          .run();
      } catch (err) {
        console.error(`request ${c.var.requestId}: could not release an idempotency key:`, err instanceof Error ? err.message : err);
      }
    };

    try {
      await next();
    } catch (err) {
      await release();
      throw err;
    }

    const res = c.res;
    if (!storable(res.status)) {
      await release();
      return;
    }
    const headers = [...res.headers].filter(([name]) => !NOT_STORED.test(name));
    const body = await seal(secrets.seal, await res.clone().text());
    try {
      await db
        .prepare(
          `UPDATE idempotency_keys SET state = 'done', status = ?4, headers = ?5, body = ?6
           WHERE tenant_id = ?1 AND key = ?2 AND state = 'in_progress' AND created_at = ?3`,
        )
        .bind(scope, storedKey, now, res.status, JSON.stringify(headers), body)
        .run();
    } catch (err) {
      // The effect already happened: answer it. The row stays in_progress, so retries get 409 until
      // it counts as abandoned, rather than repeating the effect at once.
      console.error(`request ${c.var.requestId}: could not store the idempotent response:`, err instanceof Error ? err.message : err);
    }
  };
}

/** Deletes expired keys (for a periodic job); expired rows are already ignored by the middleware. */
export async function purgeExpiredIdempotencyKeys(db: D1Database, now = Date.now()): Promise<number> {
  const res = await db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?1').bind(now).run();
  return res.meta.changes;
}
