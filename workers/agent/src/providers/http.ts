// The one HTTP path every real provider client uses: bearer auth, a per-call timeout, and HTTP
// statuses and transport failures mapped to ProviderError kinds. Clients refine the kinds they can
// read from a body (capacity, not found) by catching and rethrowing.
import { ProviderError, type ProviderId } from './types';

export interface ProviderHttp {
  /** Base URL of the provider's API, from `<PROVIDER>_API_URL` or the public default. */
  baseUrl: string;
  apiKey: string;
  fetch: typeof fetch;
  timeoutMs: number;
}

export interface CallOptions {
  body?: unknown;
  query?: Record<string, string | undefined>;
}

/** Joins the base URL and a path without doubling or dropping slashes. */
export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

/** The provider's own words for an error, from the shapes RunPod, Vast.ai and Lambda use. */
function errorMessage(body: unknown): { message?: string; code?: string } {
  if (typeof body === 'string') return { message: body };
  if (!body || typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  const error = b.error;
  if (error && typeof error === 'object') {
    const e = error as Record<string, unknown>;
    return {
      message: typeof e.message === 'string' ? e.message : undefined,
      code: typeof e.code === 'string' ? e.code : undefined,
    };
  }
  const message = [b.msg, b.message, b.error, b.detail].find((v): v is string => typeof v === 'string');
  return { message, code: typeof b.error === 'string' && typeof b.msg === 'string' ? b.error : undefined };
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const clip = (s: string, max = 300): string => (s.length > max ? `${s.slice(0, max)}…` : s);

/** Calls the provider and returns the parsed JSON body (null when empty), or throws a ProviderError. */
export async function callProvider(
  provider: ProviderId,
  http: ProviderHttp,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  options: CallOptions = {},
): Promise<unknown> {
  const url = new URL(joinUrl(http.baseUrl, path));
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${http.apiKey}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), http.timeoutMs);
  // Called unbound: workerd's fetch refuses to run as a method of another object.
  const doFetch = http.fetch;
  let status: number;
  let text: string;
  try {
    const response = await doFetch(url.toString(), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: controller.signal,
    });
    status = response.status;
    text = await response.text();
  } catch (err) {
    if (controller.signal.aborted) throw new ProviderError(provider, 'timeout', `${method} ${path} timed out after ${http.timeoutMs} ms`);
    throw new ProviderError(provider, 'network', `${method} ${path} failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearTimeout(timer);
  }

  const body = parseBody(text);
  if (status >= 200 && status < 300) {
    if (body === undefined) throw new ProviderError(provider, 'bad_response', `${method} ${path}: response is not JSON (${text.length} bytes)`, { status });
    return body;
  }
  const said = errorMessage(body ?? text);
  const extra = { status, providerCode: said.code };
  const suffix = said.message ? `: ${clip(said.message)}` : '';
  if (status === 401 || status === 403) throw new ProviderError(provider, 'auth', `HTTP ${status}: API key missing, wrong or lacking access${suffix}`, extra);
  if (status === 404) throw new ProviderError(provider, 'not_found', `HTTP 404${suffix}`, extra);
  if (status === 429) throw new ProviderError(provider, 'rate_limited', `HTTP 429: rate limited${suffix}`, extra);
  if (status >= 500) throw new ProviderError(provider, 'unavailable', `HTTP ${status}${suffix}`, extra);
  throw new ProviderError(provider, 'rejected', `HTTP ${status}${suffix}`, extra);
}

/** A ProviderError of `kind` that keeps the original message and status. */
export function reclassify(err: ProviderError, kind: ProviderError['kind']): ProviderError {
  return new ProviderError(err.provider, kind, err.message, err.extra);
}
