// The RateLimiter Durable Object: one token bucket per tenant (or anonymous IP), decided in one place
// so every edge location sees the same count. State lives in memory and in the object's SQLite-backed
// storage (a snapshot at most a second old while busy, always on a refusal), so it survives eviction; an alarm forgets buckets that have refilled, so idle objects
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

/**
 * How stale the stored snapshot of a busy bucket may be. Writing storage on every request halved the
 * API's throughput in the benchmark; the bucket in memory is the truth while the object lives, and an
 * object is only evicted after it has been idle, by which time its last snapshot is on disk.
 */
const PERSIST_EVERY_MS = 1000;

export class RateLimiter extends DurableObject<Bindings> {
  /** The bucket as this instance knows it; `null` until read from storage once. */
  private bucket: StoredBucket | undefined | null = null;
  private alarmAt: number | undefined | null = null;
  private persistedAt = Number.NEGATIVE_INFINITY;

  /**
   * Takes one token from a bucket of `limit` per minute (burst `limit`). `now` is for tests; the
   * object's own clock decides otherwise.
   */
  async take(limit: number, now: number = Date.now()): Promise<Decision> {
    const kv = this.ctx.storage.kv;
    if (this.bucket === null) this.bucket = kv.get<StoredBucket>(BUCKET);
    if (this.alarmAt === null) this.alarmAt = kv.get<number>(ALARM);
    // Read, decide and update with no await in between: nothing else can run in this object
    // meanwhile, so concurrent requests can never both spend the last token.
    const { state, decision } = take(this.bucket, limit, now);
    this.bucket = { ...state, limit };
    // A refusal is always written, so a restart can never hand out tokens it had refused.
    if (!decision.allowed || now - this.persistedAt >= PERSIST_EVERY_MS) {
      kv.put<StoredBucket>(BUCKET, this.bucket);
      this.persistedAt = now;
    }
    if (this.alarmAt === undefined || this.alarmAt < now) {
      const at = fullAt(state, limit);
      this.alarmAt = at;
      kv.put(ALARM, at);
      await this.ctx.storage.setAlarm(at);
    }
    return decision;
  }

  /** Drops a bucket that has refilled (a full bucket equals no bucket); otherwise looks again later. */
  override async alarm(): Promise<void> {
    const kv = this.ctx.storage.kv;
    const bucket = this.bucket === null ? kv.get<StoredBucket>(BUCKET) : this.bucket;
    const now = Date.now();
    if (!bucket || isFull(bucket, bucket.limit, now)) {
      kv.delete(BUCKET);
      kv.delete(ALARM);
      this.bucket = undefined;
      this.alarmAt = undefined;
      return;
    }
    // Leave the freshest state on disk before the object may go idle.
    kv.put<StoredBucket>(BUCKET, bucket);
    this.persistedAt = now;
    const at = fullAt(bucket, bucket.limit);
    this.alarmAt = at;
    kv.put(ALARM, at);
    await this.ctx.storage.setAlarm(at);
  }
}
