// An alert stored straight in D1, for tests that are not about creating one (tenant isolation).
import { env } from 'cloudflare:workers';
import { randomId } from '../../src/catalog/ids';

export async function insertAlert(tenantId: string): Promise<string> {
  const id = randomId('alr_');
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO alerts (id, tenant_id, name, status, gpu_model, min_gpu_count, max_price_per_gpu_hour_micro, min_availability, delivery_type, created_at, updated_at)
     VALUES (?1, ?2, 'fixture', 'active', 'H100-80GB', 1, 2500000, 'limited', 'live', ?3, ?3)`,
  )
    .bind(id, tenantId, now)
    .run();
  return id;
}
