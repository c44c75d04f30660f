// WebSocket handshake details shared by the live endpoint and the app's error handler: credentials
// in Sec-WebSocket-Protocol, the subprotocol the server must echo, and refusals as close frames
// (a browser cannot read the HTTP status of a refused upgrade, but it can read a close code and reason).
import type { Context } from 'hono';
import type { Problem } from '../http/problem';
import { BEARER_PROTOCOL_PREFIX, SUBPROTOCOL } from './protocol';

export function isWebSocketUpgrade(request: Request): boolean {
  return request.headers.get('upgrade')?.toLowerCase() === 'websocket';
}

function offeredProtocols(request: Request): string[] {
  return (request.headers.get('sec-websocket-protocol') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A `bearer.<token>` entry of Sec-WebSocket-Protocol, if the client sent one. */
export function bearerFromProtocols(request: Request): string | undefined {
  const entry = offeredProtocols(request).find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  return entry?.slice(BEARER_PROTOCOL_PREFIX.length) || undefined;
}

/** The subprotocol to select: a client that offers protocols fails the handshake unless one is echoed. */
export function protocolHeaders(request: Request): Record<string, string> {
  const offered = offeredProtocols(request);
  if (offered.length === 0) return {};
  const chosen = offered.includes(SUBPROTOCOL) ? SUBPROTOCOL : offered.find((p) => !p.startsWith(BEARER_PROTOCOL_PREFIX)) ?? offered[0]!;
  return { 'Sec-WebSocket-Protocol': chosen };
}

/** Accepts the upgrade only to refuse it readably: an `error` message, then close 4000 + status. */
export function closeWithProblem(c: Context, p: Problem): Response {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  const retryAfter = p.headers?.['Retry-After'];
  server.send(
    JSON.stringify({
      type: 'error',
      code: p.slug,
      status: p.status,
      message: p.detail ?? p.title,
      ...(p.errors ? { errors: p.errors } : {}),
      ...(retryAfter ? { retryAfterSeconds: Number(retryAfter) } : {}),
      requestId: c.get('requestId') as string | undefined,
      fatal: true,
    }),
  );
  const code = p.status >= 400 && p.status < 500 ? 4000 + p.status : 4500;
  server.close(code, truncateUtf8(p.detail ?? p.title, 123));
  return new Response(null, { status: 101, webSocket: client, headers: protocolHeaders(c.req.raw) });
}

function truncateUtf8(text: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  let out = text;
  while (encoder.encode(out).length > maxBytes) out = out.slice(0, -1);
  return out;
}
