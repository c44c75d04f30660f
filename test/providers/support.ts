// Shared helpers for the provider adapter tests: a fake fetch that serves fixtures and records what
// was asked, a ProviderContext with test defaults, and the transport-failure tests every adapter owes.
import { describe, expect, it } from 'vitest';
import type { NormalizedOffer } from '../../src/catalog/offer';
import type { ProviderAdapter, ProviderContext, ProviderPull } from '../../src/providers/types';

/** The pull time every adapter test stamps offers with. */
export const TEST_NOW = Date.UTC(2026, 10, 26);

/** What the fake server answers one request with. */
export interface Answer {
  status?: number;
  /** Sent as JSON; ignored when `text` is given. */
  body?: unknown;
  /** Sent as written, for bodies that are not JSON. */
  text?: string;
  headers?: Record<string, string>;
  /** Never answers; the request fails only when its signal aborts, as a real fetch would. */
  hang?: boolean;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Headers;
  /** The request body when it was text, else undefined. */
  body: string | undefined;
}

export type Handler = (request: RecordedRequest) => Answer | Promise<Answer>;

/**
 * Answers keyed by a substring of the URL, optionally after a method (`"POST /oauth2/token"`).
 * When several keys match a request, the longest one wins; a request no key matches gets 404.
 */
export type Routes = Record<string, Answer | Handler>;

const METHOD_KEY = /^(GET|POST|PUT|PATCH|DELETE|HEAD) (.*)$/;

/** True when the route key `key` covers a request with this method and URL. */
export function routeMatches(key: string, request: Pick<RecordedRequest, 'method' | 'url'>): boolean {
  const withMethod = METHOD_KEY.exec(key);
  if (withMethod) return request.method === withMethod[1] && request.url.includes(withMethod[2]!);
  return request.url.includes(key);
}

function hang(signal: AbortSignal | null | undefined): Promise<Response> {
  return new Promise((_resolve, reject) => {
    const abort = () => reject(new DOMException('The operation was aborted', 'AbortError'));
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort);
  });
}

/** A fetch that serves `routes` (or one handler for every request) and records every request. */
export function fakeFetch(routes: Routes | Handler): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request: RecordedRequest = {
      method: init?.method ?? 'GET',
      url: typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url,
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    requests.push(request);
    let route: Answer | Handler | undefined;
    if (typeof routes === 'function') route = routes;
    else {
      const key = Object.keys(routes)
        .filter((k) => routeMatches(k, request))
        .sort((a, b) => b.length - a.length)[0];
      route = key === undefined ? undefined : routes[key];
    }
    if (!route) return new Response('not found', { status: 404 });
    const answer = typeof route === 'function' ? await route(request) : route;
    if (answer.hang) return hang(init?.signal);
    return new Response(answer.text ?? JSON.stringify(answer.body), {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json', ...answer.headers },
    });
  };
  return { fetch: fn as typeof fetch, requests };
}

/** A context for `adapter` with test defaults; a fetch that is not overridden fails every request. */
export function makeContext(adapter: ProviderAdapter, overrides: Partial<ProviderContext> = {}): ProviderContext {
  return {
    baseUrl: `https://${adapter.id}.test`,
    apiKey: `${adapter.id}-test-key`,
    fetch: (() => Promise.reject(new Error(`${adapter.id} test made a request without a fake fetch`))) as typeof fetch,
    now: TEST_NOW,
    signal: new AbortController().signal,
    settings: {},
    ...overrides,
  };
}

/** Runs one pull of `adapter` against `routes`, returning the pull and the requests it made. */
export async function pullOffers(
  adapter: ProviderAdapter,
  routes: Routes | Handler,
  overrides: Partial<ProviderContext> = {},
): Promise<{ result: ProviderPull; requests: RecordedRequest[] }> {
  const { fetch, requests } = fakeFetch(routes);
  const result = await adapter.listOffers(makeContext(adapter, { ...overrides, fetch }));
  return { result, requests };
}

/** The offer with this external id; fails the test when there is none. */
export function offerById(offers: NormalizedOffer[], externalId: string): NormalizedOffer {
  const found = offers.find((o) => o.externalId === externalId);
  expect(found, externalId).toBeDefined();
  return found!;
}

export interface TransportFailureSetup {
  adapter: ProviderAdapter;
  /** Context fields for this adapter: base URL, key, settings. The fetch and signal are the suite's. */
  context?: Partial<ProviderContext>;
  /** Route key (URL substring, optionally after a method) of the request each failure is injected into. */
  target: string;
  /** Routes that answer normally so the pull reaches the target, e.g. DataCrunch's token and its other reads. */
  prelude?: Routes;
  /** The body the provider sends with a 401, to document it; the adapter must not depend on it. */
  unauthorizedBody?: unknown;
  /** 200 JSON bodies of the wrong shape, by description ("gpuTypes that is not a list"); `{}` is always tried. */
  wrongShapes?: Record<string, unknown>;
}

/**
 * Registers the transport failures every adapter must report as typed errors: 401 → auth,
 * 429 → rate_limited with Retry-After, 500/503 → unavailable, a hanging request aborted by the pull
 * timeout → timeout, a body that is not JSON or not the expected shape → bad_response.
 */
export function describeTransportFailures(name: string, setup: TransportFailureSetup): void {
  const { adapter, target, prelude = {} } = setup;

  /** Pulls with `answer` on the target request; rejects with the adapter's error. */
  function pullFailing(answer: Answer | Handler, signal?: AbortSignal) {
    const { fetch, requests } = fakeFetch({ ...prelude, [target]: answer });
    const ctx = makeContext(adapter, { ...setup.context, fetch, ...(signal ? { signal } : {}) });
    return { pending: adapter.listOffers(ctx), requests };
  }

  async function expectFailure(answer: Answer, error: Record<string, unknown>): Promise<void> {
    const { pending, requests } = pullFailing(answer);
    await expect(pending).rejects.toMatchObject(error);
    expect(requests.some((r) => routeMatches(target, r)), `request to ${target}`).toBe(true);
  }

  describe(`${name} adapter: transport failures`, () => {
    it('reports HTTP 401 as an auth error', async () => {
      await expectFailure({ status: 401, body: setup.unauthorizedBody ?? { error: 'Unauthorized' } }, { kind: 'auth', status: 401 });
    });

    it('reports HTTP 429 as rate limited with the Retry-After seconds', async () => {
      await expectFailure(
        { status: 429, text: 'slow down', headers: { 'retry-after': '30' } },
        { kind: 'rate_limited', status: 429, retryAfterSeconds: 30 },
      );
    });

    it.each([500, 503])('reports HTTP %i as unavailable', async (status) => {
      await expectFailure({ status, text: 'upstream trouble' }, { kind: 'unavailable', status });
    });

    it('reports a request that outlives the pull timeout as a timeout', async () => {
      const controller = new AbortController();
      let reached!: () => void;
      const targetReached = new Promise<void>((resolve) => (reached = resolve));
      const { pending, requests } = pullFailing(() => {
        reached();
        return { hang: true };
      }, controller.signal);
      // Abort as the pull timeout would: once the target request is in flight (or the pull already ended).
      await Promise.race([targetReached, pending.catch(() => undefined)]);
      controller.abort();
      await expect(pending).rejects.toMatchObject({ kind: 'timeout' });
      expect(requests.some((r) => routeMatches(target, r)), `request to ${target}`).toBe(true);
    });

    it('reports a body that is not JSON as a bad response', async () => {
      await expectFailure({ text: '<html>502 Bad Gateway</html>' }, { kind: 'bad_response' });
    });

    const wrongShapes: Record<string, unknown> = { 'an empty object': {}, ...setup.wrongShapes };
    for (const [description, body] of Object.entries(wrongShapes)) {
      it(`reports ${description} as a bad response`, async () => {
        await expectFailure({ body }, { kind: 'bad_response' });
      });
    }
  });
}
