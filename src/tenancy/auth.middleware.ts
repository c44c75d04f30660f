// Authentication: turns the Authorization header into `c.var.principal`. No header is anonymous; a
// `gpb_live_…` bearer is an API key (looked up by hash on every request, so revocation is immediate);
// any other bearer must be one of our access JWTs. The role always comes from the database, never
// from the token, so a demotion takes effect on the next request.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { isPlanId } from '../billing/plans';
import { Problem } from '../http/problem';
import { bearerFromProtocols } from '../live/upgrade';
import { verifyAccessToken } from './jwt';
import { hashApiKey, isWellFormedApiKey, looksLikeApiKey } from './keys';
import { ROLES, roleAtLeast, type Role, type TenantPrincipal } from './principal';

const LAST_USED_RESOLUTION_MS = 60_000;

export function unauthorized(detail: string): Problem {
  return new Problem(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer realm="gpubroker", error="invalid_token"' });
}

export function forbidden(detail: string): Problem {
  return new Problem(403, 'forbidden', 'Forbidden', detail);
}

/** The caller's address as Cloudflare reports it; `unknown` when there is none (local tools). */
export function clientIp(header: (name: string) => string | undefined): string {
  const ip = header('cf-connecting-ip')?.trim();
  return ip && ip.length <= 64 ? ip : 'unknown';
}

const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

interface KeyRow {
  id: string;
  tenant_id: string;
  role: string;
  created_by: string | null;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  plan: string;
}

interface MemberRow {
  role: string;
  plan: string;
  is_platform_admin: number;
}

async function fromApiKey(c: Parameters<MiddlewareHandler<AppEnv>>[0], key: string, ip: string): Promise<TenantPrincipal> {
  if (!isWellFormedApiKey(key)) throw unauthorized('malformed API key');
  const row = await c.env.DB.prepare(
    `SELECT k.id, k.tenant_id, k.role, k.created_by, k.expires_at, k.revoked_at, k.last_used_at, t.plan
     FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.key_hash = ?1`,
  )
    .bind(await hashApiKey(key))
    .first<KeyRow>();
  const now = Date.now();
  if (!row || row.revoked_at !== null) throw unauthorized('unknown or revoked API key');
  if (row.expires_at !== null && row.expires_at <= now) throw unauthorized('expired API key');
  if (!isRole(row.role) || !isPlanId(row.plan)) throw unauthorized('API key has no valid role or plan');
  if (row.last_used_at === null || now - row.last_used_at > LAST_USED_RESOLUTION_MS) {
    const update = c.env.DB.prepare('UPDATE api_keys SET last_used_at = ?2 WHERE tenant_id = ?3 AND id = ?1').bind(row.id, now, row.tenant_id).run();
    try {
      c.executionCtx.waitUntil(update);
    } catch {
      await update; // no execution context (direct app.request in tools)
    }
  }
  return { kind: 'api_key', tenantId: row.tenant_id, plan: row.plan, role: row.role, ip, userId: row.created_by, keyId: row.id, isPlatformAdmin: false };
}

async function fromAccessToken(c: Parameters<MiddlewareHandler<AppEnv>>[0], token: string, ip: string): Promise<TenantPrincipal> {
  let claims;
  try {
    claims = await verifyAccessToken(c.env, token);
  } catch {
    throw unauthorized('invalid or expired access token');
  }
  const row = await c.env.DB.prepare(
    `SELECT m.role, t.plan, u.is_platform_admin FROM memberships m
     JOIN tenants t ON t.id = m.tenant_id JOIN users u ON u.id = m.user_id
     WHERE m.tenant_id = ?1 AND m.user_id = ?2`,
  )
    .bind(claims.tid, claims.sub)
    .first<MemberRow>();
  if (!row || !isRole(row.role) || !isPlanId(row.plan)) throw unauthorized('no longer a member of this tenant');
  return {
    kind: 'user',
    tenantId: claims.tid,
    plan: row.plan,
    role: row.role,
    ip,
    userId: claims.sub,
    keyId: null,
    isPlatformAdmin: row.is_platform_admin === 1,
    tokenExpiresAt: claims.exp * 1000,
  };
}

/**
 * The live endpoints also take the token as a `token` query parameter or a `bearer.<token>`
 * Sec-WebSocket-Protocol entry: browsers cannot set Authorization on a WebSocket or EventSource.
 */
function liveToken(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string | undefined {
  if (!c.req.path.startsWith('/v1/live')) return undefined;
  return c.req.query('token') ?? bearerFromProtocols(c.req.raw);
}

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const ip = clientIp((name) => c.req.header(name));
  const header = c.req.header('authorization');
  const live = header === undefined ? liveToken(c) : undefined;
  if (header === undefined && live === undefined) {
    c.set('principal', { kind: 'anonymous', ip });
    return next();
  }
  const match = live !== undefined ? /^([\x21-\x7e]{1,4096})$/.exec(live) : /^Bearer ([\x21-\x7e]{1,4096})$/.exec(header!.trim());
  if (!match) throw unauthorized(live !== undefined ? 'the token is malformed' : 'Authorization must be "Bearer <token>"');
  const token = match[1]!;
  c.set('principal', looksLikeApiKey(token) ? await fromApiKey(c, token, ip) : await fromAccessToken(c, token, ip));
  return next();
};

/** Requires a tenant principal with at least `role`; anonymous callers get 401, weaker roles 403. */
export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.var.principal;
    if (p.kind === 'anonymous') throw unauthorized('sign in or send an API key');
    if (!roleAtLeast(p.role, role)) throw forbidden(`requires the ${role} role or higher`);
    return next();
  };
}

/**
 * Requires GPUBroker staff: a signed-in user flagged as platform admin (or listed in
 * PLATFORM_ADMIN_EMAILS). API keys never are, so a leaked key cannot reach the admin API.
 */
export const requirePlatformAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const p = c.var.principal;
  if (p.kind === 'anonymous') throw unauthorized('sign in as a platform admin');
  if (!p.isPlatformAdmin) throw forbidden('requires a platform admin');
  return next();
};

/** The tenant principal of a route that ran `requireRole`. */
export function tenantOf(principal: AppEnv['Variables']['principal']): TenantPrincipal {
  if (principal.kind === 'anonymous') throw unauthorized('sign in or send an API key');
  return principal;
}
