// A test WebSocket client: connects through the Worker (or straight to a room), records every
// message, and waits for the ones a test expects.
import { env } from 'cloudflare:workers';
import { api } from '../helpers';
import { CONNECT_HEADER, type ConnectRequest } from '../../src/live/price-room';

export type Message = Record<string, unknown> & { type: string };

export class TestSocket {
  readonly messages: Message[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { test: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  private isClosed = false;

  constructor(
    readonly ws: WebSocket,
    readonly response: Response,
  ) {
    ws.accept();
    ws.addEventListener('message', (event) => {
      const msg = JSON.parse(String(event.data)) as Message;
      this.messages.push(msg);
      this.waiters = this.waiters.filter((w) => (w.test(msg) ? (w.resolve(msg), false) : true));
    });
    this.closed = new Promise((resolve) => {
      ws.addEventListener('close', (event) => {
        this.isClosed = true;
        resolve({ code: event.code, reason: event.reason });
      });
    });
  }

  /** Connects through the Worker, as a client would. */
  static async connect(path: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    const res = await api(path, { headers: { upgrade: 'websocket', 'cf-connecting-ip': '198.51.100.7', ...headers } });
    if (res.status !== 101 || !res.webSocket) throw new Error(`expected 101, got ${res.status}: ${await res.text()}`);
    return track(new TestSocket(res.webSocket, res));
  }

  /** Connects straight to a room of the test's own (e.g. `market#<uuid>`). */
  static async direct(connect: ConnectRequest): Promise<TestSocket> {
    const ns = env.PRICE_ROOM;
    const res = await ns.get(ns.idFromName(connect.room)).fetch('https://room/connect', {
      headers: { upgrade: 'websocket', [CONNECT_HEADER]: JSON.stringify(connect) },
    });
    if (res.status !== 101 || !res.webSocket) throw new Error(`expected 101, got ${res.status}: ${await res.text()}`);
    return track(new TestSocket(res.webSocket, res));
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (already received or still to come) that passes `test`. */
  next(test: (m: Message) => boolean, timeoutMs = 4000): Promise<Message> {
    const seen = this.messages.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.map((m) => m.type))}`)), timeoutMs);
      this.waiters.push({ test, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  /** The next message of `type` after the ones already received. */
  nextNew(type: string, timeoutMs = 4000): Promise<Message> {
    const before = this.messages.length;
    return this.next((m) => m.type === type && this.messages.indexOf(m) >= before, timeoutMs);
  }

  ofType(type: string): Message[] {
    return this.messages.filter((m) => m.type === type);
  }

  close(): void {
    if (this.isClosed) return;
    try {
      this.ws.close(1000, 'test done');
    } catch {
      /* closed */
    }
  }
}

const open = new Set<TestSocket>();
function track(socket: TestSocket): TestSocket {
  open.add(socket);
  return socket;
}

/** Closes every socket a test opened, so rooms shared by tests do not count them against limits. */
export function closeAll(): void {
  for (const socket of open) socket.close();
  open.clear();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
