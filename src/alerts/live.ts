// Live alert delivery: a tenant's sockets subscribed to the `alerts` channel are held by a price room
// of that tenant's own (`alerts:<tenantId>`), so an alert message can only ever reach its own tenant.
import type { Bindings } from '../env';
import { alertsRoom } from '../live/protocol';

/** Hands alert messages (their JSON payloads) to the tenant's room; returns how many sockets received each. */
export async function publishToTenant(env: Bindings, tenantId: string, messages: { id: string; payload: string }[]): Promise<number[]> {
  const room = alertsRoom(tenantId);
  const ns = env.PRICE_ROOM;
  return ns.get(ns.idFromName(room)).deliverAlerts(room, messages);
}
