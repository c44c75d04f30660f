// LiveConnection with per-attempt subprotocols (the alerts channel's bearer token), against a fake
// WebSocket: each attempt reads the token afresh, and a failed read retries with backoff.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveConnection, type LiveStatus } from '../src/lib/live';

class FakeSocket {
  static OPEN = 1;
  static made: FakeSocket[] = [];
  readyState = 0;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.made.push(this);
  }
  send() {}
  close() {
    this.closed = true;
  }
  /** The server's side: a message, or the connection dropping. */
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop() {
    this.onclose?.();
  }
}

beforeEach(() => {
  FakeSocket.made = [];
  vi.useFakeTimers();
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('location', { origin: 'http://127.0.0.1:8787' });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('LiveConnection subprotocols', () => {
  it('offers gpubroker.v1 plus the protocols read for each attempt, so a reconnect carries the renewed token', async () => {
    const tokens = ['first', 'second'];
    const statuses: LiveStatus[] = [];
    const messages: unknown[] = [];
    const live = new LiveConnection({
      channels: ['alerts'],
      protocols: async () => [`bearer.${tokens.shift()}`],
      onMessage: (m) => messages.push(m),
      onStatus: (s) => statuses.push(s),
    }).start();
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSocket.made.map((s) => [s.url, s.protocols])).toEqual([['ws://127.0.0.1:8787/v1/live?channels=alerts', ['gpubroker.v1', 'bearer.first']]]);
    FakeSocket.made[0]!.receive({ type: 'welcome', room: 'alerts:ten_1', connectionId: 'c1', seq: 0 });
    FakeSocket.made[0]!.receive({ type: 'alert', id: 'msg_1', event: 'price_alert.triggered', timestamp: '2026-11-30T00:00:00.000Z', data: { alertId: 'alr_1' } });
    expect(messages.map((m) => (m as { type: string }).type)).toEqual(['welcome', 'alert']);

    FakeSocket.made[0]!.drop();
    await vi.advanceTimersByTimeAsync(1300); // the first backoff is at most 1.3 s
    expect(FakeSocket.made[1]!.protocols).toEqual(['gpubroker.v1', 'bearer.second']);
    expect(statuses).toEqual(['connecting', 'live', 'offline', 'reconnecting']);
    live.stop();
    expect(FakeSocket.made[1]!.closed).toBe(true);
  });

  it('when the token cannot be read, opens no socket and tries again later; stop() ends the retries', async () => {
    let calls = 0;
    const statuses: LiveStatus[] = [];
    const live = new LiveConnection({
      channels: ['alerts'],
      protocols: async () => {
        calls++;
        throw new Error('signed out');
      },
      onMessage: () => {},
      onStatus: (s) => statuses.push(s),
    }).start();
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSocket.made).toHaveLength(0);
    expect(statuses).toEqual(['connecting', 'offline']);
    await vi.advanceTimersByTimeAsync(1300);
    expect(calls).toBe(2);
    live.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(2);
    expect(FakeSocket.made).toHaveLength(0);
  });

  it('without protocols, connects at once with gpubroker.v1 only', () => {
    const live = new LiveConnection({ channels: ['market'], onMessage: () => {} }).start();
    expect(FakeSocket.made.map((s) => s.protocols)).toEqual([['gpubroker.v1']]);
    live.stop();
  });
});
