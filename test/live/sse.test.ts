// The Server-Sent Events fallback: the same messages as the WebSocket, as an event stream.
import { describe, expect, it } from 'vitest';
import { api, ingestAt, json } from '../helpers';

const T0 = Date.UTC(2026, 10, 1, 12);

interface SseEvent {
  event: string;
  id?: string;
  data: Record<string, unknown>;
}

/** Reads events off an event stream until `done` says stop (or time runs out). */
class EventReader {
  readonly events: SseEvent[] = [];
  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();

  constructor(readonly response: Response) {
    this.reader = response.body!.getReader();
  }

  async until(done: (e: SseEvent) => boolean, timeoutMs = 4000): Promise<SseEvent> {
    const found = this.events.find(done);
    if (found) return found;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const chunk = await Promise.race([this.reader.read(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))]);
      if (chunk === null || chunk.done) break;
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = this.buffer.indexOf('\n\n')) >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
        if (!fields.event) continue;
        const event: SseEvent = { event: fields.event, ...(fields.id ? { id: fields.id } : {}), data: JSON.parse(fields.data ?? 'null') };
        this.events.push(event);
        if (done(event)) return event;
      }
    }
    throw new Error(`no matching event within ${timeoutMs} ms; got ${this.events.map((e) => e.event).join(', ')}`);
  }

  async close(): Promise<void> {
    await this.reader.cancel();
  }
}

const sse = (path: string, headers: Record<string, string> = {}) => api(path, { headers: { 'cf-connecting-ip': '198.51.100.9', ...headers } });

describe('GET /v1/live/sse', () => {
  it('streams the welcome, a snapshot and then updates, each snapshot and update with its seq as the event id', async () => {
    await ingestAt(T0);
    const res = await sse('/v1/live/sse?channels=gpu:A100-80GB&maxPricePerGpuHour=5');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const stream = new EventReader(res);
    try {
      await stream.until((e) => e.event === 'welcome');
      const snapshot = await stream.until((e) => e.event === 'snapshot');
      expect(snapshot.id).toBe(String(snapshot.data.seq));
      const offers = snapshot.data.offers as { gpuModel: string; pricePerGpuHourUsd: number }[];
      expect(offers.length).toBeGreaterThan(0);
      expect(offers.every((o) => o.gpuModel === 'A100-80GB' && o.pricePerGpuHourUsd <= 5)).toBe(true);

      await ingestAt(T0 + 60_000);
      const update = await stream.until((e) => e.event === 'update');
      expect(update.id).toBe(String(update.data.seq));
      expect(Number(update.id)).toBeGreaterThan(Number(snapshot.id));
      expect((update.data.changes as unknown[]).length).toBeGreaterThan(0);
    } finally {
      await stream.close();
    }
  });

  it('resumes from Last-Event-ID by replaying what the client missed', async () => {
    await ingestAt(T0);
    const first = new EventReader(await sse('/v1/live/sse?channels=provider:sim'));
    const snapshot = await first.until((e) => e.event === 'snapshot');
    await first.close();
    await new Promise((r) => setTimeout(r, 1100));
    const missed = await ingestAt(T0 + 60_000);

    const again = new EventReader(await sse('/v1/live/sse?channels=provider:sim', { 'last-event-id': snapshot.id! }));
    try {
      expect((await again.until((e) => e.event === 'subscribed')).data.mode).toBe('replay');
      const replay = await again.until((e) => e.event === 'update');
      expect(replay.data.replay).toBe(true);
      const ids = (replay.data.changes as { offerId: string }[]).map((c) => c.offerId);
      expect(ids).toEqual(expect.arrayContaining(missed.changedOfferIds));
    } finally {
      await again.close();
    }
  });

  it.each([
    ['no channels', '/v1/live/sse', 'query.channels'],
    ['an unknown channel', '/v1/live/sse?channels=gpu:NOPE-1', 'query.channels'],
    ['an unknown parameter', '/v1/live/sse?channels=market&cheap=1', 'query.cheap'],
    ['a bad filter value', '/v1/live/sse?channels=market&pricing=free', 'query.pricing'],
    ['an unknown GPU in the filter', '/v1/live/sse?channels=market&gpuModels=Z9000', 'query.gpuModels'],
  ])('answers %s with 400 problem+json naming the field', async (_name, path, field) => {
    const res = await sse(path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await json<{ errors: { field: string }[] }>(res);
    expect(body.errors.map((e) => e.field)).toContain(field);
  });

  it('refuses an address past its connection limit with 429 problem+json', async () => {
    const ip = { 'cf-connecting-ip': '198.51.100.77' };
    const held = await Promise.all(Array.from({ length: 5 }, async () => new EventReader(await sse('/v1/live/sse?channels=gpu:T4', ip))));
    try {
      await Promise.all(held.map((s) => s.until((e) => e.event === 'welcome')));
      const res = await sse('/v1/live/sse?channels=gpu:T4', ip);
      expect(res.status).toBe(429);
      expect((await json<{ type: string }>(res)).type).toMatch(/too-many-connections$/);
    } finally {
      await Promise.all(held.map((s) => s.close()));
    }
  });
});
