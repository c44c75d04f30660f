// Deterministic "randomness" for the simulated cloud: the same seed and key always give the same
// number, so a run can be replayed exactly (which offers lack capacity, which pods get preempted).

/** A 32-bit hash of `key` (FNV-1a, then a murmur3 finaliser to spread nearby keys apart). */
export function hash32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A number in [0, 1) fixed by `seed` and `key`. */
export const seededUnit = (seed: string, key: string): number => hash32(`${seed}|${key}`) / 2 ** 32;

/** Eight hex digits fixed by `seed` and `key`. */
export const seededHex = (seed: string, key: string): string => hash32(`${seed}|${key}`).toString(16).padStart(8, '0');
