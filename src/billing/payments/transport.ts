// The one way payment code reaches Stripe and PayPal: a fetch with a timeout, failures as a typed
// ProviderCallError. Tests swap the fetch for a local fake (setPaymentsFetch), as deployments do
// with their agent transport.

export type PaymentProvider = 'stripe' | 'paypal';

export type PaymentsFetch = (url: string, init: RequestInit) => Promise<Response>;

let override: PaymentsFetch | null = null;

/** Tests only: answer every provider request with `fake` instead of the network. */
export function setPaymentsFetch(fake: PaymentsFetch | null): void {
  override = fake;
}

export type ProviderCallErrorKind = 'not_configured' | 'timeout' | 'network' | 'http' | 'bad_response';

export class ProviderCallError extends Error {
  override name = 'ProviderCallError';
  constructor(
    readonly provider: PaymentProvider,
    readonly kind: ProviderCallErrorKind,
    message: string,
    readonly status?: number,
    /** The provider's error code (`resource_missing`, `ORDER_ALREADY_CAPTURED` …) when it sent one. */
    readonly code?: string,
  ) {
    super(`${provider}: ${message}`);
  }
}

/** Calls the provider; a transport failure or a timeout is a ProviderCallError, an HTTP status is left to the caller. */
export async function providerFetch(provider: PaymentProvider, url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  const send = override ?? ((u: string, i: RequestInit) => fetch(u, i));
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await send(url, { ...init, signal });
  } catch (err) {
    if (signal.aborted) throw new ProviderCallError(provider, 'timeout', `no answer within ${timeoutMs} ms`);
    throw new ProviderCallError(provider, 'network', err instanceof Error ? err.message : String(err));
  }
}

/** Reads a JSON body, bounded; a non-JSON answer is `bad_response`. */
export async function readJson(provider: PaymentProvider, res: Response, maxBytes = 256 * 1024): Promise<unknown> {
  const text = await res.text();
  if (text.length > maxBytes) throw new ProviderCallError(provider, 'bad_response', `answer over ${maxBytes} bytes`, res.status);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderCallError(provider, 'bad_response', `HTTP ${res.status} with a body that is not JSON`, res.status);
  }
}

export const joinUrl = (base: string, path: string) => base.replace(/\/+$/, '') + path;

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 500 ? v : null);

/** Our order ids (`randomId('pay_')`); a value of another shape in metadata or custom_id is not ours. */
export const orderIdOf = (v: unknown): string | null => (typeof v === 'string' && /^pay_[0-9a-z]{16}$/.test(v) ? v : null);
