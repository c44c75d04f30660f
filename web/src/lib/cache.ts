// A short-lived cache of GET answers shared by the pages of one tab, so moving between dashboard
// sections re-reads nothing it read a few seconds ago (the Free plan allows 10 requests a minute).
// Concurrent reads of the same URL share one request; writes invalidate by path prefix. Pure apart
// from the loader it is given.

export interface CacheClock {
  now(): number;
}

interface Entry<T> {
  at: number;
  value?: T;
  pending?: Promise<T>;
}

export class ReadCache {
  private readonly entries = new Map<string, Entry<unknown>>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: CacheClock = { now: () => Date.now() },
  ) {}

  /**
   * The value stored under `key` if younger than the TTL (or `maxAgeMs`), else what `load` gives,
   * stored. A failed load stores nothing, so the next read tries again.
   */
  get<T>(key: string, load: () => Promise<T>, maxAgeMs = this.ttlMs): Promise<T> {
    const now = this.clock.now();
    const hit = this.entries.get(key) as Entry<T> | undefined;
    if (hit?.pending) return hit.pending;
    if (hit && 'value' in hit && now - hit.at < maxAgeMs) return Promise.resolve(hit.value as T);
    const pending = load().then(
      (value) => {
        // A write that invalidated the key while this read was in flight wins: keep nothing stale.
        if (this.entries.get(key)?.pending === pending) this.entries.set(key, { at: this.clock.now(), value });
        return value;
      },
      (err: unknown) => {
        if (this.entries.get(key)?.pending === pending) this.entries.delete(key);
        throw err;
      },
    );
    this.entries.set(key, { at: now, pending });
    return pending;
  }

  /** Stores a value a write answered (e.g. the balance after a plan change). */
  set<T>(key: string, value: T): void {
    this.entries.set(key, { at: this.clock.now(), value });
  }

  /** Forgets every key that starts with one of `prefixes` (all keys without arguments). */
  invalidate(...prefixes: string[]): void {
    for (const key of [...this.entries.keys()]) {
      if (prefixes.length === 0 || prefixes.some((p) => key.startsWith(p))) this.entries.delete(key);
    }
  }
}
