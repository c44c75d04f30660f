// Login throttling: 5 failed logins for one account (its email, hashed) or from one IP within 15
// minutes lock further attempts for 15 minutes after the 5th. Unknown and known emails are throttled
// alike, so a 429 never tells whether an account exists.
import { Problem } from '../http/problem';
import { sha256Hex } from './secrets';

export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_LOCK_MS = 15 * 60_000;
/** Rows older than this can no longer start or extend a lock, so they are pruned. */
const RELEVANT_MS = LOGIN_WINDOW_MS + LOGIN_LOCK_MS;

/** The throttle keys of one login attempt: `email:<sha256 of the email>` and `ip:<address>`. */
export async function loginSubjects(email: string, ip: string): Promise<[string, string]> {
  return [`email:${await sha256Hex(email)}`, `ip:${ip}`];
}

/**
 * When a lock ends, or null when `times` (one subject's failures) hold none that is still running.
 * A lock starts at any failure that is the 5th within 15 minutes and lasts 15 minutes from it.
 * Attempts refused while locked are not failures, so they never extend the lock.
 */
export function lockedUntil(times: readonly number[], now: number): number | null {
  const sorted = [...times].sort((a, b) => a - b);
  let until = 0;
  for (let i = LOGIN_MAX_FAILURES - 1; i < sorted.length; i++) {
    if (sorted[i]! - sorted[i - LOGIN_MAX_FAILURES + 1]! < LOGIN_WINDOW_MS) until = Math.max(until, sorted[i]! + LOGIN_LOCK_MS);
  }
  return until > now ? until : null;
}

/** Seconds until every subject is unlocked, or null when none is locked. */
export async function loginRetryAfter(db: D1Database, subjects: readonly string[], now: number): Promise<number | null> {
  const { results } = await db
    .prepare(`SELECT subject, at FROM login_failures WHERE subject IN (?1, ?2) AND at > ?3`)
    .bind(subjects[0], subjects[1], now - RELEVANT_MS)
    .all<{ subject: string; at: number }>();
  let until = 0;
  for (const subject of subjects) {
    until = Math.max(until, lockedUntil(results.filter((r) => r.subject === subject).map((r) => r.at), now) ?? 0);
  }
  return until > now ? Math.ceil((until - now) / 1000) : null;
}

/**
 * Counts this attempt as a failure before the password is checked, in one statement that inserts
 * only while both subjects have fewer than 5 failures in the window: concurrent attempts cannot
 * slip past the limit. Returns the row ids (delete them if the login succeeds), or null when the
 * limit was reached meanwhile.
 */
export async function reserveLoginAttempt(db: D1Database, subjects: readonly string[], now: number): Promise<number[] | null> {
  const { results } = await db
    .prepare(
      `INSERT INTO login_failures (subject, at)
       SELECT s.subject, ?3 FROM (SELECT ?1 AS subject UNION ALL SELECT ?2) AS s
       WHERE (SELECT count(*) FROM login_failures WHERE subject = ?1 AND at > ?4) < ?5
         AND (SELECT count(*) FROM login_failures WHERE subject = ?2 AND at > ?4) < ?5
       RETURNING id`,
    )
    .bind(subjects[0], subjects[1], now, now - LOGIN_WINDOW_MS, LOGIN_MAX_FAILURES)
    .all<{ id: number }>();
  return results.length === subjects.length ? results.map((r) => r.id) : null;
}

/** A successful login was not a failure: removes the rows `reserveLoginAttempt` wrote. */
export function releaseLoginAttempt(db: D1Database, ids: readonly number[]): D1PreparedStatement {
  return db.prepare('DELETE FROM login_failures WHERE id IN (?1, ?2)').bind(ids[0], ids[1] ?? ids[0]);
}

/**
 * Deletes every failure old enough to no longer matter, whoever it belongs to, so sprayed emails do
 * not pile up. Ids grow with time, so everything below the first recent id is old: the subquery
 * walks the primary key only over the rows it is about to delete.
 */
export function pruneLoginFailures(db: D1Database, now: number): D1PreparedStatement {
  return db
    .prepare(
      `DELETE FROM login_failures WHERE id < COALESCE(
         (SELECT id FROM login_failures WHERE at > ?1 ORDER BY id LIMIT 1),
         (SELECT max(id) + 1 FROM login_failures))`,
    )
    .bind(now - RELEVANT_MS);
}

export function tooManyLoginAttempts(retryAfterSeconds: number): Problem {
  return new Problem(
    429,
    'too-many-login-attempts',
    'Too many login attempts',
    `too many failed logins; try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s)`,
    undefined,
    { 'Retry-After': String(retryAfterSeconds) },
  );
}
