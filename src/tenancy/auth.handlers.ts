// Identity endpoints: signup, login (throttled), refresh-token rotation with reuse detection,
// logout, who-am-I and the JWKS. Passwords and tokens never reach a log line or a problem.
import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { isPlanId, type PlanId } from '../billing/plans';
import { Problem } from '../http/problem';
import { auditStatement } from './audit';
import { clientIp, forbidden, tenantOf, unauthorized } from './auth.middleware';
import type { jwksRoute, loginRoute, logoutRoute, meRoute, refreshRoute, signupRoute } from './auth.routes';
import { jwks } from './jwt';
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from './passwords';
import { ROLES, type Principal, type Role, type TenantPrincipal } from './principal';
import { claimRefreshToken, findRefreshToken, newSession, revokeFamilyStatement, type RefreshTokenRow, type SessionTokens } from './sessions';
import { newTenantStatements } from './tenants';
import {
  LOGIN_LOCK_MS,
  loginRetryAfter,
  loginSubjects,
  pruneLoginFailures,
  releaseLoginAttempt,
  reserveLoginAttempt,
  tooManyLoginAttempts,
} from './throttle';

const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** 401 for a bad password or refresh token; one detail per endpoint whatever the cause. */
function invalidCredentials(detail: string): Problem {
  return invalidCredentialsWith(detail, {});
}

function invalidCredentialsWith(detail: string, headers: Record<string, string>): Problem {
  return new Problem(401, 'invalid-credentials', 'Invalid credentials', detail, undefined, { 'WWW-Authenticate': 'Bearer realm="gpubroker"', ...headers });
}

const WRONG_LOGIN = 'wrong email or password';
const BAD_REFRESH = 'unknown, expired, used or revoked refresh token; sign in again';

const ipOf = (c: Context<AppEnv>) => clientIp((name) => c.req.header(name));

interface Membership {
  tenantId: string;
  role: Role;
  plan: PlanId;
}

function userActor(userId: string, m: Membership, ip: string): TenantPrincipal {
  return { kind: 'user', tenantId: m.tenantId, plan: m.plan, role: m.role, ip, userId, keyId: null, isPlatformAdmin: false };
}

async function membershipOf(db: D1Database, tenantId: string, userId: string): Promise<Membership | null> {
  const row = await db
    .prepare('SELECT m.role, t.plan FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE m.tenant_id = ?1 AND m.user_id = ?2')
    .bind(tenantId, userId)
    .first<{ role: string; plan: string }>();
  return row && isRole(row.role) && isPlanId(row.plan) ? { tenantId, role: row.role, plan: row.plan } : null;
}

export interface SignupInput {
  email: string;
  password: string;
  organization: string;
}

/** Creates the tenant, its owner and first API key, and a session; the JSON and the cookie flows share it. */
export async function createAccount(c: Context<AppEnv>, { email, password, organization }: SignupInput) {
  const db = c.env.DB;
  const taken = () => new Problem(409, 'email-taken', 'Email already registered', 'an account with this email exists; sign in instead');
  // Checked before hashing so a duplicate costs no KDF time; the unique index settles races.
  if (await db.prepare('SELECT 1 FROM users WHERE email = ?1').bind(email).first()) throw taken();
  const now = Date.now();
  const { tenant, statements } = await newTenantStatements(db, { organization, email, passwordHash: await hashPassword(password), ip: ipOf(c), now });
  const session = await newSession(c.env, db, { userId: tenant.userId, tenantId: tenant.tenantId, role: 'owner' }, now);
  try {
    await db.batch([...statements, session.statement]);
  } catch (err) {
    if (err instanceof Error && /UNIQUE constraint failed: users\.email/.test(err.message)) throw taken();
    throw err;
  }
  return {
    tenant: { id: tenant.tenantId, name: organization, plan: 'free' as const },
    user: { id: tenant.userId, email },
    apiKey: { id: tenant.apiKeyId, key: tenant.apiKey, preview: tenant.apiKeyPreview },
    tokens: session.tokens,
  };
}

export const signup: RouteHandler<typeof signupRoute, AppEnv> = async (c) => {
  const { tokens, ...account } = await createAccount(c, c.req.valid('json'));
  c.header('Cache-Control', 'no-store');
  return c.json({ ...account, ...tokens }, 201);
};

interface AccountRow {
  id: string;
  password_hash: string;
  tenant_id: string | null;
  role: string | null;
  plan: string | null;
}

/** The user with this email and its memberships, oldest first; empty when the email is unknown. */
async function findAccount(db: D1Database, email: string): Promise<{ userId: string; passwordHash: string; memberships: Membership[] } | null> {
  const { results } = await db
    .prepare(
      `SELECT u.id, u.password_hash, m.tenant_id, m.role, t.plan FROM users u
       LEFT JOIN memberships m ON m.user_id = u.id LEFT JOIN tenants t ON t.id = m.tenant_id
       WHERE u.email = ?1 ORDER BY m.created_at, m.tenant_id LIMIT 100`,
    )
    .bind(email)
    .all<AccountRow>();
  const first = results[0];
  if (!first) return null;
  const memberships: Membership[] = [];
  for (const r of results) {
    if (r.tenant_id && r.role && r.plan && isRole(r.role) && isPlanId(r.plan)) memberships.push({ tenantId: r.tenant_id, role: r.role, plan: r.plan });
  }
  return { userId: first.id, passwordHash: first.password_hash, memberships };
}

export interface LoginInput {
  email: string;
  password: string;
  tenantId?: string | undefined;
}

/** Checks the password (throttled) and opens a session in the requested or oldest tenant. */
export async function signIn(c: Context<AppEnv>, { email, password, tenantId }: LoginInput): Promise<{ tokens: SessionTokens; tenantId: string }> {
  const db = c.env.DB;
  const ip = ipOf(c);
  const now = Date.now();
  // Made once per isolate; awaited on every path so the first unknown email is not the slow one.
  const dummyHash = dummyPasswordHash();

  // The lock is decided before anything about the account is read, the same way for every email.
  const subjects = await loginSubjects(email, ip);
  const wait = await loginRetryAfter(db, subjects, now);
  if (wait !== null) throw tooManyLoginAttempts(wait);
  const reserved = await reserveLoginAttempt(db, subjects, now);
  if (!reserved) throw tooManyLoginAttempts((await loginRetryAfter(db, subjects, now)) ?? LOGIN_LOCK_MS / 1000);

  const [account, dummy] = await Promise.all([findAccount(db, email), dummyHash]);
  // An unknown email is checked against a dummy hash so it takes as long as a wrong password.
  const ok = await verifyPassword(password, account?.passwordHash ?? dummy);
  if (!account || !ok) {
    // The reserved rows stay as the failure record. One write either way keeps timings alike.
    const anonymous: Principal = { kind: 'anonymous', ip };
    await db.batch([
      pruneLoginFailures(db, now),
      ...(account?.memberships ?? []).map((m) =>
        auditStatement(db, { tenantId: m.tenantId, action: 'auth.login_failed', actor: anonymous, targetType: 'user', targetId: account!.userId, at: now }),
      ),
    ]);
    throw invalidCredentials(WRONG_LOGIN);
  }

  const membership = account.memberships.find((m) => m.tenantId === tenantId) ?? account.memberships[0];
  if (!membership) {
    await releaseLoginAttempt(db, reserved).run();
    throw forbidden('this account belongs to no organization any more');
  }
  const session = await newSession(c.env, db, { userId: account.userId, tenantId: membership.tenantId, role: membership.role }, now);
  const statements = [
    releaseLoginAttempt(db, reserved),
    session.statement,
    auditStatement(db, { tenantId: membership.tenantId, action: 'auth.login', actor: userActor(account.userId, membership, ip), targetType: 'user', targetId: account.userId, at: now }),
  ];
  if (needsRehash(account.passwordHash)) {
    // Conditional, so a password changed meanwhile is not overwritten with the old one.
    statements.push(
      db.prepare('UPDATE users SET password_hash = ?2 WHERE id = ?1 AND password_hash = ?3').bind(account.userId, await hashPassword(password), account.passwordHash),
    );
  }
  await db.batch(statements);
  return { tokens: session.tokens, tenantId: membership.tenantId };
}

export const login: RouteHandler<typeof loginRoute, AppEnv> = async (c) => {
  const { tokens, tenantId } = await signIn(c, c.req.valid('json'));
  c.header('Cache-Control', 'no-store');
  return c.json({ ...tokens, tenantId }, 200);
};

/** A used or revoked token came back: kill its family and record it. */
async function revokeReusedFamily(db: D1Database, row: RefreshTokenRow, ip: string, now: number): Promise<void> {
  await db.batch([
    revokeFamilyStatement(db, row.tenant_id, row.family_id, now),
    auditStatement(db, {
      tenantId: row.tenant_id,
      action: 'auth.refresh_reuse',
      actor: { kind: 'anonymous', ip },
      targetType: 'user',
      targetId: row.user_id,
      detail: { familyId: row.family_id },
      at: now,
    }),
  ]);
}

/**
 * Spends a refresh token for a new pair. A used or revoked token revokes its whole family. Failures
 * throw 401, with `extraHeaders` on the problem (the cookie flow clears its cookie that way).
 */
export async function rotateRefreshToken(
  c: Context<AppEnv>,
  refreshToken: string,
  extraHeaders: Record<string, string> = {},
): Promise<{ tokens: SessionTokens; tenantId: string }> {
  const invalidCredentials = (detail: string) => invalidCredentialsWith(detail, extraHeaders);
  const db = c.env.DB;
  const ip = ipOf(c);
  const now = Date.now();
  const row = await findRefreshToken(db, refreshToken);
  if (!row) throw invalidCredentials(BAD_REFRESH);
  if (row.used_at !== null || row.revoked_at !== null) {
    await revokeReusedFamily(db, row, ip, now);
    throw invalidCredentials(BAD_REFRESH);
  }
  if (row.expires_at <= now) throw invalidCredentials(BAD_REFRESH);
  const membership = await membershipOf(db, row.tenant_id, row.user_id);
  if (!membership) {
    await revokeFamilyStatement(db, row.tenant_id, row.family_id, now).run();
    throw invalidCredentials(BAD_REFRESH);
  }
  // Lost a race with another refresh of the same token: that is a reuse too.
  if (!(await claimRefreshToken(db, row, now))) {
    await revokeReusedFamily(db, row, ip, now);
    throw invalidCredentials(BAD_REFRESH);
  }
  const session = await newSession(c.env, db, { userId: row.user_id, tenantId: row.tenant_id, role: membership.role, familyId: row.family_id }, now);
  const inserted = await session.statement.all();
  if (inserted.results.length !== 1) throw invalidCredentials(BAD_REFRESH); // the family was revoked meanwhile
  return { tokens: session.tokens, tenantId: row.tenant_id };
}

export const refresh: RouteHandler<typeof refreshRoute, AppEnv> = async (c) => {
  const { tokens, tenantId } = await rotateRefreshToken(c, c.req.valid('json').refreshToken);
  c.header('Cache-Control', 'no-store');
  return c.json({ ...tokens, tenantId }, 200);
};

/** Revokes the token's family and audits the logout; an unknown or revoked token is a no-op. */
export async function endSession(c: Context<AppEnv>, refreshToken: string): Promise<void> {
  const db = c.env.DB;
  const ip = ipOf(c);
  const now = Date.now();
  const row = await findRefreshToken(db, refreshToken);
  if (row && row.revoked_at === null) {
    const membership = await membershipOf(db, row.tenant_id, row.user_id);
    await db.batch([
      revokeFamilyStatement(db, row.tenant_id, row.family_id, now),
      auditStatement(db, {
        tenantId: row.tenant_id,
        action: 'auth.logout',
        actor: membership ? userActor(row.user_id, membership, ip) : { kind: 'anonymous', ip },
        targetType: 'user',
        targetId: row.user_id,
        at: now,
      }),
    ]);
  }
}

export const logout: RouteHandler<typeof logoutRoute, AppEnv> = async (c) => {
  await endSession(c, c.req.valid('json').refreshToken);
  return c.body(null, 204);
};

interface MeTenantRow {
  id: string;
  name: string;
}

export const me: RouteHandler<typeof meRoute, AppEnv> = async (c) => {
  const p = tenantOf(c.var.principal);
  // The primary, like the auth middleware: a replica might not have the tenant just signed up.
  const db = c.env.DB;
  const tenant = await db.prepare('SELECT id, name FROM tenants WHERE id = ?1').bind(p.tenantId).first<MeTenantRow>();
  if (!tenant) throw unauthorized('the tenant no longer exists');
  const base = { tenant: { id: tenant.id, name: tenant.name, plan: p.plan }, role: p.role };

  if (p.kind === 'api_key') {
    const key = await db
      .prepare('SELECT id, name, role FROM api_keys WHERE tenant_id = ?1 AND id = ?2')
      .bind(p.tenantId, p.keyId)
      .first<{ id: string; name: string; role: string }>();
    if (!key || !isRole(key.role)) throw unauthorized('unknown or revoked API key');
    return c.json({ kind: 'api_key' as const, user: null, apiKey: { id: key.id, name: key.name, role: key.role }, memberships: [], ...base }, 200);
  }

  const [user, memberships] = await Promise.all([
    db.prepare('SELECT id, email FROM users WHERE id = ?1').bind(p.userId).first<{ id: string; email: string }>(),
    db
      .prepare(
        `SELECT m.tenant_id, t.name, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id
         WHERE m.user_id = ?1 ORDER BY m.created_at, m.tenant_id`,
      )
      .bind(p.userId)
      .all<{ tenant_id: string; name: string; role: string }>(),
  ]);
  if (!user) throw unauthorized('the user no longer exists');
  return c.json(
    {
      kind: 'user' as const,
      user: { id: user.id, email: user.email, isPlatformAdmin: p.isPlatformAdmin },
      apiKey: null,
      memberships: memberships.results.flatMap((r) => (isRole(r.role) ? [{ tenantId: r.tenant_id, tenantName: r.name, role: r.role }] : [])),
      ...base,
    },
    200,
  );
};

export const jwksDocument: RouteHandler<typeof jwksRoute, AppEnv> = async (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  return c.json(await jwks(c.env), 200);
};
