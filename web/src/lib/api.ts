// The one way the web app calls the API: JSON in and out, problem+json errors as ApiError, the
// access token from a token source (refreshed once on a 401), short 429 waits honoured for reads,
// and cursor pages. The same public API any customer uses; nothing here is private to the app.

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: FieldError[] = [],
    readonly type = '',
    readonly retryAfterSeconds: number | null = null,
    readonly requestId: string | null = null,
  ) {
    super(detail ?? title);
    this.name = 'ApiError';
  }

  /** The message of the field error for `field` (e.g. `body.email`), if any. */
  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }

  /** A sentence to show a person. */
  get userMessage(): string {
    if (this.status === 0) return 'Cannot reach GPUBroker. Check your connection and try again.';
    if (this.status === 429) return `Too many requests: the limit resets in ${this.retryAfterSeconds ?? 'a few'} s.`;
    if (this.status >= 500) return `Something failed on our side${this.requestId ? ` (request ${this.requestId})` : ''}. Try again.`;
    const detail = this.detail ? this.detail.charAt(0).toUpperCase() + this.detail.slice(1) : '';
    return detail || this.title;
  }
}

/** Where requests get their access token, and what happens when the API refuses it. */
export interface TokenSource {
  /** The current access token (refreshed first if it is about to expire), or null when signed out. */
  accessToken(): Promise<string | null>;
  /** Called after a 401 on a request that carried a token; true when a fresh token is now available. */
  renewAfterUnauthorized(): Promise<boolean>;
}

export type QueryValue = string | number | boolean | null | undefined | readonly string[];

export interface RequestOptions {
  query?: Record<string, QueryValue> | URLSearchParams;
  body?: unknown;
  headers?: Record<string, string>;
  /** `auto`: send the token when signed in (default); `none`: call anonymously. */
  auth?: 'auto' | 'none';
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** `blob`: the answer is not JSON (a printable page, a file). */
  as?: 'json' | 'blob';
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Longest Retry-After a read waits for by itself before giving the 429 to the caller. */
const MAX_AUTO_WAIT_S = 12;

export function buildQuery(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = query instanceof URLSearchParams ? new URLSearchParams(query) : new URLSearchParams();
  if (!(query instanceof URLSearchParams)) {
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue;
      if (Array.isArray(v)) {
        if (v.length) params.set(k, v.join(','));
      } else params.set(k, String(v));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Reads a problem+json (or any JSON error) body into an ApiError. */
export async function toApiError(res: Response): Promise<ApiError> {
  const retryAfter = res.headers.get('retry-after');
  const retryAfterSeconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null;
  let body: { title?: string; detail?: string; errors?: FieldError[]; type?: string; requestId?: string } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(
    res.status,
    body.title ?? (res.statusText || `HTTP ${res.status}`),
    body.detail,
    Array.isArray(body.errors) ? body.errors : [],
    body.type ?? '',
    retryAfterSeconds,
    body.requestId ?? res.headers.get('x-request-id'),
  );
}

export class ApiClient {
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly tokens: TokenSource,
    options: { fetch?: typeof fetch; base?: string; sleep?: (ms: number) => Promise<void> } = {},
  ) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.base = options.base ?? '';
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  readonly base: string;

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = `${this.base}${path}${buildQuery(options.query)}`;
    let renewed = false;
    let waited = 0;
    for (;;) {
      const token = options.auth === 'none' ? null : await this.tokens.accessToken();
      const headers: Record<string, string> = { accept: options.as === 'blob' ? '*/*' : 'application/json', ...options.headers };
      if (token) headers.authorization = `Bearer ${token}`;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
      let res: Response;
      try {
        res = await this.fetchImpl(url, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: options.signal,
          credentials: 'same-origin',
        });
      } catch (err) {
        if (err instanceof DOMException && err.name === 'AbortError') throw err;
        throw new ApiError(0, 'Network error', err instanceof Error ? err.message : String(err));
      }
      if (res.ok) {
        if (options.as === 'blob') return (await res.blob()) as T;
        if (res.status === 204) return undefined as T;
        const text = await res.text();
        return (text ? JSON.parse(text) : undefined) as T;
      }
      if (res.status === 401 && token && !renewed) {
        renewed = true;
        if (await this.tokens.renewAfterUnauthorized()) continue;
      }
      const error = await toApiError(res);
      // A read that hit the rate limit waits once, briefly, rather than failing a page.
      if (res.status === 429 && method === 'GET' && waited === 0 && error.retryAfterSeconds !== null && error.retryAfterSeconds <= MAX_AUTO_WAIT_S) {
        waited = error.retryAfterSeconds;
        await this.sleep(Math.max(1, error.retryAfterSeconds) * 1000);
        continue;
      }
      throw error;
    }
  }

  get<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, options);
  }
  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }
  put<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }
  patch<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body });
  }
  delete<T = void>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  /** One page of a cursor-paged list; pass the previous page's nextCursor to go on. */
  page<T>(path: string, query: Record<string, QueryValue> = {}, cursor: string | null = null, options: RequestOptions = {}): Promise<Page<T>> {
    return this.get<Page<T>>(path, { ...options, query: { ...query, ...(cursor ? { cursor } : {}) } });
  }
}

/** A fresh Idempotency-Key: one per user intent, reused when the same submission is retried. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

/**
 * The Idempotency-Key of one form's submissions: the same body again (a retry after a network error
 * or a timeout) reuses the key, so the server answers from its record instead of acting twice; a
 * changed body, or any body after `done()`, gets a fresh key.
 */
export class SubmissionKey {
  private last: { key: string; body: string } | null = null;

  for(body: string): string {
    if (!this.last || this.last.body !== body) this.last = { key: newIdempotencyKey(), body };
    return this.last.key;
  }

  /** The submission succeeded: the next one is a new intent. */
  done(): void {
    this.last = null;
  }
}
