// The ingestion's side of live prices: after an ingestion's writes commit, send each affected room
// (the market, each GPU model, each provider) the changes that concern it, through native RPC.
// One call per room per ingestion, all at once; a room that cannot be reached is logged and skipped,
// never a reason to fail the ingestion, whose data is already stored.
import { UNKNOWN_GPU } from '../catalog/offer';
import type { Bindings } from '../env';
import type { LiveChange } from './changes';
import type { Channel } from './protocol';

/** One ingestion's changes for one room. `resync`: too many changes to stream; clients get new snapshots. */
export interface LiveBatch {
  committedAt: number;
  changes: LiveChange[];
  resync: boolean;
}

/** The changes an ingestion made, or only the channels it touched when there were too many to stream. */
export type IngestionChanges = { kind: 'changes'; changes: LiveChange[] } | { kind: 'resync'; gpuModels: Set<string>; providers: Set<string> };

export interface PublishReport {
  rooms: number;
  failed: string[];
}

/** Groups changes by the rooms that carry them: every change goes to `market`, its GPU's room and its provider's room. */
export function roomsFor(input: IngestionChanges, committedAt: number): Map<Channel, LiveBatch> {
  const rooms = new Map<Channel, LiveBatch>();
  if (input.kind === 'resync') {
    const resync = (): LiveBatch => ({ committedAt, changes: [], resync: true });
    if (input.gpuModels.size + input.providers.size === 0) return rooms;
    rooms.set('market', resync());
    for (const model of input.gpuModels) if (model !== UNKNOWN_GPU) rooms.set(`gpu:${model}`, resync());
    for (const provider of input.providers) rooms.set(`provider:${provider}`, resync());
    return rooms;
  }
  const add = (room: Channel, change: LiveChange) => {
    let batch = rooms.get(room);
    if (!batch) rooms.set(room, (batch = { committedAt, changes: [], resync: false }));
    batch.changes.push(change);
  };
  for (const change of input.changes) {
    add('market', change);
    if (change.offer.gpuModel !== UNKNOWN_GPU) add(`gpu:${change.offer.gpuModel}`, change);
    add(`provider:${change.offer.provider}`, change);
  }
  return rooms;
}

export async function publishChanges(env: Bindings, input: IngestionChanges, committedAt: number): Promise<PublishReport> {
  const rooms = roomsFor(input, committedAt);
  const ns = env.PRICE_ROOM;
  const names = [...rooms.keys()];
  const results = await Promise.allSettled(names.map((room) => ns.get(ns.idFromName(room)).publish(room, rooms.get(room)!)));
  const failed: string[] = [];
  results.forEach((r, i) => {
    if (r.status === 'rejected') {
      failed.push(names[i]!);
      console.warn(`live: publishing to ${names[i]} failed: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
    }
  });
  return { rooms: names.length, failed };
}
