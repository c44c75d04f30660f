// Tenants made straight in D1 for tests that are not about signup: an owner with a password, an
// access token, and helpers to add members and keys of any role.
import { env } from 'cloudflare:workers';
import type { PlanId } from '../../src/billing/plans';
import { randomId } from '../../src/catalog/ids';
import { signAccessToken } from '../../src/tenancy/jwt';
import { generateApiKey } from '../../src/tenancy/keys';
import { hashPassword } from '../../src/tenancy/passwords';
import type { Role } from '../../src/tenancy/principal';
import { newTenantStatements } from '../../src/tenancy/tenants';

export const PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;

export interface TestTenant {
  tenantId: string;
  ownerId: string;
  ownerEmail: string;
  ownerToken: string;
  apiKey: string;
  apiKeyId: string;
}

export async function createTenant(options: { plan?: PlanId; name?: string; platformAdmin?: boolean } = {}): Promise<TestTenant> {
  passwordHash ??= hashPassword(PASSWORD);
  const email = `${randomId('owner_')}@example.com`;
  const { tenant, statements } = await newTenantStatements(env.DB, {
    organization: options.name ?? 'Test Org',
    email,
    passwordHash: await passwordHash,
    plan: options.plan ?? 'pro',
    ip: '203.0.113.1',
    isPlatformAdmin: options.platformAdmin,
  });
  await env.DB.batch(statements);
  return {
    tenantId: tenant.tenantId,
    ownerId: tenant.userId,
    ownerEmail: email,
    ownerToken: await signAccessToken(env, { sub: tenant.userId, tid: tenant.tenantId, role: 'owner' }),
    apiKey: tenant.apiKey,
    apiKeyId: tenant.apiKeyId,
  };
}

/** Adds a user with `role` to the tenant and returns its id, email and an access token. */
export async function addMember(tenantId: string, role: Role): Promise<{ userId: string; email: string; token: string }> {
  passwordHash ??= hashPassword(PASSWORD);
  const userId = randomId('usr_');
  const email = `${userId}@example.com`;
  await env.DB.batch([
    env.DB.prepare('INSERT INTO users (id, email, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)').bind(userId, email, await passwordHash, Date.now()),
    env.DB.prepare('INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)').bind(tenantId, userId, role, Date.now()),
  ]);
  return { userId, email, token: await signAccessToken(env, { sub: userId, tid: tenantId, role }) };
}

/** Adds an API key with `role` and returns it in full with its id. */
export async function addApiKey(tenantId: string, role: Role, options: { expiresAt?: number } = {}): Promise<{ key: string; id: string }> {
  const key = await generateApiKey();
  const id = randomId('key_');
  await env.DB.prepare(
    `INSERT INTO api_keys (id, tenant_id, name, role, key_hash, preview, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
  )
    .bind(id, tenantId, `${role} key`, role, key.hash, key.preview, Date.now(), options.expiresAt ?? null)
    .run();
  return { key: key.key, id };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
