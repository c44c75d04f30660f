// Stand-ins for the outside world of alerts: a DNS-over-HTTPS resolver answering from a table, a
// webhook receiver that records every request and answers as a test scripts it, and a small market
// served through the Lambda adapter so tests choose each offer's price and availability.
import { env } from 'cloudflare:workers';
import { afterEach } from 'vitest';
import { setAlertsFetch } from '../../src/alerts/outbound';
import { runIngestion, type IngestionReport } from '../../src/ingest/run';
import type { Bindings } from '../../src/env';
import type { AlertDeliveryMessage } from '../../src/alerts/delivery';

export const DOH = 'https://cloudflare-dns.com/dns-query';

/** DoH JSON answers from a table of name → addresses; names not in it are NXDOMAIN. */
export function dohAnswer(records: Record<string, string[]>, url: URL): Response {
  const name = url.searchParams.get('name') ?? '';
  const type = url.searchParams.get('type');
  const all = records[name.toLowerCase()];
  if (!all) return Response.json({ Status: 3, Question: [{ name, type: type === 'A' ? 1 : 28 }] });
  const wanted = all.filter((a) => (type === 'A' ? !a.includes(':') : a.includes(':')));
  return Response.json({
    Status: 0,
    Question: [{ name, type: type === 'A' ? 1 : 28 }],
    // A CNAME first, as resolvers answer for aliased names: it must be skipped, not mistaken for an address.
    Answer: [{ name, type: 5, TTL: 300, data: `edge.${name}.` }, ...wanted.map((data) => ({ name: `edge.${name}`, type: type === 'A' ? 1 : 28, TTL: 300, data }))],
  });
}

/** A fetch that answers DoH queries from `records`, for calling the resolver directly. */
export function fakeDoh(records: Record<string, string[]>): typeof fetch {
  return async (input) => dohAnswer(records, new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url));
}

export interface Received {
  url: string;
  headers: Headers;
  body: string;
  at: number;
}

export interface Outside {
  dns: Record<string, string[]>;
  /** Every webhook request, in order. */
  received: Received[];
  /** How the receiver answers the next request; default 200. */
  answer: (req: Received) => Response | Promise<Response>;
  dohCalls: number;
}

/** Routes alert DoH lookups and webhook requests to fakes for the rest of the test. */
export function fakeOutside(dns: Record<string, string[]> = {}): Outside {
  const outside: Outside = { dns, received: [], answer: () => new Response('ok', { status: 200 }), dohCalls: 0 };
  setAlertsFetch(async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.href.startsWith(DOH)) {
      outside.dohCalls++;
      return dohAnswer(outside.dns, url);
    }
    const received: Received = { url: request.url, headers: request.headers, body: await request.text(), at: Date.now() };
    outside.received.push(received);
    // Like a real fetch, an aborted request (the attempt's timeout) rejects whatever the receiver does.
    const signal = init?.signal ?? request.signal;
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason));
    });
    return Promise.race([Promise.resolve(outside.answer(received)), aborted]);
  });
  return outside;
}

afterEach(() => setAlertsFetch(null));

/** A queue that keeps what is sent to it, so a test decides when (and how often) a message is consumed. */
export class CapturedQueue {
  readonly messages: AlertDeliveryMessage[] = [];
  async send(body: AlertDeliveryMessage): Promise<void> {
    this.messages.push(body);
  }
  async sendBatch(batch: Iterable<MessageSendRequest<AlertDeliveryMessage>>): Promise<void> {
    for (const m of batch) this.messages.push(m.body);
  }
}

/** One instance type of the fake Lambda market: GPUs, price per hour in cents, regions with capacity. */
export interface LambdaType {
  name: string;
  gpu: string;
  gpus: number;
  cents: number;
  regions: string[];
}

function lambdaBody(types: LambdaType[]) {
  return {
    data: Object.fromEntries(
      types.map((t) => [
        t.name,
        {
          instance_type: {
            name: t.name,
            description: `${t.gpus}x ${t.gpu}`,
            gpu_description: t.gpu,
            price_cents_per_hour: t.cents,
            specs: { vcpus: 26 * t.gpus, memory_gib: 200 * t.gpus, storage_gib: 1024, gpus: t.gpus },
          },
          regions_with_capacity_available: t.regions.map((name) => ({ name, description: name })),
        },
      ]),
    ),
  };
}

/**
 * Runs one ingestion at `now` whose only provider is the fake Lambda market, with alert messages
 * captured by `queue`. Lambda offers are on-demand; one offer per (type, region) with capacity.
 */
export function ingestMarket(now: number, types: LambdaType[], queue: CapturedQueue, overrides: Record<string, string> = {}): Promise<IngestionReport> {
  const testEnv = { ...env, SIM_ENABLED: 'false', LAMBDA_API_KEY: 'test', ALERT_DELIVERIES: queue, ...overrides } as unknown as Bindings;
  const fetchImpl: typeof fetch = async (input) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.includes('instance-types')) return Response.json(lambdaBody(types));
    throw new Error(`unexpected request to ${url}`);
  };
  return runIngestion(testEnv, { now: () => now, fetch: fetchImpl });
}

/** Ingestion of the simulated market at `now`, with alert messages captured by `queue`. */
export function ingestSim(now: number, queue: CapturedQueue, overrides: Record<string, string> = {}): Promise<IngestionReport> {
  const testEnv = { ...env, ALERT_DELIVERIES: queue, ...overrides } as unknown as Bindings;
  return runIngestion(testEnv, { now: () => now, fetch: () => Promise.reject(new Error('network disabled in tests')) });
}
