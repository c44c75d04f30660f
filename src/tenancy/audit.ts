// The append-only audit log: one helper that every security-relevant action calls. Detail objects
// must never carry secrets; callers pass ids, names and roles only.
import { randomId } from '../catalog/ids';
import type { Principal } from './principal';

export type AuditAction =
  | 'tenant.signup'
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.logout'
  | 'auth.refresh_reuse'
  | 'api_key.create'
  | 'api_key.revoke'
  | 'member.add'
  | 'member.role_change'
  | 'member.remove'
  | 'plan.change'
  | 'deployment.create'
  | 'deployment.stop'
  | 'deployment.start'
  | 'deployment.terminate'
  | 'spend_cap.change'
  | 'billing.adjustment'
  | 'alert.create'
  | 'alert.delete';

export interface AuditEntry {
  tenantId: string;
  action: AuditAction;
  actor: Principal | { kind: 'system' };
  targetType?: string;
  targetId?: string;
  detail?: Record<string, string | number | boolean | null>;
  at?: number;
}

const COLUMNS = 'id, tenant_id, at, actor_type, actor_id, action, target_type, target_id, ip, detail';

function auditValues(entry: AuditEntry): (string | number | null)[] {
  const actor = entry.actor;
  const actorType = actor.kind === 'system' ? 'system' : actor.kind;
  const actorId = actor.kind === 'user' ? actor.userId : actor.kind === 'api_key' ? actor.keyId : null;
  const ip = actor.kind === 'system' ? null : actor.ip;
  return [
    randomId('aud_'),
    entry.tenantId,
    entry.at ?? Date.now(),
    actorType,
    actorId,
    entry.action,
    entry.targetType ?? null,
    entry.targetId ?? null,
    ip,
    JSON.stringify(entry.detail ?? {}),
  ];
}

/** A prepared insert, so callers can put the audit row in the same batch as the change it records. */
export function auditStatement(db: D1Database, entry: AuditEntry): D1PreparedStatement {
  return db.prepare(`INSERT INTO audit_log (${COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`).bind(...auditValues(entry));
}

/**
 * Like `auditStatement`, but the row is written only if the statement just before it in the batch
 * changed a row (SQLite's `changes()`): a guarded UPDATE or DELETE that lost a race records nothing.
 */
export function auditStatementIfChanged(db: D1Database, entry: AuditEntry): D1PreparedStatement {
  return db
    .prepare(`INSERT INTO audit_log (${COLUMNS}) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 WHERE changes() > 0`)
    .bind(...auditValues(entry));
}
