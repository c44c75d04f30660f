// Shared test helpers: an env with overrides, ingestion at a chosen time, and API calls.
import { env, exports } from 'cloudflare:workers';
import type { Bindings } from '../src/env';
import { runIngestion, type IngestionReport } from '../src/ingest/run';

export function testEnv(overrides: Record<string, string> = {}): Bindings {
  return { ...env, ...overrides } as Bindings;
}

export function ingestAt(
  now: number,
  overrides: Record<string, string> = {},
  fetchImpl: typeof fetch = () => Promise.reject(new Error('network disabled in tests')),
): Promise<IngestionReport> {
  return runIngestion(testEnv(overrides), { now: () => now, fetch: fetchImpl });
}

export function api(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`http://gpubroker.test${path}`, init));
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** A fetch that answers each URL (matched by substring) with the given response factory. */
export function routeFetch(routes: Record<string, () => Response | Promise<Response>>): typeof fetch {
  return async (input) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    for (const [part, respond] of Object.entries(routes)) if (url.includes(part)) return respond();
    throw new Error(`unexpected request to ${url}`);
  };
}
