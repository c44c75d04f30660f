// Refuses any request not signed with AGENT_SECRET. It reads the raw body once (the signature covers
// the exact bytes) and hands it on in `c.var.rawBody`, so handlers parse what was verified.
import type { MiddlewareHandler } from 'hono';
import type { Clock } from './clock';
import { AgentProblem } from './problem';
import { SIGNATURE_HEADER, verifySignature } from './signing';

export type AgentEnv = { Variables: { rawBody: string } };

/** Jobs are small; anything bigger is a mistake or an attack. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function requireSignature(secret: string, clock: Clock): MiddlewareHandler<AgentEnv> {
  return async (c, next) => {
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > MAX_BODY_BYTES) throw new AgentProblem(413, 'payload_too_large', `bodies are limited to ${MAX_BODY_BYTES} bytes`, false);
    const body = await c.req.text();
    if (body.length > MAX_BODY_BYTES) throw new AgentProblem(413, 'payload_too_large', `bodies are limited to ${MAX_BODY_BYTES} bytes`, false);
    const result = await verifySignature(secret, c.req.header(SIGNATURE_HEADER), body, clock.now());
    if (!result.ok) throw new AgentProblem(401, 'invalid_signature', result.reason, false);
    c.set('rawBody', body);
    await next();
  };
}
