import { describe, expect, it } from 'vitest';
import type { ReactiveController } from 'lit';
import type { QueryValue } from '../src/lib/api';
import { PagedList, type PageSource } from '../src/lib/paged-list';
import type { Page } from '../src/lib/types';

/** A host that counts render requests, and a page source whose answers the test releases one by one. */
function setup(query: () => Record<string, QueryValue> = () => ({}), loadOnConnect = true) {
  const host = { updates: 0, controllers: [] as ReactiveController[], addController(c: ReactiveController) { this.controllers.push(c); }, removeController() {}, requestUpdate() { this.updates += 1; }, updateComplete: Promise.resolve(true) };
  const calls: { path: string; query: Record<string, QueryValue>; cursor: string | null; answer: (p: Page<number> | Error) => void }[] = [];
  const source: PageSource = {
    page: <T>(path: string, q: Record<string, QueryValue>, cursor: string | null) =>
      new Promise<Page<T>>((resolve, reject) => calls.push({ path, query: q, cursor, answer: (p) => (p instanceof Error ? reject(p) : resolve(p as Page<T>)) })),
  };
  const list = new PagedList<number>(host, source, '/v1/things', query, loadOnConnect);
  return { host, calls, list };
}
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('PagedList', () => {
  it('loads the first page when its element connects, then appends the next page on its cursor', async () => {
    const { host, calls, list } = setup(() => ({ limit: 2 }));
    expect(host.controllers).toEqual([list]);
    list.hostConnected();
    expect(list.busy).toBe(true);
    expect(calls).toMatchObject([{ path: '/v1/things', query: { limit: 2 }, cursor: null }]);
    calls[0]!.answer({ data: [1, 2], nextCursor: 'c1' });
    await settle();
    expect([list.rows, list.cursor, list.busy]).toEqual([[1, 2], 'c1', false]);
    void list.more();
    expect(calls[1]!.cursor).toBe('c1');
    calls[1]!.answer({ data: [3], nextCursor: null });
    await settle();
    expect([list.rows, list.cursor]).toEqual([[1, 2, 3], null]);
    expect(host.updates).toBeGreaterThanOrEqual(4);
  });

  it('drops the answer of a load that a newer one overtook (filters changed mid-request)', async () => {
    let status = 'running';
    const { calls, list } = setup(() => ({ status }));
    list.hostConnected();
    status = 'failed';
    void list.reload();
    expect(calls.map((c) => c.query.status)).toEqual(['running', 'failed']);
    calls[1]!.answer({ data: [9], nextCursor: null });
    calls[0]!.answer({ data: [1, 2, 3], nextCursor: 'old' });
    await settle();
    expect([list.rows, list.cursor, list.busy]).toEqual([[9], null, false]);
  });

  it('keeps the rows on an error and retries the page that failed', async () => {
    const { calls, list } = setup();
    list.hostConnected();
    calls[0]!.answer({ data: [1], nextCursor: 'c1' });
    await settle();
    void list.more();
    calls[1]!.answer(new Error('HTTP 503'));
    await settle();
    expect(list.rows).toEqual([1]);
    expect((list.error as Error).message).toBe('HTTP 503');
    void list.retry();
    expect(calls[2]!.cursor).toBe('c1');
    expect(list.error).toBeNull();
  });

  it('reload shows the loading state again; refresh keeps the rows until the first page arrives', async () => {
    const { calls, list } = setup();
    list.hostConnected();
    calls[0]!.answer({ data: [1], nextCursor: null });
    await settle();
    void list.refresh();
    expect(list.rows).toEqual([1]);
    void list.reload();
    expect(list.rows).toBeNull();
    expect(calls).toHaveLength(3);
  });

  it('without loading on connect, loads once when first shown', async () => {
    const { calls, list } = setup(() => ({}), false);
    list.hostConnected();
    expect(calls).toHaveLength(0);
    list.ensureLoaded();
    list.ensureLoaded();
    expect(calls).toHaveLength(1);
    calls[0]!.answer({ data: [1], nextCursor: null });
    await settle();
    list.ensureLoaded();
    expect(calls).toHaveLength(1);
    expect(list.rows).toEqual([1]);
  });
});
