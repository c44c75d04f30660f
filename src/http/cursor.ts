// Opaque cursors for keyset pagination: base64url JSON that names the sort, the last row's sort
// value and id, and a fingerprint of the filters, so a cursor cannot be replayed on another query.
import { fromBase64, fromUtf8, toBase64Url, utf8 } from '../encoding';
import { badRequest } from './problem';

export interface CursorState {
  /** Sort key the cursor belongs to. */
  s: string;
  /** Order: `a`sc or `d`esc. */
  o: 'a' | 'd';
  /** The last returned row's sort value. */
  v: number | string;
  /** The last returned row's id. */
  id: string;
  /** Fingerprint of the query's filters. */
  f: string;
}

export function encodeCursor(state: CursorState): string {
  return toBase64Url(utf8(JSON.stringify(state)));
}

/** Decodes a cursor or throws a 400 naming the `cursor` parameter. */
export function decodeCursor(raw: string, expected: { s: string; o: 'a' | 'd'; f: string }): CursorState {
  const bad = (why: string) => badRequest(`cursor: ${why}`, [{ field: 'query.cursor', message: why }]);
  let state: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,1024}$/.test(raw)) throw new Error('not base64url');
    state = JSON.parse(fromUtf8(fromBase64(raw)));
  } catch {
    throw bad('malformed cursor');
  }
  if (
    typeof state !== 'object' ||
    state === null ||
    typeof (state as CursorState).s !== 'string' ||
    ((state as CursorState).o !== 'a' && (state as CursorState).o !== 'd') ||
    (typeof (state as CursorState).v !== 'number' && typeof (state as CursorState).v !== 'string') ||
    typeof (state as CursorState).id !== 'string' ||
    typeof (state as CursorState).f !== 'string'
  ) {
    throw bad('malformed cursor');
  }
  const s = state as CursorState;
  if (s.s !== expected.s || s.o !== expected.o || s.f !== expected.f) {
    throw bad('cursor belongs to a different query (sort, order or filters changed)');
  }
  return s;
}

/** A short, stable fingerprint of a filter object (FNV-1a over its canonical JSON). */
export function fingerprint(filters: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(filters).sort().map((k) => [k, filters[k]]));
  let h = 0x811c9dc5;
  for (let i = 0; i < canonical.length; i++) h = Math.imul(h ^ canonical.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
