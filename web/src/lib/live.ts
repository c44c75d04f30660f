// The live price socket (GET /v1/live, README "Live prices"): one connection per view, channels and
// filter in the URL (they pick the room), a ping every 30 s, reconnects with backoff and jitter that
// resume from the last seq (the room replays what was missed, or sends a fresh snapshot).
import type { LiveMessage } from './types';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveOptions {
  channels: string[];
  filter?: Record<string, string | number>;
  onMessage: (message: LiveMessage) => void;
  onStatus?: (status: LiveStatus) => void;
  /**
   * Subprotocols to add on each attempt, read afresh (the alerts channel's `bearer.<access token>`:
   * a browser socket cannot send an Authorization header, and the token changes as it is renewed).
   */
  protocols?: () => Promise<string[]>;
}

const PING_MS = 30_000;
const PONG_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;

export function liveUrl(origin: string, channels: string[], filter: Record<string, string | number> = {}, lastSeq: number | null = null): string {
  const url = new URL('/v1/live', origin.replace(/^http/, 'ws'));
  url.searchParams.set('channels', channels.join(','));
  for (const [k, v] of Object.entries(filter)) url.searchParams.set(k, String(v));
  if (lastSeq !== null) url.searchParams.set('lastSeq', String(lastSeq));
  return url.toString();
}

/** Backoff before reconnect attempt `n` (0-based): 1, 2, 4 … 30 s, with ±30 % jitter. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt);
  return Math.round(base * (0.7 + random() * 0.6));
}

export class LiveConnection {
  private socket: WebSocket | null = null;
  private lastSeq: number | null = null;
  private attempt = 0;
  private stopped = false;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: LiveOptions) {}

  start(): this {
    this.stopped = false;
    this.open();
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.cleanup();
    this.socket?.close(1000, 'view closed');
    this.socket = null;
  }

  private open(): void {
    this.options.onStatus?.(this.attempt === 0 ? 'connecting' : 'reconnecting');
    if (!this.options.protocols) return this.connect([]);
    this.options.protocols().then(
      (extra) => {
        if (!this.stopped) this.connect(extra);
      },
      () => {
        if (this.stopped) return;
        this.options.onStatus?.('offline');
        this.retryTimer = setTimeout(() => this.open(), backoffMs(this.attempt++));
      },
    );
  }

  private connect(extraProtocols: string[]): void {
    const ws = new WebSocket(liveUrl(location.origin, this.options.channels, this.options.filter, this.lastSeq), ['gpubroker.v1', ...extraProtocols]);
    this.socket = ws;
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let message: LiveMessage;
      try {
        message = JSON.parse(event.data) as LiveMessage;
      } catch {
        return;
      }
      if (message.type === 'pong') {
        clearTimeout(this.pongTimer);
        return;
      }
      if (message.type === 'welcome') {
        this.attempt = 0;
        this.options.onStatus?.('live');
      }
      if ('seq' in message && typeof message.seq === 'number' && (message.type === 'update' || message.type === 'snapshot')) this.lastSeq = message.seq;
      this.options.onMessage(message);
    };
    ws.onopen = () => {
      this.pingTimer = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.send('{"type":"ping"}');
        clearTimeout(this.pongTimer);
        this.pongTimer = setTimeout(() => ws.close(4000, 'no pong'), PONG_TIMEOUT_MS);
      }, PING_MS);
    };
    ws.onclose = () => {
      this.cleanup();
      if (this.stopped || this.socket !== ws) return;
      this.options.onStatus?.('offline');
      this.retryTimer = setTimeout(() => this.open(), backoffMs(this.attempt++));
    };
  }

  private cleanup(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}
