// A cursor-paged API list for a Lit element: the rows so far, the next cursor, busy and error, and
// the first-page / next-page steps every dashboard and admin list shares. A load started after another
// one (a filter changed mid-request) wins: the older answer is dropped, never appended.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { QueryValue } from './api';
import type { Page } from './types';

/** What pages come from: the API client (`api` in lib/session), or a fake in tests. */
export interface PageSource {
  page<T>(path: string, query: Record<string, QueryValue>, cursor: string | null): Promise<Page<T>>;
}

export class PagedList<T> implements ReactiveController {
  /** null until the first page has arrived (render the loading state). */
  rows: T[] | null = null;
  cursor: string | null = null;
  error: unknown = null;
  busy = false;
  private generation = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly source: PageSource,
    private readonly path: string,
    private readonly query: () => Record<string, QueryValue> = () => ({}),
    /** false: the host calls ensureLoaded() when the list is first shown, not on connect. */
    private readonly loadOnConnect = true,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    if (this.loadOnConnect) this.ensureLoaded();
  }

  /** Loads the first page unless it is loaded or loading. */
  ensureLoaded(): void {
    if (this.rows === null && !this.busy) void this.load(false);
  }

  /** Starts over from the first page, showing the loading state (the filters changed). */
  reload(): Promise<void> {
    this.rows = null;
    this.cursor = null;
    return this.load(false);
  }

  /** The first page again, keeping the rows on screen until it arrives (after a change the user made). */
  refresh(): Promise<void> {
    return this.load(false);
  }

  more(): Promise<void> {
    return this.load(true);
  }

  /** After an error: the page that failed. */
  retry(): Promise<void> {
    return this.load(this.rows !== null && this.cursor !== null);
  }

  /** Replaces rows in place (an action on one row answered with its new state). */
  update(map: (rows: T[]) => T[]): void {
    if (this.rows) this.rows = map(this.rows);
    this.host.requestUpdate();
  }

  private async load(more: boolean): Promise<void> {
    const generation = ++this.generation;
    this.busy = true;
    this.error = null;
    this.host.requestUpdate();
    try {
      const page = await this.source.page<T>(this.path, this.query(), more ? this.cursor : null);
      if (generation !== this.generation) return;
      this.rows = more && this.rows ? [...this.rows, ...page.data] : page.data;
      this.cursor = page.nextCursor;
    } catch (err) {
      if (generation === this.generation) this.error = err;
    } finally {
      if (generation === this.generation) {
        this.busy = false;
        this.host.requestUpdate();
      }
    }
  }
}
