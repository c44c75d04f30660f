// Local HTTP servers for tests (node:http on port 0): fixture servers that answer like a provider
// and record what the agent sent, and a callback server that plays the Worker's event receiver.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentEvent } from '../../src/events';
import { SIGNATURE_HEADER, verifySignature } from '../../src/signing';

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

export interface TestServer {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

export type Handler = (req: Recorded, res: ServerResponse) => void | Promise<void>;

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: Recorded = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        json: () => JSON.parse(body),
      };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch((err) => send(res, 599, { error: String(err) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface CallbackServer extends TestServer {
  /** Events accepted (answered 2xx), in arrival order. */
  events: AgentEvent[];
  /** Every delivery attempt, accepted or not, with whether its signature verified. */
  attempts: Array<{ event: AgentEvent; signed: boolean; answered: number }>;
}

/** The Worker's `/internal/agent/events`: verifies signatures and answers `statuses` in turn (then 204). */
export async function startCallbackServer(secret: string, statuses: number[] = []): Promise<CallbackServer> {
  const events: AgentEvent[] = [];
  const attempts: CallbackServer['attempts'] = [];
  const queue = [...statuses];
  const server = await startServer(async (req, res) => {
    const signed = (await verifySignature(secret, req.headers[SIGNATURE_HEADER] as string | undefined, req.body)).ok;
    const event = req.json() as AgentEvent;
    const answered = !signed ? 401 : (queue.shift() ?? 204);
    attempts.push({ event, signed, answered });
    if (answered >= 200 && answered < 300) events.push(event);
    res.writeHead(answered);
    res.end();
  });
  return { ...server, events, attempts };
}

/** Resolves once `check` returns a value other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `read` until `accept` likes its answer; fails after `timeoutMs`. For state reached over time. */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await sleep(10);
  }
}

/** One scripted answer of a fixture server; the first route matching method and path answers. */
export interface Route {
  method: string;
  path: string | RegExp;
  respond: (res: ServerResponse, req: Recorded) => void;
}

export const on = (method: string, path: string | RegExp, respond: Route['respond']): Route => ({ method, path, respond });

/** Answers with the first matching route; true when one matched. */
export function answer(routes: Route[], req: Recorded, res: ServerResponse): boolean {
  const route = routes.find((r) => r.method === req.method && (typeof r.path === 'string' ? r.path === req.path : r.path.test(req.path)));
  if (!route) return false;
  route.respond(res, req);
  return true;
}
