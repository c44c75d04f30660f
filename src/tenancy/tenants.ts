// Creating a tenant: the tenant row, its owner (a new or existing user), the owner membership, a
// first API key and the audit row, written in one batch so a tenant never exists half-made.
import type { PlanId } from '../billing/plans';
import { randomId } from '../catalog/ids';
import { auditStatement } from './audit';
import { generateApiKey } from './keys';
import type { TenantPrincipal } from './principal';

export interface NewTenant {
  tenantId: string;
  userId: string;
  apiKeyId: string;
  /** The first API key in full: returned once to the caller, never stored. */
  apiKey: string;
  apiKeyPreview: string;
}

export interface TenantInput {
  organization: string;
  email: string;
  passwordHash: string;
  plan?: PlanId;
  ip: string;
  now?: number;
  isPlatformAdmin?: boolean;
}

/** Statements that create the tenant with its owner and first key; run them with `db.batch`. */
export async function newTenantStatements(db: D1Database, input: TenantInput): Promise<{ tenant: NewTenant; statements: D1PreparedStatement[] }> {
  const now = input.now ?? Date.now();
  const tenantId = randomId('ten_');
  const userId = randomId('usr_');
  const apiKeyId = randomId('key_');
  const key = await generateApiKey();
  const plan = input.plan ?? 'free';
  const owner: TenantPrincipal = { kind: 'user', tenantId, plan, role: 'owner', ip: input.ip, userId, keyId: null, isPlatformAdmin: false };
  const statements = [
    db.prepare('INSERT INTO tenants (id, name, plan, created_at) VALUES (?1, ?2, ?3, ?4)').bind(tenantId, input.organization, plan, now),
    db
      .prepare('INSERT INTO users (id, email, password_hash, is_platform_admin, created_at) VALUES (?1, ?2, ?3, ?4, ?5)')
      .bind(userId, input.email, input.passwordHash, input.isPlatformAdmin ? 1 : 0, now),
    db.prepare(`INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?1, ?2, 'owner', ?3)`).bind(tenantId, userId, now),
    db
      .prepare(
        `INSERT INTO api_keys (id, tenant_id, name, role, key_hash, preview, created_by, created_at)
         VALUES (?1, ?2, 'Default key', 'admin', ?3, ?4, ?5, ?6)`,
      )
      .bind(apiKeyId, tenantId, key.hash, key.preview, userId, now),
    auditStatement(db, {
      tenantId,
      action: 'tenant.signup',
      actor: owner,
      targetType: 'tenant',
      targetId: tenantId,
      detail: { organization: input.organization, plan },
      at: now,
    }),
    auditStatement(db, {
      tenantId,
      action: 'api_key.create',
      actor: owner,
      targetType: 'api_key',
      targetId: apiKeyId,
      detail: { name: 'Default key', role: 'admin' },
      at: now,
    }),
  ];
  return { tenant: { tenantId, userId, apiKeyId, apiKey: key.key, apiKeyPreview: key.preview }, statements };
}
