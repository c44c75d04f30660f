// Sessions: a short-lived access JWT plus a rotating refresh token. Refresh tokens are 32 random
// bytes (base64url) stored only as SHA-256, grouped in a family per login; each is usable once, and
// presenting a used or revoked one revokes its whole family (it was stolen, or a client misbehaves).
import type { Bindings } from '../env';
import { randomId } from '../catalog/ids';
import { ACCESS_TOKEN_SECONDS, signAccessToken } from './jwt';
import type { Role } from './principal';
import { randomToken, sha256Hex } from './secrets';

export const REFRESH_TOKEN_MS = 30 * 86_400_000;

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export interface SessionSubject {
  userId: string;
  tenantId: string;
  role: Role;
  /** The family of the refresh token being rotated; a login starts a new one. */
  familyId?: string;
}

/**
 * New tokens for `subject`, and the insert of the refresh token's hash for the caller to run (in
 * its batch). The insert returns no row when the family has been revoked meanwhile, so a rotation
 * racing a reuse can never leave a live token in a dead family.
 */
export async function newSession(
  env: Bindings,
  db: D1Database,
  subject: SessionSubject,
  now = Date.now(),
): Promise<{ tokens: SessionTokens; statement: D1PreparedStatement }> {
  const refreshToken = randomToken(32);
  const statement = db
    .prepare(
      `INSERT INTO refresh_tokens (id, tenant_id, user_id, family_id, token_hash, created_at, expires_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
       WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens WHERE tenant_id = ?2 AND family_id = ?4 AND revoked_at IS NOT NULL)
       RETURNING id`,
    )
    .bind(
      randomId('rtk_'),
      subject.tenantId,
      subject.userId,
      subject.familyId ?? randomId('rtf_'),
      await sha256Hex(refreshToken),
      now,
      now + REFRESH_TOKEN_MS,
    );
  const accessToken = await signAccessToken(env, { sub: subject.userId, tid: subject.tenantId, role: subject.role }, now);
  return { tokens: { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_SECONDS }, statement };
}

export interface RefreshTokenRow {
  id: string;
  tenant_id: string;
  user_id: string;
  family_id: string;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

/** Looks a presented refresh token up by its hash; the token itself is never stored. */
export async function findRefreshToken(db: D1Database, token: string): Promise<RefreshTokenRow | null> {
  return db
    .prepare('SELECT id, tenant_id, user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?1')
    .bind(await sha256Hex(token))
    .first<RefreshTokenRow>();
}

/**
 * Marks the token used if nobody has yet. Only one of two concurrent refreshes with the same token
 * gets true (RETURNING tells which, since D1's change counts are not reliable for this).
 */
export async function claimRefreshToken(db: D1Database, row: RefreshTokenRow, now: number): Promise<boolean> {
  const claimed = await db
    .prepare('UPDATE refresh_tokens SET used_at = ?3 WHERE tenant_id = ?1 AND id = ?2 AND used_at IS NULL AND revoked_at IS NULL RETURNING id')
    .bind(row.tenant_id, row.id, now)
    .all<{ id: string }>();
  return claimed.results.length === 1;
}

/** Revokes every token of a family that is not revoked yet. */
export function revokeFamilyStatement(db: D1Database, tenantId: string, familyId: string, now: number): D1PreparedStatement {
  return db
    .prepare('UPDATE refresh_tokens SET revoked_at = ?3 WHERE tenant_id = ?1 AND family_id = ?2 AND revoked_at IS NULL')
    .bind(tenantId, familyId, now);
}
