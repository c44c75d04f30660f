// One HTTP path for every adapter: maps transport failures and HTTP statuses to ProviderError kinds.
import { ProviderError, type ProviderContext } from './types';

export interface RequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Query parameters appended to the URL; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
}

/** Joins the configured base URL and a path without doubling or dropping slashes. */
export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

function retryAfterSeconds(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** Calls the provider and returns the parsed JSON body, or throws a typed ProviderError. */
export async function requestJson(
  provider: string,
  ctx: ProviderContext,
  path: string,
  options: RequestOptions = {},
): Promise<unknown> {
  const url = new URL(joinUrl(ctx.baseUrl, path));
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  let response: Response;
  try {
    response = await ctx.fetch(url.toString(), {
      method: options.method ?? 'GET',
      headers: { accept: 'application/json', ...options.headers },
      body: options.body,
      signal: ctx.signal,
    });
  } catch (err) {
    if (ctx.signal.aborted) throw new ProviderError(provider, 'timeout', 'request timed out');
    throw new ProviderError(provider, 'network', err instanceof Error ? err.message : String(err));
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new ProviderError(provider, 'auth', `HTTP ${response.status}: key missing, wrong or lacking access`, response.status);
  }
  if (response.status === 429) {
    await response.body?.cancel();
    throw new ProviderError(provider, 'rate_limited', 'HTTP 429', 429, retryAfterSeconds(response.headers.get('retry-after'), ctx.now));
  }
  if (response.status >= 500) {
    await response.body?.cancel();
    throw new ProviderError(provider, 'unavailable', `HTTP ${response.status}`, response.status);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ProviderError(provider, 'bad_response', `HTTP ${response.status}`, response.status);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    if (ctx.signal.aborted) throw new ProviderError(provider, 'timeout', 'response body timed out');
    throw new ProviderError(provider, 'network', err instanceof Error ? err.message : String(err));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError(provider, 'bad_response', `invalid JSON (${text.length} bytes)`, response.status);
  }
}
