// The RateLimiter Durable Object: one token bucket per tenant (or anonymous IP), decided in one place
// so every edge location sees the same count. State lives in the object's SQLite-backed storage, so
// it survives eviction and restarts; an alarm forgets buckets that have refilled, so idle objects
// (one per IP ever seen) keep no storage.
import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../env';
import { fullAt, isFull, take, type BucketState, type Decision } from './token-bucket';

const BUCKET = 'bucket';
/** When the cleanup alarm is due; kept in storage so `take` does not await getAlarm(). */
const ALARM = 'alarm';

interface StoredBucket extends BucketState {
  limit: number;
}

export class RateLimiter extends DurableObject<Bindings> {
  /**
   * Takes one token from a bucket of `limit` per minute (burst `limit`). `now` is for tests; the
   * object's own clock decides otherwise.
   */
  async take(limit: number, now: number = Date.now()): Promise<Decision> {
    const kv = this.ctx.storage.kv;
    // Read, decide and write with the synchronous KV API and no await in between: nothing else can
    // run in this object meanwhile, so concurrent requests can never both spend the last token.
    const { state, decision } = take(kv.get<StoredBucket>(BUCKET), limit, now);
    kv.put<StoredBucket>(BUCKET, { ...state, limit });
    const alarmAt = kv.get<number>(ALARM);
    if (alarmAt === undefined || alarmAt < now) {
      const at = fullAt(state, limit);
      kv.put(ALARM, at);
      await this.ctx.storage.setAlarm(at);
    }
    return decision;
  }

  /** Drops a bucket that has refilled (a full bucket equals no bucket); otherwise looks again later. */
  override async alarm(): Promise<void> {
    const kv = this.ctx.storage.kv;
    const bucket = kv.get<StoredBucket>(BUCKET);
    const now = Date.now();
    if (!bucket || isFull(bucket, bucket.limit, now)) {
      kv.delete(BUCKET);
      kv.delete(ALARM);
      return;
    }
    const at = fullAt(bucket, bucket.limit);
    kv.put(ALARM, at);
    await this.ctx.storage.setAlarm(at);
  }
}
