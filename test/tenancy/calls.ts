// Calls to the account API as a given bearer (access token or API key), with JSON bodies, and the
// small row readers the member, key and audit tests share.
import { env } from 'cloudflare:workers';
import { api, json } from '../helpers';
import { bearer } from './fixtures';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

export interface Sent<T> {
  res: Response;
  status: number;
  body: T;
}

/** Sends `method path` as `token`; a body goes as JSON. Reads the body (if any) as JSON. */
export async function send<T = Record<string, unknown>>(
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Sent<T>> {
  const res = await api(path, {
    method,
    headers: {
      ...(token ? bearer(token) : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      'cf-connecting-ip': '198.51.100.7',
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.clone().text();
  return { res, status: res.status, body: (text ? await json<T>(res) : (undefined as T)) };
}

/** A fresh Idempotency-Key header. */
export const idem = () => ({ 'Idempotency-Key': crypto.randomUUID() });

export async function roleOf(tenantId: string, userId: string): Promise<string | null> {
  const row = await env.DB.prepare('SELECT role FROM memberships WHERE tenant_id = ?1 AND user_id = ?2').bind(tenantId, userId).first<{ role: string }>();
  return row?.role ?? null;
}

export interface AuditRow {
  action: string;
  actor_type: string;
  actor_id: string | null;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  detail: string;
}

/** The tenant's audit rows for `action`, oldest first. */
export async function auditRows(tenantId: string, action: string): Promise<AuditRow[]> {
  const { results } = await env.DB.prepare(
    'SELECT action, actor_type, actor_id, target_type, target_id, ip, detail FROM audit_log WHERE tenant_id = ?1 AND action = ?2 ORDER BY at, id',
  )
    .bind(tenantId, action)
    .all<AuditRow>();
  return results;
}
